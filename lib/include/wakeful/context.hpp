#pragma once
// Context: what a future receives when it is polled (Rust's std::task::Context).

#include "wakeful/waker.hpp"

namespace wakeful {

/// Carries the waker of the task being polled. A future that returns Pending must arrange for
/// the waker of the latest Context it was polled with to be woken when it can make progress.
///
/// The cooperative budget (see coop.hpp) travels beside the Context, per thread, so that
/// nested contexts (a join-set polling its children with their own wakers) share the task's
/// budget.
class Context {
 public:
  /// A context that hands out `waker`; `waker` must outlive the context.
  explicit Context(const Waker& waker) noexcept : waker_(&waker) {}

  /// The waker of the task being polled.
  [[nodiscard]] const Waker& waker() const noexcept { return *waker_; }

 private:
  const Waker* waker_;
};

}  // namespace wakeful
