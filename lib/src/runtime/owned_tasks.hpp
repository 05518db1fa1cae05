#pragma once
// The tasks a worker owns: an intrusive doubly linked list through TaskHeader, so that shutdown
// can find and drop every task that has not completed. Home thread only.

#include <cassert>
#include <cstddef>

#include "wakeful/detail/task_header.hpp"

namespace wakeful::detail {

class OwnedTasks {
 public:
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] TaskHeader* front() const noexcept { return head_; }

  void push_back(TaskHeader* task) noexcept {
    assert(!task->bound);
    task->owned_prev = tail_;
    task->owned_next = nullptr;
    if (tail_ != nullptr) {
      tail_->owned_next = task;
    } else {
      head_ = task;
    }
    tail_ = task;
    task->bound = true;
    ++size_;
  }

  void remove(TaskHeader* task) noexcept {
    assert(task->bound);
    (task->owned_prev != nullptr ? task->owned_prev->owned_next : head_) = task->owned_next;
    (task->owned_next != nullptr ? task->owned_next->owned_prev : tail_) = task->owned_prev;
    task->owned_prev = task->owned_next = nullptr;
    --size_;
  }

 private:
  TaskHeader* head_ = nullptr;
  TaskHeader* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace wakeful::detail
