#pragma once
// Semaphore: a fair, asynchronous counting semaphore (tokio::sync::Semaphore), and the waiter
// queue under Mutex and RwLock.
//
// Invariants. The free permits and the closed flag are one atomic word; one lock
// (detail::Mutex) guards a FIFO list of waiters, each living in its acquire future and recording
// how many permits it still needs. Permits that come back are handed to the waiters in order,
// under the lock, before any reaches the atomic word: the front waiter takes what it needs, or
// all there is and stays in front. So while anyone waits the word holds no permit, and a
// newcomer, which finds none, queues behind them: large requests are not starved by small
// ones, and a task that releases and acquires again goes to the back of the line. That is also
// why an acquire may take permits from the word without the lock (a compare-and-swap): when the
// word has enough, nobody waits. A waiter leaves the list only under the lock: when it has all
// its permits (GRANTED: its waker is taken first, to be woken after unlocking, and the state is
// published last, so that its future, which reads the state without the lock, may be gone the
// moment it is set), when the semaphore closes (CLOSED, likewise), or when its future is
// dropped. A dropped future gives back what it had been assigned, through the same hand-out, so
// nothing is lost and nobody behind it loses their place.

#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "wakeful/coop.hpp"
#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/detail/pinned.hpp"
#include "wakeful/detail/wake_list.hpp"
#include "wakeful/future.hpp"
#include "wakeful/waker.hpp"

namespace wakeful {

class Semaphore;
class SemaphorePermit;
class OwnedSemaphorePermit;

/// Thrown by an acquire future of a Semaphore that is (or becomes) closed.
class SemaphoreClosed : public std::runtime_error {
 public:
  SemaphoreClosed() : std::runtime_error("wakeful: acquire on a closed Semaphore") {}
};

namespace detail {

/// An acquire future's place in its semaphore's line. Guarded by the semaphore's lock, except
/// `state`, which the future's poll reads without it to learn that it was granted (or closed).
struct SemaphoreWaiter {
  enum class State : unsigned char { idle, queued, granted, closed };

  SemaphoreWaiter* prev = nullptr;
  SemaphoreWaiter* next = nullptr;
  Waker waker;
  std::size_t wanted = 0;     // permits asked for
  std::size_t remaining = 0;  // permits not assigned yet
  std::atomic<State> state{State::idle};
};

}  // namespace detail

/// A count of permits that tasks acquire and give back. Acquisition is first come, first served
/// (including requests of several permits), and every operation is safe from any thread.
class Semaphore {
 public:
  /// The most permits a semaphore can hold; more is refused with std::overflow_error.
  static constexpr std::size_t max_permits = std::numeric_limits<std::size_t>::max() >> 3U;

  class Acquire;
  class AcquireOwned;

  /// A semaphore with `permits` free permits. Throws std::overflow_error above max_permits.
  explicit Semaphore(std::size_t permits);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  /// No acquire future or SemaphorePermit may outlive the semaphore (the owned variants keep
  /// it alive instead).
  ~Semaphore();

  /// A future that acquires `n` permits (see Acquire). Throws std::invalid_argument when `n`
  /// exceeds max_permits, which no semaphore could ever satisfy.
  Acquire acquire(std::size_t n = 1);

  /// Takes `n` permits if they are free now and nobody waits for them. std::nullopt when there
  /// are not enough or the semaphore is closed (is_closed() tells which).
  std::optional<SemaphorePermit> try_acquire(std::size_t n = 1);

  /// As acquire(), but the permit holds `semaphore` alive, so it can move into a spawned task.
  /// Throws std::invalid_argument for a null `semaphore` or an `n` above max_permits.
  static AcquireOwned acquire_owned(std::shared_ptr<Semaphore> semaphore, std::size_t n = 1);

  /// As try_acquire(), with a permit that holds `semaphore` alive. Throws std::invalid_argument
  /// for a null `semaphore`.
  static std::optional<OwnedSemaphorePermit> try_acquire_owned(std::shared_ptr<Semaphore> semaphore, std::size_t n = 1);

  /// Adds `n` permits, handing them to waiters in order. Throws std::overflow_error (adding
  /// nothing) when the free permits would exceed max_permits.
  void add_permits(std::size_t n);

  /// The permits free right now (0 while anyone waits).
  [[nodiscard]] std::size_t available_permits() const noexcept;

  /// Closes the semaphore: every waiting acquire and every later one fails with SemaphoreClosed,
  /// and the waiting tasks are woken. Permits already held stay valid; try_acquire fails.
  void close();

  /// True once close() was called.
  [[nodiscard]] bool is_closed() const noexcept;

 private:
  friend class SemaphorePermit;
  friend class OwnedSemaphorePermit;

  /// Gives back `n` permits held by a permit object.
  void release(std::size_t n) noexcept;
  /// The poll behind both acquire futures; true once the waiter holds its permits.
  bool poll_acquire(detail::SemaphoreWaiter& waiter, std::size_t n, const Waker& waker);
  /// The drop of a waiting acquire future: leaves the line and gives back what it was assigned.
  void cancel_acquire(detail::SemaphoreWaiter& waiter) noexcept;
  /// Hands `n` permits to the waiters in order and the rest to the free count; `lock` is held on
  /// entry and released on return.
  void release_locked(std::unique_lock<detail::Mutex>& lock, std::size_t n) noexcept;
  /// Takes `n` free permits without the lock if there are that many; false otherwise (or when
  /// closed, which `closed` then says).
  bool try_take(std::size_t n, bool& closed) noexcept;

  // The word: free permits << 1 | closed.
  static constexpr std::size_t closed_bit = 1;
  static constexpr unsigned permit_shift = 1;

  mutable detail::Mutex mutex_;
  std::atomic<std::size_t> word_;  // no permit in it while waiters_ is not empty
  detail::IntrusiveList<detail::SemaphoreWaiter, &detail::SemaphoreWaiter::prev, &detail::SemaphoreWaiter::next>
      waiters_;  // FIFO, guarded by mutex_
};

/// Permits taken from a Semaphore, given back when the permit is destroyed. Move-only. It keeps
/// a plain reference: the semaphore must outlive it (OwnedSemaphorePermit does not need to).
class [[nodiscard]] SemaphorePermit {
 public:
  SemaphorePermit(SemaphorePermit&& other) noexcept
      : semaphore_(std::exchange(other.semaphore_, nullptr)), permits_(std::exchange(other.permits_, 0)) {}
  SemaphorePermit& operator=(SemaphorePermit&& other) noexcept {
    if (this != &other) {
      release();
      semaphore_ = std::exchange(other.semaphore_, nullptr);
      permits_ = std::exchange(other.permits_, 0);
    }
    return *this;
  }
  SemaphorePermit(const SemaphorePermit&) = delete;
  SemaphorePermit& operator=(const SemaphorePermit&) = delete;
  /// Gives the permits back (to the first waiter in line, if any).
  ~SemaphorePermit() { release(); }

  /// How many permits this holds.
  [[nodiscard]] std::size_t num_permits() const noexcept { return permits_; }

  /// Keeps the permits out of the semaphore for good: they are not given back.
  void forget() noexcept { permits_ = 0; }

 private:
  friend class Semaphore;
  friend class Semaphore::AcquireOwned;
  SemaphorePermit(Semaphore& semaphore, std::size_t permits) noexcept : semaphore_(&semaphore), permits_(permits) {}

  void release() noexcept {
    if (semaphore_ != nullptr && permits_ != 0) {
      semaphore_->release(permits_);
    }
    semaphore_ = nullptr;
    permits_ = 0;
  }

  Semaphore* semaphore_;
  std::size_t permits_;
};

/// Permits taken from a Semaphore held by shared ownership: the permit keeps the semaphore
/// alive, so it can move into a spawned task and outlive everything else. Move-only.
class [[nodiscard]] OwnedSemaphorePermit {
 public:
  OwnedSemaphorePermit(OwnedSemaphorePermit&& other) noexcept
      : semaphore_(std::move(other.semaphore_)), permits_(std::exchange(other.permits_, 0)) {}
  OwnedSemaphorePermit& operator=(OwnedSemaphorePermit&& other) noexcept {
    if (this != &other) {
      release();
      semaphore_ = std::move(other.semaphore_);
      permits_ = std::exchange(other.permits_, 0);
    }
    return *this;
  }
  OwnedSemaphorePermit(const OwnedSemaphorePermit&) = delete;
  OwnedSemaphorePermit& operator=(const OwnedSemaphorePermit&) = delete;
  /// Gives the permits back, then lets go of the semaphore.
  ~OwnedSemaphorePermit() { release(); }

  /// How many permits this holds.
  [[nodiscard]] std::size_t num_permits() const noexcept { return permits_; }
  /// The semaphore the permits belong to (null once moved from).
  [[nodiscard]] const std::shared_ptr<Semaphore>& semaphore() const noexcept { return semaphore_; }

  /// Keeps the permits out of the semaphore for good: they are not given back.
  void forget() noexcept { permits_ = 0; }

 private:
  friend class Semaphore;
  friend class Semaphore::AcquireOwned;
  OwnedSemaphorePermit(std::shared_ptr<Semaphore> semaphore, std::size_t permits) noexcept
      : semaphore_(std::move(semaphore)), permits_(permits) {}

  void release() noexcept {
    if (semaphore_ && permits_ != 0) {
      semaphore_->release(permits_);
    }
    semaphore_.reset();
    permits_ = 0;
  }

  std::shared_ptr<Semaphore> semaphore_;
  std::size_t permits_;
};

/// The future of Semaphore::acquire(n): ready with a SemaphorePermit of `n` permits once they
/// were handed to it in turn; throws SemaphoreClosed if the semaphore is or becomes closed.
/// Spends one unit of cooperative budget when it completes, so a task that acquires and
/// releases in a loop still lets its worker's other tasks run.
///
/// Cancel safety: dropping it loses nothing. A pending future leaves the line, and permits it had
/// already been handed (part of its `n`, or all of them before it was polled again) go on to the
/// next waiters in order. Once polled while waiting it is linked into the line and must not be
/// moved; moving it then aborts the process with a message, in every build.
class [[nodiscard]] Semaphore::Acquire {
 public:
  /// Waiting links it into a list, so combinators holding it must not move it once polled.
  static constexpr bool pinned_once_polled = true;
  /// Moving is allowed before the first poll only.
  Acquire(Acquire&& other) noexcept : semaphore_(other.semaphore_), n_(other.n_), stage_(other.stage_) {
    if (other.stage_ == Stage::waiting) {
      detail::moved_after_first_poll("Semaphore::Acquire");
    }
    other.stage_ = Stage::done;
  }
  Acquire& operator=(Acquire&&) = delete;
  Acquire(const Acquire&) = delete;
  Acquire& operator=(const Acquire&) = delete;
  ~Acquire() {
    if (stage_ == Stage::waiting) {
      semaphore_->cancel_acquire(waiter_);
    }
  }

  /// Ready with the permits once acquired. Throws SemaphoreClosed when the semaphore closed, and
  /// std::logic_error when polled after it completed.
  Poll<SemaphorePermit> poll(Context& cx) {
    if (stage_ == Stage::done) {
      throw std::logic_error("wakeful: Semaphore::Acquire polled after completion");
    }
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    if (!semaphore_->poll_acquire(waiter_, n_, cx.waker())) {
      stage_ = Stage::waiting;
      coop::refund();
      return Pending;
    }
    stage_ = Stage::done;
    return SemaphorePermit(*semaphore_, n_);
  }

  /// True while the future is linked into the semaphore's line (it must not move then).
  [[nodiscard]] bool is_waiting() const noexcept { return stage_ == Stage::waiting; }

 private:
  friend class Semaphore;
  enum class Stage : unsigned char { init, waiting, done };

  Acquire(Semaphore& semaphore, std::size_t n) noexcept : semaphore_(&semaphore), n_(n) {}

  Semaphore* semaphore_;
  std::size_t n_;
  Stage stage_ = Stage::init;  // the owner's view; waiter_.state is the semaphore's
  detail::SemaphoreWaiter waiter_;
};

/// The future of Semaphore::acquire_owned: as Acquire (same cancel safety, same rule against
/// moving after the first poll), ready with an OwnedSemaphorePermit.
class [[nodiscard]] Semaphore::AcquireOwned {
 public:
  /// Waiting links it into a list, so combinators holding it must not move it once polled.
  static constexpr bool pinned_once_polled = true;
  /// Moving is allowed before the first poll only.
  AcquireOwned(AcquireOwned&& other) noexcept : semaphore_(std::move(other.semaphore_)), inner_(check_movable(other)) {}
  AcquireOwned& operator=(AcquireOwned&&) = delete;
  AcquireOwned(const AcquireOwned&) = delete;
  AcquireOwned& operator=(const AcquireOwned&) = delete;
  ~AcquireOwned() = default;

  /// Ready with the permits once acquired; throws as Acquire::poll does.
  Poll<OwnedSemaphorePermit> poll(Context& cx) {
    Poll<SemaphorePermit> permit = inner_.poll(cx);
    if (permit.is_pending()) {
      return Pending;
    }
    const std::size_t n = permit->num_permits();
    permit->forget();  // the owned permit gives them back instead
    return OwnedSemaphorePermit(semaphore_, n);
  }

  /// True while the future is linked into the semaphore's line (it must not move then).
  [[nodiscard]] bool is_waiting() const noexcept { return inner_.is_waiting(); }

 private:
  friend class Semaphore;
  AcquireOwned(std::shared_ptr<Semaphore> semaphore, std::size_t n) noexcept
      : semaphore_(std::move(semaphore)), inner_(*semaphore_, n) {}

  static Acquire&& check_movable(AcquireOwned& other) noexcept {
    if (other.inner_.is_waiting()) {
      detail::moved_after_first_poll("Semaphore::AcquireOwned");
    }
    return std::move(other.inner_);
  }

  std::shared_ptr<Semaphore> semaphore_;  // declared first: outlives inner_, whose drop may cancel
  Acquire inner_;
};

}  // namespace wakeful
