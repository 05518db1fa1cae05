#pragma once
// Interval: ticks at a fixed period.

#include "wakeful/time/sleep.hpp"

namespace wakeful::time {

/// Yields ticks at `start`, `start + period`, `start + 2 * period`, ... A tick that is late
/// (the task was busy) is delivered at once, and so are the ones missed after it, until the
/// schedule is caught up (tokio's default, "burst"). The schedule never drifts. It follows the
/// runtime's clock, paused or not.
class Interval {
 public:
  /// The future of the next tick; borrows the Interval.
  class Tick {
   public:
    /// The scheduled time of the tick, once it is due.
    Poll<Clock::time_point> poll(Context& cx) { return interval_->poll_tick(cx); }

   private:
    friend class Interval;
    explicit Tick(Interval& interval) noexcept : interval_(&interval) {}
    Interval* interval_;
  };

  /// Ticks every `period` (which must be positive), the first at `start` (by default now, on
  /// the runtime's clock). Throws std::invalid_argument for a period that is not positive.
  explicit Interval(Clock::duration period, Clock::time_point start = now());

  /// Waits for the next tick.
  Tick tick() noexcept { return Tick(*this); }

  /// The poll behind tick().
  Poll<Clock::time_point> poll_tick(Context& cx);

  /// The period.
  [[nodiscard]] Clock::duration period() const noexcept { return period_; }

 private:
  Clock::duration period_;
  Sleep next_;
};

}  // namespace wakeful::time
