#pragma once
// A worker: one thread, one asio::io_context, one local run queue, one inbox.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "wakeful/asio.hpp"

#include "owned_tasks.hpp"
#include "run_queue.hpp"
#include "spawn_queue.hpp"
#include "time/runtime_clock.hpp"
#include "time/timer_wheel.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/detail/task_header.hpp"
#include "wakeful/runtime/metrics.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful {
class Runtime;
}  // namespace wakeful

namespace wakeful::detail {

class Worker;
class RuntimeImpl;

/// The part of a worker that other threads reach through tasks: the inbox for remote wakes and
/// spawns, and the means to unpark the worker. Reference counted (the runtime holds one
/// reference, every task another) so that a waker that outlives the runtime can still be woken
/// safely: once the runtime has shut down, the inbox is closed and refuses tasks.
class WorkerShared {
 public:
  WorkerShared(Worker& worker, asio::io_context& io) noexcept : worker_(&worker), io_(&io) {}

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete this;
    }
  }

  /// Queues a notified task from any thread and unparks the worker. False when the inbox is
  /// closed: the caller must release the task (release_rejected).
  bool push(TaskHeader* task);

  /// Wakes the worker if it is parked; true when it was.
  bool unpark();

  /// True while the worker is parked or about to park (a hint).
  [[nodiscard]] bool parked() const noexcept { return parked_.load(std::memory_order_seq_cst); }

  /// Tasks in the inbox (a hint, read without the lock).
  [[nodiscard]] std::size_t queued() const noexcept { return queued_.load(std::memory_order_relaxed); }

  /// Moves the queued tasks into `out` (which must be empty). Worker thread, or any thread once
  /// the worker has stopped.
  void take(std::vector<TaskHeader*>& out);

  /// True when tasks may be waiting (a hint, read without the lock).
  [[nodiscard]] bool maybe_has_tasks() const noexcept { return has_tasks_.load(std::memory_order_relaxed); }

  /// Marks the worker as about to block; false (and no mark) if tasks are waiting or a stop was
  /// requested, in which case it must not block.
  bool prepare_park(const std::atomic<bool>& stop);
  void finish_park();

  /// Refuses all later pushes and hands back the tasks still queued.
  void close(std::vector<TaskHeader*>& out);

  [[nodiscard]] Worker* worker() const noexcept { return worker_; }

 private:
  ~WorkerShared() = default;

  void post_unpark();

  std::atomic<std::size_t> refs_{1};
  Worker* worker_;
  asio::io_context* io_;  // valid until close()
  Mutex mutex_;
  std::vector<TaskHeader*> inbox_;
  std::atomic<bool> has_tasks_{false};
  std::atomic<std::size_t> queued_{0};  // inbox_.size(), written under mutex_
  std::atomic<bool> parked_{false};
  bool closed_ = false;  // guarded by mutex_
};

/// A counter with one writer: increments are plain loads and stores, reads may come from any
/// thread.
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Worker {
 public:
  Worker(Runtime& runtime, RuntimeImpl& impl, std::size_t index, AsioLocking locking);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  /// The thread body: runs tasks until a stop is requested, then drops every task it owns.
  void run();

  /// Runs the worker on the calling thread until `task` completes (a current-thread runtime's
  /// block_on).
  void run_until_complete(const TaskHeader* task);

  /// Drops every task this worker owns, on the calling thread (a current-thread runtime, whose
  /// worker has no thread of its own, at destruction).
  void shutdown_here();

  /// Asks the worker to stop (any thread).
  void request_stop();

  /// Queues a notified task; the calling thread must be this worker's.
  void schedule_local(TaskHeader* task) {
    wakes_local_.add();
    queue_.push(task);
  }

  /// Takes a freshly submitted task and queues it; this worker's thread only. A task that
  /// `may_move` goes to the spawn queue, where an idle worker may take it before its first poll
  /// (and one is unparked to do so); any other is bound here at once.
  void adopt(TaskHeader* task, bool may_move);

  /// Unfinished tasks bound here, plus those queued for it: what outside spawns balance. Any
  /// thread (a hint).
  [[nodiscard]] std::size_t load() const noexcept;

  /// The runtime's clock.
  [[nodiscard]] RuntimeClock& clock() const noexcept { return clock_; }
  /// The runtime's internals.
  [[nodiscard]] RuntimeImpl& impl() const noexcept { return impl_; }

  [[nodiscard]] WorkerShared* shared() const noexcept { return shared_; }
  [[nodiscard]] Runtime& runtime() const noexcept { return runtime_; }
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] asio::io_context& io() noexcept { return io_; }
  /// True when the runtime runs with AsioLocking::worker_thread_only.
  [[nodiscard]] bool thread_only() const noexcept { return thread_only_; }
  [[nodiscard]] TimerWheel& timers() noexcept { return timers_; }
  [[nodiscard]] WorkerMetrics metrics() const noexcept;

  /// Cancels the tasks that reached this worker's inbox after it stopped, then closes the inbox.
  /// Called by the runtime, on its own thread, once every worker thread has exited.
  void close_inbox();

 private:
  void bind(TaskHeader* task) noexcept {
    owned_.push_back(task);
    tasks_spawned_.add();
  }
  template <class Done>
  void loop(Done done);
  TaskHeader* next_task() noexcept;
  void bind_spawned(TaskHeader* task) noexcept;
  void unpark_a_sibling() noexcept;
  bool steal() noexcept;
  bool auto_advance();
  void prefetch_next_task() const noexcept;
  void run_task(TaskHeader* task);
  void finish(TaskHeader* task, std::uint64_t references) noexcept;
  void drain_inbox();
  void fire_timers();
  void arm_park_timer();
  bool spin_before_park() const noexcept;
  void park();
  void shutdown();

  Runtime& runtime_;
  RuntimeImpl& impl_;
  RuntimeClock& clock_;
  std::size_t index_;
  bool balanced_;  // more than one worker: spawn queues and stealing
  bool thread_only_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_guard_;
  TimerWheel timers_;
  // One Asio timer wakes a parked worker at the wheel's next deadline.
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                             asio::io_context::executor_type>
      park_timer_;
  std::chrono::steady_clock::time_point park_timer_armed_for_ = std::chrono::steady_clock::time_point::max();
  WorkerShared* shared_;
  RunQueue queue_;
  SpawnQueue spawned_;           // never-polled tasks spawned here, not yet bound (balanced_ only)
  bool prefer_spawned_ = false;  // alternates the two queues, so neither starves the other
  OwnedTasks owned_;
  std::vector<TaskHeader*> drained_;  // reused buffer for inbox batches
  std::atomic<bool> stop_{false};
  // The last park ended with a task in the inbox: another worker woke one of ours. See park().
  bool inbox_ended_last_park_ = false;

  Counter tasks_spawned_;
  Counter tasks_completed_;
  Counter polls_;
  Counter wakes_local_;
  Counter wakes_remote_;
  Counter parks_;
  Counter spins_;
  Counter io_polls_;
  Counter tasks_stolen_;
  Counter auto_advances_;
};

/// The worker whose thread this is, or nullptr.
extern thread_local Worker* current_worker;

/// True when `context` is the io_context of a worker of a runtime made with
/// AsioLocking::worker_thread_only, whose Asio objects may only be used on that worker.
[[nodiscard]] bool worker_thread_only(asio::io_context& context);

}  // namespace wakeful::detail
