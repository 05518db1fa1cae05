#pragma once
// RuntimeClock: the time a runtime's timers follow; steady_clock, or frozen while paused.
//
// Readings are steady_clock time points shifted by `offset_`, which is zero until the clock is
// first resumed after a pause: resuming continues from the paused reading instead of jumping back
// to the real time, so the clock never goes backwards. While paused, now() is `frozen_`, moved
// only by advance() and by the worker's auto-advance (see Worker::park).
//
// Written by the runtime's one worker thread (pause is refused on runtimes of more than one
// worker); read by it and, through time::now(), by anyone. The fields are atomics so that a read
// from elsewhere is never a data race.

#include <atomic>
#include <chrono>

namespace wakeful::detail {

class RuntimeClock {
 public:
  using Clock = std::chrono::steady_clock;

  RuntimeClock() noexcept : origin_(Clock::now()) {}

  /// The time of the runtime.
  [[nodiscard]] Clock::time_point now() const noexcept {
    if (paused_.load(std::memory_order_acquire)) {
      return Clock::time_point(Clock::duration(frozen_.load(std::memory_order_relaxed)));
    }
    return Clock::now() + Clock::duration(offset_.load(std::memory_order_relaxed));
  }

  /// When the runtime started; the timer wheels count their ticks from here.
  [[nodiscard]] Clock::time_point origin() const noexcept { return origin_; }

  [[nodiscard]] bool paused() const noexcept { return paused_.load(std::memory_order_relaxed); }

  /// Freezes the clock, rounded up to a whole millisecond since origin() (the timer wheel's
  /// tick), so that a sleep of whole milliseconds from a paused instant ends on a tick and
  /// auto-advance lands on its deadline exactly.
  void pause() noexcept {
    const Clock::duration since = now() - origin_;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(since);
    frozen_.store((origin_ + ms).time_since_epoch().count(), std::memory_order_relaxed);
    paused_.store(true, std::memory_order_release);
  }

  /// Moves the frozen clock forward by `by`.
  void advance(Clock::duration by) noexcept {
    frozen_.store(frozen_.load(std::memory_order_relaxed) + by.count(), std::memory_order_release);
  }

  /// Moves the frozen clock forward to `to`; no effect if it is there already.
  void advance_to(Clock::time_point to) noexcept {
    const Clock::rep target = to.time_since_epoch().count();
    if (target > frozen_.load(std::memory_order_relaxed)) {
      frozen_.store(target, std::memory_order_release);
    }
  }

  /// Lets the clock run again from its paused reading.
  void resume() noexcept {
    const Clock::rep frozen = frozen_.load(std::memory_order_relaxed);
    offset_.store(frozen - Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    paused_.store(false, std::memory_order_release);
  }

  /// The steady_clock instant at which the running clock reads `t` (for Asio timers).
  [[nodiscard]] Clock::time_point to_steady(Clock::time_point t) const noexcept {
    return t - Clock::duration(offset_.load(std::memory_order_relaxed));
  }

 private:
  const Clock::time_point origin_;
  std::atomic<bool> paused_{false};
  std::atomic<Clock::rep> frozen_{0};  // steady_clock ticks since its epoch
  std::atomic<Clock::rep> offset_{0};  // runtime time minus steady time, once resumed
};

}  // namespace wakeful::detail
