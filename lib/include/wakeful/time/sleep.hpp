#pragma once
// Sleep, sleep_for, sleep_until: timers on the worker's timer wheel.

#include <chrono>

#include "wakeful/context.hpp"
#include "wakeful/detail/timer_entry.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::time {

/// The clock of every wakeful timer (CLOCK_MONOTONIC).
using Clock = std::chrono::steady_clock;

/// A future that completes at its deadline. Its first pending poll registers it in the timer
/// wheel of the worker running it (1 ms ticks: it completes within about a millisecond after
/// the deadline); dropping it unregisters it. Registration costs no allocation and no system
/// call. Each poll spends one unit of cooperative budget.
class [[nodiscard]] Sleep {
 public:
  /// A sleep until `deadline`.
  explicit Sleep(Clock::time_point deadline) noexcept : deadline_(deadline) {}

  /// Moves the sleep, registration included.
  Sleep(Sleep&& other) noexcept;
  /// Cancels the sleep held and takes `other`'s, registration included.
  Sleep& operator=(Sleep&& other) noexcept;
  Sleep(const Sleep&) = delete;
  Sleep& operator=(const Sleep&) = delete;
  /// Unregisters the sleep.
  ~Sleep();

  /// Ready once the deadline has passed. Throws std::logic_error when it would have to register
  /// outside a runtime worker.
  Poll<void> poll(Context& cx);

  /// As poll, without spending budget: for combinators such as timeout, whose deadline must fire
  /// even when the task has spent its budget on the inner future.
  Poll<void> poll_unbudgeted(Context& cx);

  /// The deadline.
  [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }

  /// Moves the deadline (unregistering the sleep until its next poll).
  void reset(Clock::time_point deadline) noexcept;

  /// True once the deadline has passed.
  [[nodiscard]] bool is_elapsed() const noexcept { return Clock::now() >= deadline_; }

 private:
  void unregister() noexcept;

  Clock::time_point deadline_;
  detail::TimerEntry entry_;
};

/// A sleep of `duration` from now.
inline Sleep sleep_for(Clock::duration duration) noexcept { return Sleep(Clock::now() + duration); }

/// A sleep until `deadline`.
inline Sleep sleep_until(Clock::time_point deadline) noexcept { return Sleep(deadline); }

}  // namespace wakeful::time
