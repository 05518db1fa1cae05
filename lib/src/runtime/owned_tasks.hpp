#pragma once
// The tasks a worker owns, so that shutdown can find and drop every task that has not completed.
// Linked through TaskHeader; home thread only.

#include <cassert>
#include <cstddef>

#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/task_header.hpp"

namespace wakeful::detail {

class OwnedTasks {
 public:
  [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return list_.size(); }
  [[nodiscard]] TaskHeader* front() const noexcept { return list_.front(); }

  /// Adopts a task; it stays `bound` for the rest of its life.
  void push_back(TaskHeader* task) noexcept {
    assert(!task->bound);
    list_.push_back(task);
    task->bound = true;
  }

  void remove(TaskHeader* task) noexcept {
    assert(task->bound);
    list_.remove(task);
  }

 private:
  IntrusiveList<TaskHeader, &TaskHeader::owned_prev, &TaskHeader::owned_next> list_;
};

}  // namespace wakeful::detail
