#pragma once
// A worker's local run queue, touched by its own thread only.

#include "wakeful/detail/ring.hpp"
#include "wakeful/detail/task_header.hpp"

namespace wakeful::detail {

class RunQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return ring_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return ring_.size(); }
  void push(TaskHeader* task) { ring_.push_back(task); }
  /// The oldest task, or nullptr when empty.
  TaskHeader* pop() noexcept { return ring_.empty() ? nullptr : ring_.pop_front(); }
  /// The task pop() would return, left queued; nullptr when empty.
  [[nodiscard]] TaskHeader* peek() const noexcept { return ring_.empty() ? nullptr : ring_.front(); }

 private:
  Ring<TaskHeader*> ring_;
};

}  // namespace wakeful::detail
