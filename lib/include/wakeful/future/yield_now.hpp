#pragma once
// yield_now: give the other tasks of this worker a turn.

#include "wakeful/future.hpp"

namespace wakeful {

/// Pending once (after waking its own task, which goes to the back of the run queue), then
/// ready.
class [[nodiscard]] YieldNow {
 public:
  /// Pending at the first poll, ready at the second.
  Poll<void> poll(Context& cx) {
    if (yielded_) {
      return Ready;
    }
    yielded_ = true;
    cx.waker().wake_by_ref();
    return Pending;
  }

 private:
  bool yielded_ = false;
};

/// Lets every other ready task of the worker run before this one continues.
inline YieldNow yield_now() noexcept { return {}; }

}  // namespace wakeful
