#pragma once
// The reference's hand-written yield (workload 5's self_wake_by_ref, and the yield inside
// workload 8's critical section): wake by reference, Pending once.

#include "wakeful/future.hpp"

namespace wakeful::micro {

class SelfWakeYield {
 public:
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

}  // namespace wakeful::micro
