#pragma once
// broadcast: a bounded multi-producer, multi-consumer channel in which every receiver sees every
// value (tokio::sync::broadcast).
//
// The channel is a ring of `capacity` slots and a count `tail` of values ever sent; value number
// p lives in slot p % capacity until value p + capacity overwrites it, so the values kept are
// those numbered from max(0, tail - capacity) to tail - 1. Each receiver holds the number of the
// next value it wants. A send never waits: a receiver that has fallen more than `capacity`
// behind finds its next value overwritten, is told how many it missed (Lagged), and continues
// from the oldest value kept. Receivers copy values out (T must be copyable); a slot's value is
// destroyed when it is overwritten or when the channel goes.
//
// Locking. Receivers on several threads read every value, so a receive that finds its value
// there takes no lock shared by the whole channel: it loads `tail` (acquire) and copies the value
// under the lock of its slot (detail/broadcast_slot.hpp), whose number says whether a later lap
// overwrote it. A send writes the slot under that lock and then publishes `tail`. Senders
// serialise on a lock of their own (send_mutex_), which also keeps the receiver count, so that a
// subscriber's starting point and a send's "no receiver" are decided in one order. Only a
// receiver that finds nothing takes the channel's lock (mutex_), to join the list of waiters.
//
// No lost wake-up: a waiting receiver registers (the waiter count, seq_cst) and then loads
// `tail` again (seq_cst); a send stores `tail` (seq_cst) and then loads the waiter count. In the
// single order of those four operations one side sees the other's: the receiver finds the value,
// or the send sees the count raised and takes mutex_, which the receiver holds from before
// raising it until its waker is in the list, so the send finds it there and wakes it. A send that
// finds no waiter never touches mutex_. The last sender leaving wakes the waiters under mutex_
// too, and receivers look for it under mutex_ after registering.

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "wakeful/coop.hpp"
#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/detail/pinned.hpp"
#include "wakeful/detail/wake_list.hpp"
#include "wakeful/future.hpp"
#include "wakeful/sync/detail/broadcast_slot.hpp"
#include "wakeful/sync/send_result.hpp"
#include "wakeful/waker.hpp"

namespace wakeful::broadcast {

template <class T>
class Sender;
template <class T>
class Receiver;

/// What a receive found.
enum class RecvStatus : unsigned char {
  value,   ///< the next value
  lagged,  ///< values were overwritten before this receiver read them; missed() says how many
  closed,  ///< every sender is gone and this receiver has read everything
  empty,   ///< try_recv() only: no value yet
};

/// Thrown by RecvResult::value() when the result holds no value.
class RecvError : public std::runtime_error {
 public:
  /// An error for `status` (not RecvStatus::value); `missed` counts the skipped values when lagged.
  RecvError(RecvStatus status, std::uint64_t missed)
      : std::runtime_error(message(status, missed)), status_(status), missed_(missed) {}

  /// Why the result held no value.
  [[nodiscard]] RecvStatus status() const noexcept { return status_; }
  /// The number of values skipped, for RecvStatus::lagged.
  [[nodiscard]] std::uint64_t missed() const noexcept { return missed_; }

 private:
  static std::string message(RecvStatus status, std::uint64_t missed) {
    switch (status) {
      case RecvStatus::lagged:
        return "wakeful: broadcast receiver lagged behind and missed " + std::to_string(missed) + " values";
      case RecvStatus::closed:
        return "wakeful: broadcast channel closed";
      case RecvStatus::empty:
        return "wakeful: broadcast channel empty";
      case RecvStatus::value:
        break;
    }
    return "wakeful: broadcast receive succeeded";
  }

  RecvStatus status_;
  std::uint64_t missed_;
};

/// The outcome of a receive: a value, or why there is none (lagged with the count missed,
/// closed, or empty).
template <class T>
class [[nodiscard]] RecvResult {
 public:
  /// A received value.
  static RecvResult of(T value) { return RecvResult(RecvStatus::value, 0, std::move(value)); }
  /// `missed` values were skipped.
  static RecvResult lagged(std::uint64_t missed) noexcept { return RecvResult(RecvStatus::lagged, missed); }
  /// Nothing left, ever.
  static RecvResult closed() noexcept { return RecvResult(RecvStatus::closed, 0); }
  /// Nothing yet.
  static RecvResult empty() noexcept { return RecvResult(RecvStatus::empty, 0); }

  /// What the receive found.
  [[nodiscard]] RecvStatus status() const noexcept { return status_; }
  /// True when this holds a value.
  [[nodiscard]] bool ok() const noexcept { return status_ == RecvStatus::value; }
  /// Same as ok().
  explicit operator bool() const noexcept { return ok(); }
  /// True when values were overwritten before this receiver read them (see missed()).
  [[nodiscard]] bool is_lagged() const noexcept { return status_ == RecvStatus::lagged; }
  /// True when every sender is gone and everything was read.
  [[nodiscard]] bool is_closed() const noexcept { return status_ == RecvStatus::closed; }
  /// True when try_recv() found no value yet.
  [[nodiscard]] bool is_empty() const noexcept { return status_ == RecvStatus::empty; }
  /// The number of values this receiver skipped when lagged; 0 otherwise.
  [[nodiscard]] std::uint64_t missed() const noexcept { return missed_; }

  /// The value; throws RecvError (saying how many values were missed, if lagged) otherwise.
  T& value() & {
    throw_if_error();
    return *value_;
  }
  /// The value, moved out; throws RecvError otherwise.
  T&& value() && {
    throw_if_error();
    return std::move(*value_);
  }

 private:
  RecvResult(RecvStatus status, std::uint64_t missed) noexcept : status_(status), missed_(missed) {}
  RecvResult(RecvStatus status, std::uint64_t missed, T value)
      : status_(status), missed_(missed), value_(std::in_place, std::move(value)) {}

  void throw_if_error() const {
    if (status_ != RecvStatus::value) {
      throw RecvError(status_, missed_);
    }
  }

  RecvStatus status_;
  std::uint64_t missed_;
  std::optional<T> value_;
};

namespace detail {

/// A Recv future's place in the list of receivers waiting for a value.
struct RecvWaiter {
  RecvWaiter* prev = nullptr;
  RecvWaiter* next = nullptr;
  Waker waker;
  // Written under the channel's lock; a woken owner reads it without the lock to learn that the
  // send that unlinked it is done with it (stored last, release).
  std::atomic<bool> queued{false};
};

template <class T>
class Shared {
 public:
  explicit Shared(std::size_t capacity) : capacity_(capacity), slots_(std::make_unique<Slot<T>[]>(capacity)) {}

  const std::uint64_t capacity_;
  const std::unique_ptr<Slot<T>[]> slots_;

  // The senders' side: what a send touches, on a cache line of its own.
  alignas(64) wakeful::detail::Mutex send_mutex_;  // serialises sends; guards receivers_
  std::size_t receivers_ = 1;
  std::atomic<std::uint64_t> tail_{0};  // values sent so far; stored under send_mutex_

  // The waiting side, guarded by mutex_.
  alignas(64) wakeful::detail::Mutex mutex_;
  std::atomic<std::size_t> waiting_{0};  // waiters_.size(), for sends to read without mutex_
  std::atomic<std::size_t> senders_{1};  // decremented under mutex_
  wakeful::detail::IntrusiveList<RecvWaiter, &RecvWaiter::prev, &RecvWaiter::next> waiters_;

  /// The receive of the receiver whose next value is number `next`, without the channel's lock.
  /// `order` is seq_cst for the load of `tail` that follows a waiter's registration.
  RecvResult<T> take(std::uint64_t& next, std::memory_order order) {
    std::uint64_t tail = tail_.load(order);
    if (next == tail) {
      if (senders_.load(std::memory_order_acquire) != 0) {
        return RecvResult<T>::empty();
      }
      // No sender is left: every send happened before that load, so this tail is final.
      tail = tail_.load(std::memory_order_acquire);
      if (next == tail) {
        return RecvResult<T>::closed();
      }
    }
    if (tail - next > capacity_) {
      return lagged(next, tail);
    }
    RecvResult<T> result = RecvResult<T>::empty();
    const std::uint64_t held =
        slots_[next % capacity_].read(next, [&result](const T& value) { result = RecvResult<T>::of(value); });
    if (held == next) {
      ++next;
      return result;
    }
    assert(held != Slot<T>::none && held > next);  // value `next` was written before `tail` passed it
    // Overwritten since `tail` was loaded. The value that took the slot is numbered `held`; the
    // send of it may not have published its tail yet, but the receive can be placed after it.
    return lagged(next, std::max(tail_.load(std::memory_order_acquire), held + 1));
  }

  /// Moves `next` to the oldest value kept when the tail is `tail`, and says how far.
  RecvResult<T> lagged(std::uint64_t& next, std::uint64_t tail) const noexcept {
    const std::uint64_t first = tail - capacity_;
    const std::uint64_t missed = first - next;
    next = first;
    return RecvResult<T>::lagged(missed);
  }

  /// Links `waiter` into the list; mutex_ is held. The count is seq_cst: see the top of the file.
  void link(RecvWaiter& waiter) noexcept {
    waiters_.push_back(&waiter);
    waiter.queued.store(true, std::memory_order_relaxed);
    waiting_.fetch_add(1, std::memory_order_seq_cst);
  }

  /// Unlinks `waiter` if it is still linked; mutex_ is held.
  void unlink(RecvWaiter& waiter) noexcept {
    if (waiter.queued.load(std::memory_order_relaxed)) {
      waiters_.remove(&waiter);
      waiter.queued.store(false, std::memory_order_relaxed);
      waiting_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  /// Wakes every waiting receiver; `lock` (on mutex_) is held on entry and released on return.
  void wake_waiters(std::unique_lock<wakeful::detail::Mutex>& lock) {
    wakeful::detail::WakeList wakes;
    std::size_t taken = 0;
    while (RecvWaiter* waiter = waiters_.front()) {
      if (wakes.full()) {
        waiting_.fetch_sub(taken, std::memory_order_seq_cst);
        taken = 0;
        lock.unlock();
        wakes.wake_all();
        lock.lock();
        continue;
      }
      waiters_.pop_front();
      wakes.push(std::move(waiter->waker));
      ++taken;
      waiter->queued.store(false, std::memory_order_release);  // the last touch: see RecvWaiter
    }
    waiting_.fetch_sub(taken, std::memory_order_seq_cst);
    lock.unlock();
    wakes.wake_all();
  }
};

}  // namespace detail

/// Creates a channel that keeps the last `capacity` values (at least 1; throws
/// std::invalid_argument for 0), with one sender and one receiver.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
  if (capacity == 0) {
    throw std::invalid_argument("wakeful: broadcast::channel capacity must be at least 1");
  }
  auto shared = std::make_shared<detail::Shared<T>>(capacity);
  return {Sender<T>(shared), Receiver<T>(std::move(shared), 0)};
}

/// A sending half; copy it to add senders. The channel closes for the receivers when the last
/// sender is dropped (after they have read what is kept). Thread-safe.
template <class T>
class Sender {
 public:
  Sender(const Sender& other) : shared_(other.shared_) {
    if (shared_) {
      shared_->senders_.fetch_add(1, std::memory_order_relaxed);  // `other` keeps it above 0
    }
  }
  Sender(Sender&&) noexcept = default;
  Sender& operator=(Sender other) noexcept {
    std::swap(shared_, other.shared_);
    return *this;
  }
  ~Sender() { release(); }

  /// Sends `value` to every current receiver, overwriting the oldest value kept when the ring
  /// is full; never waits. Returns a delivered SendResult, or `value` back in a SendError when no
  /// receiver exists.
  SendResult<T> send(T value) {
    require_shared();
    detail::Shared<T>& shared = *shared_;
    {
      const std::lock_guard lock(shared.send_mutex_);
      if (shared.receivers_ == 0) {
        return SendError<T>(SendFailure::closed, std::move(value));
      }
      const std::uint64_t tail = shared.tail_.load(std::memory_order_relaxed);
      shared.slots_[tail % shared.capacity_].write(tail, std::move(value));
      shared.tail_.store(tail + 1, std::memory_order_seq_cst);  // then the waiter count: see the top
    }
    if (shared.waiting_.load(std::memory_order_seq_cst) != 0) {
      std::unique_lock lock(shared.mutex_);
      shared.wake_waiters(lock);
    }
    return {};
  }

  /// A new receiver, which will see the values sent from now on.
  Receiver<T> subscribe() const {
    require_shared();
    const std::lock_guard lock(shared_->send_mutex_);
    ++shared_->receivers_;
    return Receiver<T>(shared_, shared_->tail_.load(std::memory_order_relaxed));
  }

  /// The number of receivers.
  [[nodiscard]] std::size_t receiver_count() const {
    require_shared();
    const std::lock_guard lock(shared_->send_mutex_);
    return shared_->receivers_;
  }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::size_t);
  explicit Sender(std::shared_ptr<detail::Shared<T>> shared) noexcept : shared_(std::move(shared)) {}

  void require_shared() const {
    if (!shared_) {
      throw std::logic_error("wakeful: broadcast::Sender used after being moved from");
    }
  }

  void release() noexcept {
    if (!shared_) {
      return;
    }
    std::unique_lock lock(shared_->mutex_);
    if (shared_->senders_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      shared_->wake_waiters(lock);
    } else {
      lock.unlock();
    }
    shared_.reset();
  }

  std::shared_ptr<detail::Shared<T>> shared_;
};

/// A receiving half: sees every value sent after it was created, in order, unless it falls more
/// than `capacity` values behind. Move-only (Sender::subscribe or resubscribe make more).
/// One task uses a receiver at a time.
template <class T>
class Receiver {
 public:
  class Recv;

  Receiver(Receiver&& other) noexcept : shared_(std::move(other.shared_)), next_(other.next_) {}
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      release();
      shared_ = std::move(other.shared_);
      next_ = other.next_;
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { release(); }

  /// A future of the next value; see Recv.
  Recv recv() noexcept { return Recv(*this); }

  /// The next value if one is there: a value, lagged (with the count missed), closed or empty.
  RecvResult<T> try_recv() {
    require_shared();
    return shared_->take(next_, std::memory_order_acquire);
  }

  /// A new receiver on the same channel that will see the values sent from now on.
  Receiver resubscribe() const {
    require_shared();
    const std::lock_guard lock(shared_->send_mutex_);
    ++shared_->receivers_;
    return Receiver(shared_, shared_->tail_.load(std::memory_order_relaxed));
  }

  /// The future of Receiver::recv(): ready with the next value, with lagged (saying how many
  /// values were missed; the receive after it returns the oldest value kept), or with closed.
  /// Spends one unit of cooperative budget when it completes. The receiver must outlive it.
  ///
  /// Cancel safety: dropping it loses nothing; values stay in the channel for the next recv().
  /// Once polled while waiting it must not be moved (that aborts with a message, in every build).
  class [[nodiscard]] Recv {
   public:
    /// Waiting links it into a list, so combinators holding it must not move it once polled.
    static constexpr bool pinned_once_polled = true;
    /// Moving is allowed before the first poll only.
    Recv(Recv&& other) noexcept : receiver_(other.receiver_), waiting_(other.waiting_) {
      if (other.waiting_) {
        wakeful::detail::moved_after_first_poll("broadcast::Receiver::Recv");
      }
    }
    Recv& operator=(Recv&&) = delete;
    Recv(const Recv&) = delete;
    Recv& operator=(const Recv&) = delete;
    ~Recv() {
      if (waiting_) {
        Waker dropped;  // dropped after unlocking
        const std::lock_guard lock(receiver_->shared_->mutex_);
        receiver_->shared_->unlink(waiter_);
        dropped = std::move(waiter_.waker);
      }
    }

    /// Ready with the outcome of the receive (never RecvStatus::empty).
    Poll<RecvResult<T>> poll(Context& cx) {
      receiver_->require_shared();
      if (!coop::poll_proceed(cx)) {
        return Pending;
      }
      detail::Shared<T>& shared = *receiver_->shared_;
      RecvResult<T> result = shared.take(receiver_->next_, std::memory_order_acquire);
      if (result.is_empty()) {
        // Register, then look again: a send that published its value before the registration
        // was seen is found now; one after it finds the waiter (see the top of the file).
        const std::lock_guard lock(shared.mutex_);
        waiting_ = true;  // before the receive below, which may throw: the destructor unlinks
        if (!waiter_.waker.will_wake(cx.waker())) {
          waiter_.waker = cx.waker();
        }
        if (!waiter_.queued.load(std::memory_order_relaxed)) {
          shared.link(waiter_);
        }
        result = shared.take(receiver_->next_, std::memory_order_seq_cst);
        if (result.is_empty()) {
          coop::refund();
          return Pending;
        }
        shared.unlink(waiter_);
      } else if (waiting_ && waiter_.queued.load(std::memory_order_acquire)) {
        // Polled again before the send that would wake it: leave the list.
        const std::lock_guard lock(shared.mutex_);
        shared.unlink(waiter_);
      }
      waiting_ = false;
      return result;
    }

   private:
    friend class Receiver;
    explicit Recv(Receiver& receiver) noexcept : receiver_(&receiver) {}

    Receiver* receiver_;
    bool waiting_ = false;  // linked (or was): the owner's view
    detail::RecvWaiter waiter_;
  };

 private:
  friend class Sender<T>;
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::size_t);
  Receiver(std::shared_ptr<detail::Shared<T>> shared, std::uint64_t next) noexcept
      : shared_(std::move(shared)), next_(next) {}

  void require_shared() const {
    if (!shared_) {
      throw std::logic_error("wakeful: broadcast::Receiver used after being moved from");
    }
  }

  void release() noexcept {
    if (!shared_) {
      return;
    }
    {
      const std::lock_guard lock(shared_->send_mutex_);
      --shared_->receivers_;
    }
    shared_.reset();
  }

  std::shared_ptr<detail::Shared<T>> shared_;
  std::uint64_t next_;  // the number of the next value this receiver reads
};

}  // namespace wakeful::broadcast
