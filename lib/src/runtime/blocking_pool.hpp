#pragma once
// BlockingPool: the threads behind spawn_blocking.
//
// A job is a task (TaskCell<BlockingCall<F>>) with no home worker and no owner list: it starts
// NOTIFIED | JOIN_INTEREST with two references, the queue's and the JoinHandle's. A pool thread
// takes it out of the queue (the queue's reference becomes the runner's), moves it to RUNNING,
// polls it once (a BlockingCall is never Pending) or cancels it if abort() came first, publishes
// COMPLETE and drops its reference. Its waker is never cloned, so nothing ever schedules it.
//
// Threads start on demand: a job goes to an idle thread if one waits, else to a new thread while
// fewer than `max_threads` live, else it waits in the queue for the first thread that finishes.
// An idle thread retires after `keep_alive` without work. Every field is guarded by `mutex_`;
// `in_flight_` is also readable without it (the paused clock's auto-advance looks at it).
//
// Shutdown (the runtime's destructor): jobs already running are waited for; queued jobs are
// cancelled without running (their JoinHandles report TaskCancelled), and so are jobs submitted
// from then on.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "wakeful/detail/task_header.hpp"
#include "wakeful/runtime/metrics.hpp"

namespace wakeful::detail {

class BlockingPool {
 public:
  /// `on_idle` is called (from a pool thread, without the lock) each time the last job in
  /// flight finishes.
  BlockingPool(std::size_t max_threads, std::chrono::nanoseconds keep_alive, std::function<void()> on_idle);
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool();

  /// Queues a freshly built blocking task (state: NOTIFIED | JOIN_INTEREST, two references);
  /// cancels it at once after shutdown. Any thread.
  void submit(TaskHeader* task);

  /// Waits for running jobs, cancels queued ones and joins every thread. Idempotent.
  void shutdown();

  /// True while a job is queued or running.
  /// Sequentially consistent: a worker that parks publishes that, then reads this; the pool
  /// decrements this, then looks whether the worker parked (see Worker::park).
  [[nodiscard]] bool busy() const noexcept { return in_flight_.load(std::memory_order_seq_cst) != 0; }

  [[nodiscard]] BlockingMetrics metrics() const;

 private:
  void spawn_thread();  // mutex_ held
  void thread_main(std::uint64_t key);
  void join_retired();
  void finished_one() noexcept;

  const std::size_t max_threads_;
  const std::chrono::nanoseconds keep_alive_;
  const std::function<void()> on_idle_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<TaskHeader*> queue_;
  std::map<std::uint64_t, std::thread> threads_;  // the live threads, by key
  std::vector<std::thread> retired_;              // exited or exiting, to be joined
  std::uint64_t next_key_ = 0;
  std::size_t idle_ = 0;           // threads waiting for work and not yet handed any
  std::size_t notifications_ = 0;  // hand-offs to idle threads not yet picked up
  std::size_t running_ = 0;
  std::uint64_t started_ = 0;
  std::uint64_t retired_count_ = 0;
  std::uint64_t completed_ = 0;
  bool shutdown_ = false;
  std::atomic<std::size_t> in_flight_{0};  // queued + running
};

}  // namespace wakeful::detail
