// WorkerShared: the part of a worker that other threads reach (its inbox of woken tasks and the
// flag that says it is parked), and the handshake between the two.

#include "worker.hpp"

#include "wakeful/asio.hpp"

namespace wakeful::detail {

// Parking is a Dekker handshake with pushers, so that the worker's side takes no lock: the
// worker publishes `parked_` and then looks for work; a pusher publishes work and then looks at
// `parked_`. Both sequentially consistent: at least one of them sees the other's write, so a
// worker never sleeps on work it was not told about. The post stays under the lock because the
// io_context may only be reached while the inbox is open.
bool WorkerShared::push(TaskHeader* task) {
  const std::lock_guard lock(mutex_);
  if (closed_) {
    return false;
  }
  inbox_.push_back(task);
  queued_.store(inbox_.size(), std::memory_order_relaxed);
  has_tasks_.store(true, std::memory_order_seq_cst);
  if (parked_.exchange(false, std::memory_order_seq_cst)) {
    post_unpark();
  }
  return true;
}

bool WorkerShared::unpark() {
  const std::lock_guard lock(mutex_);
  if (!closed_ && parked_.exchange(false, std::memory_order_seq_cst)) {
    post_unpark();
    return true;
  }
  return false;
}

// An empty handler is enough: running it makes the worker's io_context.run_one() return.
void WorkerShared::post_unpark() {
  asio::post(*io_, [] {});
}

void WorkerShared::take(std::vector<TaskHeader*>& out) {
  assert(out.empty());
  const std::lock_guard lock(mutex_);
  out.swap(inbox_);
  queued_.store(0, std::memory_order_relaxed);
  has_tasks_.store(false, std::memory_order_relaxed);
}

bool WorkerShared::prepare_park(const std::atomic<bool>& stop) {
  parked_.store(true, std::memory_order_seq_cst);
  if (has_tasks_.load(std::memory_order_seq_cst) || stop.load(std::memory_order_seq_cst)) {
    parked_.store(false, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void WorkerShared::finish_park() { parked_.store(false, std::memory_order_relaxed); }

void WorkerShared::close(std::vector<TaskHeader*>& out) {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  io_ = nullptr;
  out.swap(inbox_);
  queued_.store(0, std::memory_order_relaxed);
  has_tasks_.store(false, std::memory_order_relaxed);
}

}  // namespace wakeful::detail
