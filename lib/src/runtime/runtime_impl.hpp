#pragma once
// RuntimeImpl: what a Runtime owns (its workers, their threads, the clock, the blocking pool),
// and what the workers share through it.

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "blocking_pool.hpp"
#include "time/runtime_clock.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::detail {

class Worker;
class WorkerShared;

class RuntimeImpl {
 public:
  /// `options.threads` workers with a thread each, placed as the options say; or, with
  /// `current_thread`, one worker that runs on whichever thread calls block_on.
  RuntimeImpl(Runtime& runtime, const RuntimeOptions& options, bool current_thread);
  RuntimeImpl(const RuntimeImpl&) = delete;
  RuntimeImpl& operator=(const RuntimeImpl&) = delete;
  ~RuntimeImpl();

  [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }
  /// The number of workers, already while they are being built.
  [[nodiscard]] std::size_t planned_size() const noexcept { return planned_; }
  [[nodiscard]] bool current_thread() const noexcept { return current_thread_; }
  [[nodiscard]] Worker& worker(std::size_t i) const noexcept { return *workers_[i]; }
  /// The CPU of each worker, by index; empty when the workers float.
  [[nodiscard]] const std::vector<int>& cpus() const noexcept { return cpus_; }
  [[nodiscard]] RuntimeClock& clock() noexcept { return clock_; }
  [[nodiscard]] BlockingPool& blocking() noexcept { return *blocking_; }

  /// Where a spawn from outside the runtime goes: the worker with the fewest unfinished and
  /// queued tasks, the search starting from a rotating index so that ties spread.
  [[nodiscard]] WorkerShared* least_loaded() noexcept;

  /// Workers that are parked or about to park (the balance's hint that a spawn should unpark
  /// one; see Worker::park).
  std::atomic<std::size_t> parking{0};

 private:
  void shutdown();

  bool current_thread_;
  std::size_t planned_;
  RuntimeClock clock_;
  std::unique_ptr<BlockingPool> blocking_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::vector<int> cpus_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace wakeful::detail
