#pragma once
// TaskCell<F>: the single heap allocation behind a spawned task (see task_header.hpp).

#include <exception>
#include <memory>
#include <type_traits>
#include <variant>

#include "wakeful/context.hpp"
#include "wakeful/detail/task_header.hpp"
#include "wakeful/detail/task_room.hpp"
#include "wakeful/future.hpp"

namespace wakeful::detail {

/// The output slot as the JoinHandle sees it: nothing yet (or taken), the value, the exception
/// the future threw, or cancelled.
template <class T>
using TaskOutput = std::variant<std::monostate, value_or_monostate<T>, std::exception_ptr, std::monostate>;

namespace output_index {
inline constexpr std::size_t empty = 0;
inline constexpr std::size_t value = 1;
inline constexpr std::size_t error = 2;
inline constexpr std::size_t cancelled = 3;
}  // namespace output_index

/// Selects the TaskCell constructor that builds the cell in a coroutine frame's task room.
struct InTaskRoom {
  explicit InTaskRoom() = default;
};
inline constexpr InTaskRoom in_task_room{};

/// Header plus output: everything a JoinHandle<T> needs, whatever the future's type.
template <class T>
struct TaskCore : TaskHeader {
  explicit TaskCore(const TaskVTable* vt) noexcept : TaskHeader(vt) {}
  TaskOutput<T> output;
};

/// A task running future `F`. The future lives in a union so that it can be destroyed the
/// moment it completes, long before the allocation is freed. A cell is allocated with `new`, or
/// built in the task room in front of the coroutine frame it runs (task_room.hpp).
template <Future F>
class TaskCell final : public TaskCore<output_of<F>> {
  using T = output_of<F>;
  using Core = TaskCore<T>;

 public:
  template <class G>
  requires std::constructible_from<F, G&&>
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): TaskCell is neither copied nor moved
  explicit TaskCell(G&& future) noexcept(std::is_nothrow_constructible_v<F, G&&>)
      : Core(&vtable), future_(std::forward<G>(future)) {}
  /// A cell in the task room of `future`'s frame, which the caller has adopted.
  TaskCell(InTaskRoom /*unused*/, F&& future) noexcept(std::is_nothrow_move_constructible_v<F>)
      : Core(&room_vtable), future_(std::move(future)) {}
  TaskCell(const TaskCell&) = delete;
  TaskCell& operator=(const TaskCell&) = delete;
  ~TaskCell() {}  // NOLINT(modernize-use-equals-default): future_ is destroyed at completion

 private:
  static TaskCell* self(TaskHeader* task) noexcept { return static_cast<TaskCell*>(task); }

  static bool poll(TaskHeader* task) noexcept {
    TaskCell* cell = self(task);
    BorrowedWaker waker(RawWaker{task, &task_waker_vtable});
    Context cx(waker.get());
    try {
      Poll<T> result = cell->future_.poll(cx);
      if (result.is_pending()) {
        return false;
      }
      if constexpr (std::is_void_v<T>) {
        cell->output.template emplace<output_index::value>();
      } else {
        cell->output.template emplace<output_index::value>(std::move(result).value());
      }
    } catch (...) {
      cell->output.template emplace<output_index::error>(std::current_exception());
    }
    std::destroy_at(&cell->future_);
    return true;
  }

  static void cancel(TaskHeader* task) noexcept {
    TaskCell* cell = self(task);
    std::destroy_at(&cell->future_);
    cell->output.template emplace<output_index::cancelled>();
  }

  static void drop_output(TaskHeader* task) noexcept { self(task)->output.template emplace<output_index::empty>(); }

  static void deallocate(TaskHeader* task) noexcept { delete self(task); }

  static void deallocate_room(TaskHeader* task) noexcept {
    TaskCell* cell = self(task);
    cell->~TaskCell();
    TaskRoom<TaskCell>::release(cell);
  }

  static constexpr TaskVTable vtable{&poll, &cancel, &drop_output, &deallocate};
  static constexpr TaskVTable room_vtable{&poll, &cancel, &drop_output, &deallocate_room};

  union {
    F future_;
  };
};

}  // namespace wakeful::detail
