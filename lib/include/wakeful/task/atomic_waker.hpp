#pragma once
// AtomicWaker: one waker slot that a future registers into and any thread wakes, without a lock
// (futures::task::AtomicWaker).
//
// States: WAITING (the slot is idle; a registered waker may be in it), REGISTERING (the owner is
// writing the slot), WAKING (a waker is taking the slot). Registering moves WAITING ->
// REGISTERING, writes, then REGISTERING -> WAITING; if a wake arrived meanwhile the state reads
// REGISTERING | WAKING, and the registering side takes the waker back and wakes it itself. A
// wake sets WAKING; if the state was WAITING it takes the waker and clears WAKING; otherwise the
// registering thread (or the wake already in progress) is responsible. Either way the latest
// registered waker is woken after every wake() that follows its registration. wake() leaves the
// waker in the slot (take() removes it).

#include <atomic>
#include <cstdint>
#include <utility>

#include "wakeful/waker.hpp"

namespace wakeful {

/// A waker slot for a single registering owner (the task polling a future) and any number of
/// concurrent wakers. Concurrent calls to register_waker are not supported.
class AtomicWaker {
 public:
  AtomicWaker() noexcept = default;
  AtomicWaker(const AtomicWaker&) = delete;
  AtomicWaker& operator=(const AtomicWaker&) = delete;
  ~AtomicWaker() = default;

  /// Stores `waker` (a clone, unless the stored one already wakes the same task) to be woken by
  /// the next wake(). If a wake is in progress right now, wakes `waker` at once instead.
  void register_waker(const Waker& waker) {
    std::uint32_t state = waiting;
    if (state_.compare_exchange_strong(state, registering, std::memory_order_acquire, std::memory_order_acquire)) {
      if (!waker_.will_wake(waker)) {
        waker_ = waker;
      }
      state = registering;
      if (!state_.compare_exchange_strong(state, waiting, std::memory_order_acq_rel, std::memory_order_acquire)) {
        // A wake came in while we were writing (the state is REGISTERING | WAKING): it left the
        // slot to us, so we wake what we just stored.
        Waker taken = std::move(waker_);
        state_.store(waiting, std::memory_order_release);
        std::move(taken).wake();
      }
    } else {
      // WAKING: a wake is taking the old waker now and may miss this one; wake it ourselves.
      waker.wake_by_ref();
    }
  }

  /// Wakes the registered waker, if any, and leaves it in the slot, so that the owner's next
  /// registration of the same waker costs no clone. (While it runs, a registration finds WAKING
  /// and wakes its own waker: nothing is missed.)
  void wake() {
    if (state_.fetch_or(waking, std::memory_order_acq_rel) == waiting) {
      waker_.wake_by_ref();
      state_.fetch_and(~waking, std::memory_order_release);
    }
  }

  /// Takes the registered waker out of the slot (the no-op waker if there is none, or if a
  /// registration or another wake is in progress: that side wakes it).
  Waker take() {
    if (state_.fetch_or(waking, std::memory_order_acq_rel) == waiting) {
      Waker waker = std::move(waker_);
      state_.fetch_and(~waking, std::memory_order_release);
      return waker;
    }
    return {};
  }

 private:
  static constexpr std::uint32_t waiting = 0;
  static constexpr std::uint32_t registering = 1;
  static constexpr std::uint32_t waking = 2;

  std::atomic<std::uint32_t> state_{waiting};
  Waker waker_;
};

}  // namespace wakeful
