#pragma once
// JoinHandle<T>: the output of a spawned task, as a future.

#include <stdexcept>
#include <utility>

#include "wakeful/coop.hpp"
#include "wakeful/detail/task_cell.hpp"
#include "wakeful/poll.hpp"

namespace wakeful {

class Runtime;

/// Thrown by awaiting the JoinHandle of a task that was aborted (or dropped by a runtime
/// shutdown) before it completed.
class TaskCancelled : public std::runtime_error {
 public:
  TaskCancelled() : std::runtime_error("wakeful: the task was cancelled before it completed") {}
};

/// Owns the right to a spawned task's output. A JoinHandle is a Future: it completes with the
/// task's value, rethrows the exception the task threw, or throws TaskCancelled if the task
/// was aborted. Dropping the handle detaches the task: it keeps running, its output is dropped.
template <class T>
class [[nodiscard]] JoinHandle {
 public:
  /// An empty handle, joined to no task.
  JoinHandle() noexcept = default;

  /// Adopts the JoinHandle reference of a freshly spawned task (used by spawn).
  explicit JoinHandle(detail::TaskCore<T>* task) noexcept : task_(task) {}

  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  /// Takes `other`'s task; `other` is left empty.
  JoinHandle(JoinHandle&& other) noexcept : task_(std::exchange(other.task_, nullptr)) {}
  /// Detaches the task held (it keeps running) and takes `other`'s.
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      detach();
      task_ = std::exchange(other.task_, nullptr);
    }
    return *this;
  }
  ~JoinHandle() { detach(); }

  /// Ready with the task's output once it has completed (spends one unit of cooperative budget).
  /// Throws what the task threw, TaskCancelled if it was aborted, std::logic_error if the
  /// handle is empty or its output was already taken.
  Poll<T> poll(Context& cx) {
    if (task_ == nullptr) {
      throw std::logic_error("wakeful: JoinHandle polled while empty or after it completed");
    }
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    if (!detail::join_poll_complete(task_, cx.waker())) {
      coop::refund();
      return Pending;
    }
    // Moved out and reset in place: std::exchange with a temporary variant makes g++ 12 -O3 warn
    // (-Wmaybe-uninitialized, a false positive) in the user's code that awaits the handle.
    detail::TaskOutput<T> output = std::move(task_->output);
    task_->output.template emplace<0>();
    detach();
    switch (output.index()) {
      case detail::output_index::value:
        if constexpr (std::is_void_v<T>) {
          return Ready;
        } else {
          return Poll<T>(std::in_place, std::move(std::get<detail::output_index::value>(output)));
        }
      case detail::output_index::error:
        std::rethrow_exception(std::get<detail::output_index::error>(output));
      case detail::output_index::cancelled:
        throw TaskCancelled();
      default:
        throw std::logic_error("wakeful: JoinHandle found no output in a completed task");
    }
  }

  /// Asks the task to stop: its future is dropped on its worker at the next opportunity, and
  /// the handle then completes with TaskCancelled. No effect on a task that already finished.
  void abort() const noexcept {
    if (task_ != nullptr) {
      detail::task_abort(task_);
    }
  }

  /// True once the task has completed (with a value, an exception or cancellation).
  [[nodiscard]] bool is_finished() const noexcept { return task_ == nullptr || detail::task_is_complete(task_); }

  /// True while the handle is joined to a task whose output has not been taken.
  explicit operator bool() const noexcept { return task_ != nullptr; }

  /// Lets the task run on unobserved; the handle becomes empty.
  void detach() noexcept {
    if (task_ != nullptr) {
      detail::join_handle_drop(std::exchange(task_, nullptr));
    }
  }

 private:
  friend class Runtime;  // drives a current-thread runtime until the task completes
  detail::TaskCore<T>* task_ = nullptr;
};

}  // namespace wakeful
