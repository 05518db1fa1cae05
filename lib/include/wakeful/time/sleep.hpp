#pragma once
// Sleep, sleep_for, sleep_until: timers on the worker's asio::steady_timer.

#include <chrono>
#include <optional>

#include <asio/basic_waitable_timer.hpp>
#include <asio/io_context.hpp>

#include "wakeful/context.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::time {

/// The clock of every wakeful timer (CLOCK_MONOTONIC).
using Clock = std::chrono::steady_clock;

/// A future that completes at its deadline. The Asio timer behind it is created on the worker
/// that first polls it (where it must stay) and armed with that poll's waker; dropping the Sleep
/// cancels the timer and frees it. Each poll spends one unit of cooperative budget.
class [[nodiscard]] Sleep {
 public:
  /// A sleep until `deadline`.
  explicit Sleep(Clock::time_point deadline) noexcept : deadline_(deadline) {}

  /// Ready once the deadline has passed. Throws std::logic_error when first polled outside a
  /// runtime worker (timers live on a worker's io_context).
  Poll<void> poll(Context& cx);

  /// As poll, without spending budget: for combinators such as timeout, whose deadline must fire
  /// even when the task has spent its budget on the inner future.
  Poll<void> poll_unbudgeted(Context& cx);

  /// The deadline.
  [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }

  /// Moves the deadline; the timer is re-armed at the next poll.
  void reset(Clock::time_point deadline);

  /// True once the deadline has passed.
  [[nodiscard]] bool is_elapsed() const noexcept { return Clock::now() >= deadline_; }

 private:
  using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, asio::io_context::executor_type>;

  void arm(const Waker& waker);

  Clock::time_point deadline_;
  std::optional<Timer> timer_;
  RawWaker armed_with_{nullptr, nullptr};  // compared only: which waker the pending wait holds
};

/// A sleep of `duration` from now.
inline Sleep sleep_for(Clock::duration duration) noexcept { return Sleep(Clock::now() + duration); }

/// A sleep until `deadline`.
inline Sleep sleep_until(Clock::time_point deadline) noexcept { return Sleep(deadline); }

}  // namespace wakeful::time
