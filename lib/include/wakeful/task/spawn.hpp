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
/// Spawns `future` on `home`; `may_move` lets an idle worker take it before its first poll.
template <Future F>
JoinHandle<output_of<F>> spawn_at(WorkerShared* home, F&& future, bool may_move) {
  auto* cell = new TaskCell<std::decay_t<F>>(std::forward<F>(future));
  submit_task(cell, home, may_move);
  return JoinHandle<output_of<F>>(cell);
}

/// The coroutine that spawn(fn, args...) runs when `fn` carries state (a lambda with captures, a
/// function object): `fn` and `args` live in its frame, so a coroutine lambda's captures outlive
/// the spawn call, and `fn` is called at the task's first poll.
template <class R, class Fn, class... Args>
Async<R> call_keeping(Fn fn, Args... args) {
  if constexpr (std::is_void_v<R>) {
    co_await std::invoke(fn, std::move(args)...);
  } else {
    co_return co_await std::invoke(fn, std::move(args)...);
  }
}

/// spawn_at of `fn(args...)`: a coroutine made by this call gets its task in the room in front
/// of its frame (detail/task_room.hpp), so the frame is the task's one allocation.
template <class Fn, class... Args>
auto spawn_call_at(WorkerShared* home, bool may_move, Fn&& fn, Args&&... args) {
  using F = std::invoke_result_t<Fn, Args...>;
  using Callable = std::remove_cvref_t<Fn>;
  if constexpr (is_async_v<F> && std::is_class_v<Callable> && !std::is_empty_v<Callable>) {
    // A coroutine lambda's captures live in the lambda object, not in its frame: kept in the
    // frame of call_keeping, they live as long as the task (one allocation more).
    return spawn_call_at(home, may_move, &call_keeping<output_of<F>, Callable, std::decay_t<Args>...>,
                         std::forward<Fn>(fn), std::forward<Args>(args)...);
  } else if constexpr (is_async_v<F>) {
    using Cell = TaskCell<F>;
    static_assert(std::is_nothrow_constructible_v<Cell, InTaskRoom, F&&>, "the adopted block must not leak");
    RoomRequestScope request(task_room_prefix<output_of<F>>);
    F future = std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...);
    if (void* room = adopt_task_room(future, request.granted())) {
      Cell* cell = new (room) Cell(in_task_room, std::move(future));
      submit_task(cell, home, may_move);
      return JoinHandle<output_of<F>>(cell);
    }
    return spawn_at(home, std::move(future), may_move);  // no room: another frame took it, or none fits
  } else {
    return spawn_at(home, std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...), may_move);
  }
}
}  // namespace detail

/// Spawns `future` as a task on the calling worker and returns its JoinHandle. Until its first
/// poll an idle worker of the runtime may take it (see Runtime); from then on it stays on the
/// worker that polled it for its whole life (use spawn_on to choose the worker and keep it
/// there). Costs one allocation, the task (for a coroutine made before, `spawn(f(x))`, that comes
/// on top of its frame: spawn(f, x) makes it with room for its task). Throws std::logic_error
/// when the calling thread is not a runtime worker.
///
/// A coroutine must not refer to what it does not own: `spawn([x]() -> Async<R> {...}())` makes
/// a task whose captures died with the temporary lambda. Pass the lambda itself instead,
/// `spawn([x]() -> Async<R> {...})`: spawn(fn, args...) keeps a callable with state alive for
/// the task's whole life.
template <SpawnableFuture F>
JoinHandle<output_of<F>> spawn(F&& future) {
  detail::WorkerShared* home = detail::current_home();
  if (home == nullptr) {
    throw std::logic_error("wakeful::spawn called outside a runtime worker (use Runtime::spawn)");
  }
  return detail::spawn_at(home, std::forward<F>(future), true);
}

/// Spawns the future `fn(args...)`, called at once, as spawn(future) does. When that is a
/// coroutine (an Async), its frame is made with room in front for its task, so spawning it costs
/// one allocation in all, the frame. A callable with state (a lambda with captures) is moved into
/// the task and called at its first poll, so a coroutine lambda's captures live as long as the
/// task (one allocation more); a stateless one (a function, a lambda without captures) is called
/// at once. Throws std::logic_error when the calling thread is not a runtime worker; rethrows
/// what a stateless `fn` throws (a stateful one is called by the task: what it throws comes out
/// of the JoinHandle).
template <class Fn, class... Args>
requires SpawnableCall<Fn, Args...>
auto spawn(Fn&& fn, Args&&... args) {
  detail::WorkerShared* home = detail::current_home();
  if (home == nullptr) {
    throw std::logic_error("wakeful::spawn called outside a runtime worker (use Runtime::spawn)");
  }
  return detail::spawn_call_at(home, true, std::forward<Fn>(fn), std::forward<Args>(args)...);
}

}  // namespace wakeful
