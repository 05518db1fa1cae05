#pragma once
// JoinSet<T>: spawned tasks whose outputs are collected in completion order (tokio's JoinSet).

#include <cstddef>
#include <optional>
#include <utility>

#include "wakeful/future.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/futures_unordered.hpp"
#include "wakeful/task/join_handle.hpp"
#include "wakeful/task/spawn.hpp"

namespace wakeful {

/// Tasks spawned on the runtime, joined as they complete. The set holds their JoinHandles in a
/// FuturesUnordered: a task's completion wakes its own handle's node, so join_next looks only at
/// the handles whose tasks finished, never at all of them. Dropping the set aborts its tasks.
///
/// join_next completes with the output of the next task to finish, std::nullopt once the set is
/// empty; like awaiting a JoinHandle, it rethrows what a task threw and throws TaskCancelled for
/// an aborted task (which then leaves the set, so the next call goes on).
template <class T>
class JoinSet {
 public:
  /// What join_next yields for each finished task (std::monostate for void).
  using Output = value_or_monostate<T>;

  JoinSet() = default;
  /// Takes every task of `other`, which is left empty.
  JoinSet(JoinSet&&) noexcept = default;
  /// Aborts the tasks held and takes `other`'s.
  JoinSet& operator=(JoinSet&& other) noexcept {
    if (this != &other) {
      abort_all();
      handles_ = std::move(other.handles_);
    }
    return *this;
  }
  JoinSet(const JoinSet&) = delete;
  JoinSet& operator=(const JoinSet&) = delete;
  /// Aborts every task still in the set.
  ~JoinSet() { abort_all(); }

  /// Spawns `future` on the calling worker and adds its task to the set.
  template <SpawnableFuture F>
  requires std::same_as<output_of<F>, T>
  void spawn(F&& future) { handles_.push(wakeful::spawn(std::forward<F>(future))); }

  /// Spawns the future `fn(args...)` on the calling worker (see wakeful::spawn(fn, args...): a
  /// coroutine made so is one allocation with its task) and adds its task to the set.
  template <class Fn, class... Args>
  requires SpawnableCall<Fn, Args...> && std::same_as<output_of<std::invoke_result_t<Fn, Args...>>, T>
  void spawn(Fn&& fn, Args&&... args) {
    handles_.push(wakeful::spawn(std::forward<Fn>(fn), std::forward<Args>(args)...));
  }

  /// Spawns `future` on worker `worker` of the calling thread's runtime and adds it to the set.
  template <SpawnableFuture F>
  requires std::same_as<output_of<F>, T>
  void spawn_on(std::size_t worker, F&& future) { handles_.push(wakeful::spawn_on(worker, std::forward<F>(future))); }

  /// Adds the task behind an existing handle.
  void push(JoinHandle<T> handle) { handles_.push(std::move(handle)); }

  /// The poll behind join_next().
  Poll<std::optional<Output>> poll_join_next(Context& cx) { return handles_.poll_next(cx); }
  /// Stream interface: the same as poll_join_next.
  Poll<std::optional<Output>> poll_next(Context& cx) { return handles_.poll_next(cx); }

  /// The output of the next task to complete; see the class comment.
  auto join_next() noexcept { return Next<JoinSet>(*this); }

  /// The output of a task that has already completed, if any, without waiting; rethrows and
  /// reports cancellation as join_next does. It is no await: it leaves the waker of the task
  /// that awaits join_next in place and spends no cooperative budget, so it may be called in the
  /// same poll as join_next (inside a select, say) and finds an output whenever one is ready.
  std::optional<Output> try_join_next() { return handles_.try_next(); }

  /// Asks every task in the set to stop; each then completes with TaskCancelled.
  void abort_all() noexcept {
    for (JoinHandle<T>& handle : handles_) {
      handle.abort();
    }
  }

  /// The future of shutdown(): aborts everything, then waits until every task has finished,
  /// discarding outputs and exceptions.
  class [[nodiscard]] Shutdown {
   public:
    /// Borrows `set` until the shutdown completes or is dropped.
    explicit Shutdown(JoinSet& set) noexcept : set_(&set) {}
    /// Ready once the set is empty.
    Poll<void> poll(Context& cx) {
      if (!aborted_) {
        set_->abort_all();
        aborted_ = true;
      }
      for (;;) {
        try {
          Poll<std::optional<Output>> next = set_->handles_.poll_next(cx);
          if (next.is_pending()) {
            return Pending;
          }
          if (!*next) {
            return Ready;
          }
        } catch (...) {  // a task's exception or its cancellation: shutting down anyway
        }
      }
    }

   private:
    JoinSet* set_;
    bool aborted_ = false;
  };

  /// Aborts every task and waits for all of them to finish.
  Shutdown shutdown() noexcept { return Shutdown(*this); }

  /// Tasks in the set.
  [[nodiscard]] std::size_t len() const noexcept { return handles_.len(); }
  /// True when the set holds no task.
  [[nodiscard]] bool is_empty() const noexcept { return handles_.is_empty(); }

  /// The set's counters (polls and wakes of its handles).
  [[nodiscard]] JoinSetMetrics metrics() const noexcept { return handles_.metrics(); }

 private:
  FuturesUnordered<JoinHandle<T>> handles_;
};

}  // namespace wakeful
