#pragma once
// Cooperative scheduling budget, after tokio's `coop`.
//
// A task that always finds its I/O or channel ready would never return Pending and would
// starve every other task on its worker. So each poll of a task gets a budget of operations;
// every wakeful operation that makes progress spends one unit, and once the budget is spent
// operations return Pending after waking the task, which puts it at the back of the run
// queue. Outside a task (block_on, a hand-driven poll) the budget is unconstrained.

#include <cstdint>
#include <utility>

#include "wakeful/context.hpp"

namespace wakeful::coop {

/// Operations a task may complete in one poll before it must yield (tokio uses the same).
inline constexpr int initial_budget = 128;

namespace detail {
/// Units left in the current poll; negative means unconstrained.
inline constinit thread_local int budget = -1;
}  // namespace detail

/// Spends one unit of the current task's budget. Returns false when the budget is spent; the
/// task has then been woken and the caller must return Pending.
[[nodiscard]] inline bool poll_proceed(Context& cx) {
  int& left = detail::budget;
  if (left < 0) {
    return true;
  }
  if (left == 0) {
    cx.waker().wake_by_ref();
    return false;
  }
  --left;
  return true;
}

/// Gives back the unit spent by `poll_proceed` when the operation returned Pending after all:
/// only operations that make progress consume budget.
inline void refund() noexcept {
  if (detail::budget >= 0) {
    ++detail::budget;
  }
}

/// True when the current poll may still perform an operation.
[[nodiscard]] inline bool has_budget_remaining() noexcept { return detail::budget != 0; }

/// Gives the current thread a fresh budget for the lifetime of the scope (executors wrap each
/// task poll in one); restores the previous budget afterwards.
class BudgetScope {
 public:
  /// Starts a scope with `units` of budget; a negative value means unconstrained.
  explicit BudgetScope(int units = initial_budget) noexcept : saved_(std::exchange(detail::budget, units)) {}
  BudgetScope(const BudgetScope&) = delete;
  BudgetScope& operator=(const BudgetScope&) = delete;
  ~BudgetScope() { detail::budget = saved_; }

 private:
  int saved_;
};

}  // namespace wakeful::coop
