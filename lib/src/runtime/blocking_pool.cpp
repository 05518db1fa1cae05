// The blocking pool behind spawn_blocking; its rules are in blocking_pool.hpp.

#include "blocking_pool.hpp"

#include <pthread.h>
#include <cassert>
#include <string>
#include <system_error>
#include <utility>

#include "task_state.hpp"

namespace wakeful::detail {

namespace {

// Runs a job the queue handed over (its reference is now the runner's), or cancels it when
// abort() came first; complete_job then publishes the outcome.
void run_job(TaskHeader* task) noexcept {
  if (transition_to_running(task)) {
    task->vtable->cancel(task);
  } else {
    [[maybe_unused]] const bool done = task->vtable->poll(task);
    assert(done);  // a BlockingCall is never Pending
  }
}

// Publishes the job's output and wakes whoever awaits its JoinHandle.
void complete_job(TaskHeader* task) noexcept {
  transition_to_complete(task);
  task_ref_dec(task, 1);
}

// Completes a job that will never run as cancelled.
void cancel_job(TaskHeader* task) noexcept {
  (void)transition_to_running(task);
  task->vtable->cancel(task);
  transition_to_complete(task);
  task_ref_dec(task, 1);
}

}  // namespace

BlockingPool::BlockingPool(std::size_t max_threads, std::chrono::nanoseconds keep_alive, std::function<void()> on_idle)
    : max_threads_(max_threads == 0 ? 1 : max_threads), keep_alive_(keep_alive), on_idle_(std::move(on_idle)) {}

BlockingPool::~BlockingPool() { shutdown(); }

void BlockingPool::submit(TaskHeader* task) {
  std::vector<std::thread> exited;
  {
    std::unique_lock lock(mutex_);
    if (shutdown_) {
      lock.unlock();
      cancel_job(task);
      return;
    }
    queue_.push_back(task);
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    if (idle_ > 0) {
      --idle_;
      ++notifications_;
      cv_.notify_one();
    } else if (threads_.size() < max_threads_) {
      try {
        spawn_thread();
      } catch (const std::system_error&) {
        // No thread to be had: the job waits for a live one, or is cancelled if none lives.
        if (threads_.empty()) {
          queue_.pop_back();
          lock.unlock();
          cancel_job(task);
          finished_one();
          return;
        }
      }
    }
    exited.swap(retired_);
  }
  for (std::thread& thread : exited) {
    thread.join();  // it has left thread_main, or is about to
  }
}

void BlockingPool::spawn_thread() {
  const std::uint64_t key = next_key_++;
  std::thread thread([this, key] { thread_main(key); });
  pthread_setname_np(thread.native_handle(), "wakeful-blocking");
  threads_.emplace(key, std::move(thread));
  ++started_;
}

void BlockingPool::thread_main(std::uint64_t key) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!queue_.empty()) {
      TaskHeader* task = queue_.front();
      queue_.pop_front();
      ++running_;
      lock.unlock();
      run_job(task);
      lock.lock();
      ++completed_;  // before the wake: whoever awaited the job sees it counted
      lock.unlock();
      complete_job(task);
      lock.lock();
      --running_;  // after the wake: a paused clock must not advance between the two
      lock.unlock();
      finished_one();
      lock.lock();
      continue;
    }
    if (shutdown_) {
      return;  // shutdown() joins us
    }
    // Idle: wait for a hand-off, a shutdown, or the end of the keep-alive.
    ++idle_;
    const auto deadline = std::chrono::steady_clock::now() + keep_alive_;
    bool timed_out = false;
    for (;;) {
      if (notifications_ > 0) {
        --notifications_;  // the submitter took us off idle_
        break;
      }
      if (shutdown_) {
        --idle_;
        return;
      }
      if (timed_out) {
        --idle_;
        retired_.push_back(std::move(threads_.at(key)));
        threads_.erase(key);
        ++retired_count_;
        return;  // the next submit or the shutdown joins us
      }
      timed_out = cv_.wait_until(lock, deadline) == std::cv_status::timeout;
    }
  }
}

void BlockingPool::finished_one() noexcept {
  if (in_flight_.fetch_sub(1, std::memory_order_seq_cst) == 1 && on_idle_) {
    on_idle_();
  }
}

void BlockingPool::shutdown() {
  std::deque<TaskHeader*> dropped;
  std::map<std::uint64_t, std::thread> live;
  std::vector<std::thread> exited;
  {
    const std::lock_guard lock(mutex_);
    shutdown_ = true;  // from here on no thread retires: they all end up in threads_
    dropped.swap(queue_);
    cv_.notify_all();
  }
  for (TaskHeader* task : dropped) {
    cancel_job(task);
    finished_one();
  }
  {
    const std::lock_guard lock(mutex_);
    live.swap(threads_);
    exited.swap(retired_);
  }
  for (auto& [key, thread] : live) {
    thread.join();  // waits for the job it runs, if any
  }
  for (std::thread& thread : exited) {
    thread.join();
  }
}

BlockingMetrics BlockingPool::metrics() const {
  const std::lock_guard lock(mutex_);
  BlockingMetrics m;
  m.threads = threads_.size();
  m.idle_threads = idle_;
  m.running = running_;
  m.queued = queue_.size();
  m.threads_started = started_;
  m.threads_retired = retired_count_;
  m.jobs_completed = completed_;
  return m;
}

}  // namespace wakeful::detail
