// Runtime: starts one thread per worker and, on destruction, stops them and drops every task.

#include "wakeful/runtime/runtime.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "runtime_impl.hpp"
#include "worker.hpp"

namespace wakeful {

namespace detail {

namespace {

// The CPUs the calling thread may run on, in increasing order.
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    throw std::system_error(errno, std::system_category(), "wakeful: sched_getaffinity");
  }
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) {
      cpus.push_back(cpu);
    }
  }
  return cpus;
}

void pin(std::thread& thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int error = pthread_setaffinity_np(thread.native_handle(), sizeof set, &set); error != 0) {
    throw std::system_error(error, std::system_category(), "wakeful: pinning a worker to CPU " + std::to_string(cpu));
  }
}

}  // namespace

RuntimeImpl::RuntimeImpl(Runtime& runtime, const RuntimeOptions& options, bool current_thread)
    : current_thread_(current_thread),
      planned_(current_thread ? 1 : (options.threads == 0 ? Runtime::default_threads() : options.threads)) {
  const std::size_t threads = planned_;
  // A job that ends while the clock is paused may be what auto-advance waits for.
  blocking_ = std::make_unique<BlockingPool>(options.max_blocking_threads, options.blocking_keep_alive, [this] {
    if (clock_.paused()) {
      for (auto& worker : workers_) {
        worker->shared()->unpark();
      }
    }
  });
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(runtime, *this, i, options.locking));
  }
  if (current_thread) {
    return;
  }
  if (options.placement == WorkerPlacement::pinned) {
    const std::vector<int> cpus = allowed_cpus();
    for (std::size_t i = 0; i < threads; ++i) {
      cpus_.push_back(cpus[i % cpus.size()]);
    }
  }
  try {
    threads_.reserve(threads);
    for (auto& worker : workers_) {
      threads_.emplace_back([w = worker.get()] { w->run(); });
      const std::string name = "wakeful-w" + std::to_string(worker->index());
      pthread_setname_np(threads_.back().native_handle(), name.c_str());
      if (!cpus_.empty()) {
        pin(threads_.back(), cpus_[worker->index()]);
      }
    }
  } catch (...) {
    shutdown();
    throw;
  }
}

RuntimeImpl::~RuntimeImpl() { shutdown(); }

WorkerShared* RuntimeImpl::least_loaded() noexcept {
  const std::size_t n = workers_.size();
  const std::size_t first = next_.fetch_add(1, std::memory_order_relaxed) % n;
  std::size_t best = first;
  std::size_t best_load = workers_[first]->load();
  for (std::size_t k = 1; k < n && best_load != 0; ++k) {
    const std::size_t i = (first + k) % n;
    if (const std::size_t load = workers_[i]->load(); load < best_load) {
      best = i;
      best_load = load;
    }
  }
  return workers_[best]->shared();
}

// The blocking pool goes first: its running jobs may still need the workers (to spawn, to
// wake, to wait for a task). Then each worker drops its own tasks on its own thread; what
// reaches an inbox after its worker stopped is dropped here, once no worker runs any more.
void RuntimeImpl::shutdown() {
  if (blocking_) {
    blocking_->shutdown();
  }
  if (current_thread_) {
    for (auto& worker : workers_) {
      worker->shutdown_here();
    }
  }
  for (auto& worker : workers_) {
    worker->request_stop();
  }
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  for (auto& worker : workers_) {
    worker->close_inbox();
  }
  workers_.clear();
}

void forbid_blocking_on_worker(const char* what) {
  if (current_worker != nullptr) {
    throw std::logic_error(std::string("wakeful: ") + what +
                           " called on a runtime worker thread; it would block every task of that worker");
  }
}

}  // namespace detail

Runtime::Runtime(std::size_t threads, WorkerPlacement placement, AsioLocking locking)
    : Runtime(
          RuntimeOptions{.threads = std::max<std::size_t>(threads, 1), .placement = placement, .locking = locking}) {}

Runtime::Runtime(const RuntimeOptions& options) : impl_(std::make_unique<detail::RuntimeImpl>(*this, options, false)) {}

Runtime::Runtime(CurrentThread /*tag*/, const RuntimeOptions& options)
    : impl_(std::make_unique<detail::RuntimeImpl>(*this, options, true)) {}

Runtime Runtime::current_thread(AsioLocking locking) {
  return Runtime(CurrentThread{}, RuntimeOptions{.locking = locking});
}

Runtime Runtime::current_thread(const RuntimeOptions& options) { return Runtime(CurrentThread{}, options); }

void Runtime::submit_blocking(detail::TaskHeader* task) { impl_->blocking().submit(task); }

BlockingMetrics Runtime::blocking_metrics() const { return impl_->blocking().metrics(); }

bool Runtime::is_current_thread() const noexcept { return impl_->current_thread(); }

void Runtime::run_until_complete(const detail::TaskHeader* task) {
  if (impl_->current_thread()) {
    impl_->worker(0).run_until_complete(task);
  }
}

Runtime::~Runtime() = default;

std::size_t Runtime::threads() const noexcept { return impl_->size(); }

std::optional<int> Runtime::worker_cpu(std::size_t worker) const {
  if (worker >= impl_->size()) {
    throw std::out_of_range("wakeful: no worker " + std::to_string(worker));
  }
  if (impl_->cpus().empty()) {
    return std::nullopt;
  }
  return impl_->cpus()[worker];
}

std::optional<std::size_t> Runtime::worker_for_cpu(int cpu) const noexcept {
  const std::vector<int>& cpus = impl_->cpus();
  const auto found = std::find(cpus.begin(), cpus.end(), cpu);
  if (found == cpus.end()) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(found - cpus.begin());
}

std::vector<WorkerMetrics> Runtime::metrics() const {
  std::vector<WorkerMetrics> all;
  all.reserve(impl_->size());
  for (std::size_t i = 0; i < impl_->size(); ++i) {
    all.push_back(impl_->worker(i).metrics());
  }
  return all;
}

Runtime* Runtime::current() noexcept {
  return detail::current_worker != nullptr ? &detail::current_worker->runtime() : nullptr;
}

std::optional<std::size_t> Runtime::current_worker_index() noexcept {
  if (detail::current_worker == nullptr) {
    return std::nullopt;
  }
  return detail::current_worker->index();
}

std::size_t Runtime::default_threads() noexcept { return std::max(1U, std::thread::hardware_concurrency()); }

detail::WorkerShared* Runtime::pick_home() noexcept {
  detail::Worker* worker = detail::current_worker;
  if (worker != nullptr && &worker->runtime() == this) {
    return worker->shared();
  }
  return impl_->least_loaded();
}

asio::io_context& Runtime::io_context(std::size_t worker) const {
  (void)home_at(worker);  // range check
  return impl_->worker(worker).io();
}

asio::io_context& current_io_context() {
  if (detail::current_worker == nullptr) {
    throw std::logic_error("wakeful: current_io_context called outside a runtime worker");
  }
  return detail::current_worker->io();
}

detail::WorkerShared* Runtime::home_at(std::size_t worker) const {
  if (worker >= impl_->size()) {
    throw std::out_of_range("wakeful: Runtime::spawn_on worker " + std::to_string(worker) + " of " +
                            std::to_string(impl_->size()));
  }
  return impl_->worker(worker).shared();
}

}  // namespace wakeful
