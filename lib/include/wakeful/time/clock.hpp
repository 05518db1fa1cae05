#pragma once
// The runtime's clock: time::now(), and the paused test clock (pause, advance, resume).

#include <chrono>

namespace wakeful::time {

/// The clock of every wakeful timer: its time points are steady_clock's (CLOCK_MONOTONIC). A
/// runtime reads it through time::now(), which a paused runtime holds still; use time::now(),
/// not Clock::now(), for deadlines that should follow a paused clock.
using Clock = std::chrono::steady_clock;

/// The time of the calling worker's runtime: Clock::now(), or the paused clock's reading while
/// time is paused (see pause()). Outside a runtime worker (a blocking-pool thread included),
/// Clock::now(). Any thread.
[[nodiscard]] Clock::time_point now() noexcept;

/// Freezes the clock of the calling worker's runtime, for tests (tokio's `time::pause`). Every
/// Sleep, Interval and timeout of that runtime then follows it. The reading is rounded up to the
/// next whole millisecond since the runtime started (the timer wheel's tick), so that a sleep of
/// whole milliseconds ends on a tick.
///
/// Auto-advance: while paused, when the worker has no task to run, its reactor has no ready
/// event and no spawn_blocking job of the runtime is in flight, the clock jumps to the next
/// timer's deadline instead of the worker waiting for it: a one-hour sleep completes at once,
/// with the clock advanced by exactly one hour. A wake from another thread that the runtime
/// cannot see coming (a channel fed by a thread of your own) does not stop the jump.
///
/// Throws std::logic_error outside a runtime worker, on a runtime of more than one worker (the
/// clock belongs to the whole runtime, and its workers' timers would race it), or when time is
/// already paused.
void pause();

/// Moves the paused clock forward by `duration` (non-negative). Timers due by then fire when the
/// worker next looks at its timers, which is after the running task's poll returns (await
/// yield_now() to let them). Throws std::logic_error outside a runtime worker or when time is
/// not paused, std::invalid_argument for a negative duration.
void advance(Clock::duration duration);

/// Lets the clock run again, from its paused reading (it never goes backwards). Throws
/// std::logic_error outside a runtime worker or when time is not paused.
void resume();

/// True when the calling worker's runtime has its clock paused; false outside a runtime.
[[nodiscard]] bool is_paused() noexcept;

}  // namespace wakeful::time
