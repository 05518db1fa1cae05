#pragma once
// spawn: run a future as an independent task on the current worker.

#include <functional>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wakeful/async.hpp"
#include "wakeful/detail/task_cell.hpp"
#include "wakeful/future.hpp"
#include "wakeful/task/join_handle.hpp"

namespace wakeful {

/// A callable (not itself a future) whose call with `Args` makes a future that can be spawned.
template <class Fn, class... Args>
concept SpawnableCall = !Future<std::remove_cvref_t<Fn>> && std::invocable<Fn, Args...> &&
                        SpawnableFuture<std::invoke_result_t<Fn, Args...>>;

namespace detail {
template <Future F>
JoinHandle<output_of<F>> spawn_at(WorkerShared* home, F&& future) {
  auto* cell = new TaskCell<std::decay_t<F>>(std::forward<F>(future));
  submit_task(cell, home);
  return JoinHandle<output_of<F>>(cell);
}

/// spawn_at of `fn(args...)`: a coroutine made by this call gets its task in the room in front
/// of its frame (detail/task_room.hpp), so the frame is the task's one allocation.
template <class Fn, class... Args>
auto spawn_call_at(WorkerShared* home, Fn&& fn, Args&&... args) {
  using F = std::invoke_result_t<Fn, Args...>;
  if constexpr (is_async_v<F>) {
    using Cell = TaskCell<F>;
    static_assert(std::is_nothrow_constructible_v<Cell, InTaskRoom, F&&>, "the adopted block must not leak");
    RoomRequestScope request(task_room_prefix<output_of<F>>);
    F future = std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...);
    if (void* room = adopt_task_room(future, request.granted())) {
      Cell* cell = new (room) Cell(in_task_room, std::move(future));
      submit_task(cell, home);
      return JoinHandle<output_of<F>>(cell);
    }
    return spawn_at(home, std::move(future));  // no room: another frame took it, or none fits
  } else {
    return spawn_at(home, std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...));
  }
}
}  // namespace detail

/// Spawns `future` as a task on the calling worker and returns its JoinHandle. The task stays
/// on that worker for its whole life (use Runtime::spawn_on to choose another). Costs one
/// allocation, the task (for a coroutine made before, `spawn(f(x))`, that comes on top of its
/// frame: spawn(f, x) makes it with room for its task). Throws std::logic_error when the calling
/// thread is not a runtime worker.
template <SpawnableFuture F>
JoinHandle<output_of<F>> spawn(F&& future) {
  detail::WorkerShared* home = detail::current_home();
  if (home == nullptr) {
    throw std::logic_error("wakeful::spawn called outside a runtime worker (use Runtime::spawn)");
  }
  return detail::spawn_at(home, std::forward<F>(future));
}

/// Spawns the future `fn(args...)`, called at once, as spawn(future) does. When that is a
/// coroutine (an Async), its frame is made with room in front for its task, so spawning it costs
/// one allocation in all, the frame. `fn` is not kept: a coroutine lambda must take what it needs
/// as parameters, not captures. Throws std::logic_error when the calling thread is not a runtime
/// worker; rethrows what `fn` throws.
template <class Fn, class... Args>
requires SpawnableCall<Fn, Args...>
auto spawn(Fn&& fn, Args&&... args) {
  detail::WorkerShared* home = detail::current_home();
  if (home == nullptr) {
    throw std::logic_error("wakeful::spawn called outside a runtime worker (use Runtime::spawn)");
  }
  return detail::spawn_call_at(home, std::forward<Fn>(fn), std::forward<Args>(args)...);
}

}  // namespace wakeful
