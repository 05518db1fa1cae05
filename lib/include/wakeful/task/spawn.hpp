#pragma once
// spawn: run a future as an independent task on the current worker.

#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wakeful/async.hpp"
#include "wakeful/detail/task_cell.hpp"
#include "wakeful/future.hpp"
#include "wakeful/task/join_handle.hpp"

namespace wakeful {

namespace detail {
/// Spawns `future` on `home`; `may_move` lets an idle worker take it before its first poll.
template <Future F>
JoinHandle<output_of<F>> spawn_at(WorkerShared* home, F&& future, bool may_move) {
  using Cell = TaskCell<std::decay_t<F>>;
  Cell* cell = nullptr;
  if constexpr (is_async_v<std::decay_t<F>>) {
    // A coroutine's task goes in the room in front of its frame: one allocation in all.
    static_assert(std::is_nothrow_constructible_v<Cell, InTaskRoom, F&&>, "the adopted block must not leak");
    if (void* room = adopt_task_room(future)) {
      cell = new (room) Cell(in_task_room, std::forward<F>(future));
    }
  }
  if (cell == nullptr) {
    cell = new Cell(std::forward<F>(future));
  }
  submit_task(cell, home, may_move);
  return JoinHandle<output_of<F>>(cell);
}
}  // namespace detail

/// Spawns `future` as a task on the calling worker and returns its JoinHandle. Until its first
/// poll an idle worker of the runtime may take it (see Runtime); from then on it stays on the
/// worker that polled it for its whole life (use spawn_on to choose the worker and keep it there). Costs one
/// allocation (none for an Async coroutine, whose frame has room for its task). Throws std::logic_error when the
/// calling thread is not a runtime worker.
template <SpawnableFuture F>
JoinHandle<output_of<F>> spawn(F&& future) {
  detail::WorkerShared* home = detail::current_home();
  if (home == nullptr) {
    throw std::logic_error("wakeful::spawn called outside a runtime worker (use Runtime::spawn)");
  }
  return detail::spawn_at(home, std::forward<F>(future), true);
}

}  // namespace wakeful
