#pragma once
// Barrier: n tasks wait until all n have arrived (tokio::sync::Barrier).
//
// One lock guards the count of arrivals and the list of waiting Wait futures. The n-th arrival
// is the leader: it completes at once, resets the count for the next round and, still under
// the lock, marks every waiter released and takes its waker, waking them after unlocking. A
// waiter dropped before its round completes takes its arrival back, so a dropped wait (under a
// timeout, say) never lets a round open early or counts a party twice.

#include <cstddef>
#include <stdexcept>

#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/detail/pinned.hpp"
#include "wakeful/future.hpp"
#include "wakeful/waker.hpp"

namespace wakeful {

class Barrier;

/// What Barrier::wait() completes with: exactly one party of each round is the leader.
class BarrierWaitResult {
 public:
  /// True for the party whose arrival completed the round (the last to arrive).
  [[nodiscard]] bool is_leader() const noexcept { return leader_; }

 private:
  friend class Barrier;
  explicit BarrierWaitResult(bool leader) noexcept : leader_(leader) {}
  bool leader_;
};

/// A rendezvous for `n` parties, reusable round after round. Thread-safe; the barrier must
/// outlive its Wait futures.
class Barrier {
 public:
  class Wait;

  /// A barrier for `parties` tasks. A barrier of 0 parties behaves as one of 1 (every wait
  /// completes at once, as leader).
  explicit Barrier(std::size_t parties) noexcept : parties_(parties == 0 ? 1 : parties) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  /// No Wait future may outlive its barrier.
  ~Barrier();

  /// A future that arrives at the barrier when first polled and completes when the round does.
  Wait wait() noexcept;

  /// The number of parties of each round.
  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }

 private:
  struct Waiter {
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
    Waker waker;
    bool released = false;  // guarded by mutex_
  };

  bool poll_wait(Waiter& waiter, bool arrived, const Waker& waker);
  void cancel_wait(Waiter& waiter) noexcept;

  const std::size_t parties_;
  detail::Mutex mutex_;
  std::size_t arrived_ = 0;  // guarded by mutex_: arrivals of the current round
  detail::IntrusiveList<Waiter, &Waiter::prev, &Waiter::next> waiters_;  // guarded by mutex_
};

/// The future of Barrier::wait(): its first poll is the arrival; ready with a BarrierWaitResult
/// once `parties` tasks have arrived in this round.
///
/// Cancel safety: dropping it before its round completes takes its arrival back (the round then
/// needs another party); dropping it after the round completed changes nothing. Once it waits it
/// is linked into the barrier's list and must not be moved (that aborts with a message, in
/// every build).
class [[nodiscard]] Barrier::Wait {
 public:
  /// Waiting links it into a list, so combinators holding it must not move it once polled.
  static constexpr bool pinned_once_polled = true;
  /// Moving is allowed before the first poll only.
  Wait(Wait&& other) noexcept : barrier_(other.barrier_), stage_(other.stage_) {
    if (other.stage_ == Stage::waiting) {
      detail::moved_after_first_poll("Barrier::Wait");
    }
    other.stage_ = Stage::done;
  }
  Wait& operator=(Wait&&) = delete;
  Wait(const Wait&) = delete;
  Wait& operator=(const Wait&) = delete;
  ~Wait() {
    if (stage_ == Stage::waiting) {
      barrier_->cancel_wait(waiter_);
    }
  }

  /// Ready once the round is complete; throws std::logic_error when polled after completion.
  Poll<BarrierWaitResult> poll(Context& cx);

 private:
  friend class Barrier;
  enum class Stage : unsigned char { init, waiting, done };
  explicit Wait(Barrier& barrier) noexcept : barrier_(&barrier) {}

  Barrier* barrier_;
  Stage stage_ = Stage::init;
  Waiter waiter_;
};

inline Barrier::Wait Barrier::wait() noexcept { return Wait(*this); }

}  // namespace wakeful
