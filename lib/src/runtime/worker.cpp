// The worker loop: run ready tasks in batches, turn the I/O reactor between batches, park on the
// io_context when nothing is ready, and drop every owned task at shutdown.

#include "worker.hpp"

#include <cassert>
#include <chrono>

#include "wakeful/asio.hpp"

#include "runtime_impl.hpp"
#include "task_state.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/detail/cpu_relax.hpp"

// Asio's concurrency hints carry the flavour's prefix.
#if WAKEFUL_ASIO_IS_BOOST
#define WAKEFUL_CONCURRENCY_HINT_UNSAFE_IO BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO
#else
#define WAKEFUL_CONCURRENCY_HINT_UNSAFE_IO ASIO_CONCURRENCY_HINT_UNSAFE_IO
#endif

namespace wakeful::detail {

thread_local Worker* current_worker = nullptr;

namespace {
// Tasks run between two non-blocking turns of the reactor; tokio's event_interval, so that
// ready I/O is noticed promptly even when the run queue never empties.
constexpr std::size_t event_interval = 61;
// How long a worker woken by another watches its inbox before parking (Worker::spin_before_park).
constexpr std::chrono::nanoseconds park_spin = std::chrono::microseconds(10);
}  // namespace

// --- scheduling entry points ------------------------------------------------------------------

void schedule(TaskHeader* task) {
  Worker* worker = current_worker;
  if (worker != nullptr && worker->shared() == task->home) {
    worker->schedule_local(task);
  } else if (!task->home->push(task)) {
    release_rejected(task);
  }
}

WorkerShared* current_home() noexcept { return current_worker != nullptr ? current_worker->shared() : nullptr; }

void submit_task(TaskHeader* task, WorkerShared* home, bool may_move) {
  task->home = home;
  home->ref();
  Worker* worker = current_worker;
  if (worker != nullptr && worker->shared() == home) {
    worker->adopt(task, may_move);
  } else if (!home->push(task)) {
    release_rejected(task);
  }
}

// --- Worker -------------------------------------------------------------------------------------

namespace {

// Marks the io_context of a worker_thread_only worker, so that an I/O object registered with it
// from any thread can tell (an Asio service: public API in every Asio release).
class ThreadOnlyMark final : public asio::execution_context::service {
 public:
  using key_type = ThreadOnlyMark;
  static inline asio::execution_context::id id;  // NOLINT: Asio's service key
  explicit ThreadOnlyMark(asio::execution_context& context) : asio::execution_context::service(context) {}

 private:
  void shutdown() override {}
};

}  // namespace

bool worker_thread_only(asio::io_context& context) {
  if (Worker* worker = current_worker; worker != nullptr && &worker->io() == &context) {
    return worker->thread_only();
  }
  return asio::has_service<ThreadOnlyMark>(context);
}

// The hint 1 says one thread runs the io_context (which spares the scheduler some work) and
// keeps every lock; UNSAFE_IO drops the per-socket one (see AsioLocking).
Worker::Worker(Runtime& runtime, RuntimeImpl& impl, std::size_t index, AsioLocking locking)
    : runtime_(runtime),
      impl_(impl),
      clock_(impl.clock()),
      index_(index),
      balanced_(!impl.current_thread() && impl.planned_size() > 1),
      thread_only_(locking == AsioLocking::worker_thread_only),
      io_(thread_only_ ? WAKEFUL_CONCURRENCY_HINT_UNSAFE_IO : 1),
      work_guard_(asio::make_work_guard(io_)),
      timers_(clock_.origin()),
      park_timer_(io_.get_executor()),
      shared_(new WorkerShared(*this, io_)) {
  if (thread_only_) {
    asio::make_service<ThreadOnlyMark>(io_);
  }
}

Worker::~Worker() {
  assert(owned_.empty() && queue_.empty() && spawned_.empty());
  shared_->unref();
}

// A queued task's header was last touched when it was woken, a batch of system calls ago, and by
// the time its turn comes it has mostly left the near caches; the first load of its state then
// stalls the worker (perf put three quarters of transition_to_running's samples on it). Asking
// for the next task's header while this one runs takes that miss off the critical path.
inline void Worker::prefetch_next_task() const noexcept {
  if (const TaskHeader* next = queue_.peek()) {
    __builtin_prefetch(next, 1);  // for writing: the first access is a compare-exchange
  }
}

// The loop of a worker: batches of ready tasks, a non-blocking turn of the io_context between
// batches, and a park when nothing is ready, until `done()`.
template <class Done>
void Worker::loop(Done done) {
  while (!done()) {
    for (std::size_t n = 0; n < event_interval; ++n) {
      TaskHeader* task = next_task();
      if (task == nullptr) {
        break;
      }
      prefetch_next_task();
      run_task(task);
    }
    drain_inbox();
    fire_timers();
    if (!queue_.empty() || !spawned_.empty()) {
      io_polls_.add();
      io_.poll();
    } else if (!done()) {
      park();
    }
  }
}

// The two queues take turns while both hold tasks: a stream of wakes cannot hold back spawned
// tasks, nor a burst of spawns the woken ones.
TaskHeader* Worker::next_task() noexcept {
  if (balanced_) {
    prefer_spawned_ = !prefer_spawned_;
    if (prefer_spawned_ || queue_.empty()) {
      if (TaskHeader* task = spawned_.pop()) {
        bind(task);
        return task;
      }
    }
  }
  return queue_.pop();
}

void Worker::adopt(TaskHeader* task, bool may_move) {
  if (balanced_ && may_move && spawned_.push(task)) {
    unpark_a_sibling();
    return;
  }
  bind(task);
  queue_.push(task);
}

// The spawner's half of the handshake described at Worker::park: the task is published (the
// spawn queue's tail), then a fence, then a look at who is parking.
void Worker::unpark_a_sibling() noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (impl_.parking.load(std::memory_order_relaxed) == 0) {
    return;
  }
  const std::size_t n = impl_.size();
  for (std::size_t k = 1; k < n; ++k) {
    WorkerShared* sibling = impl_.worker((index_ + k) % n).shared();
    if (sibling->parked() && sibling->unpark()) {
      return;
    }
  }
}

// Takes about half of the first non-empty spawn queue of another worker. A stolen task was
// never polled, so no waker of it exists yet and nobody else reads its home: it moves here.
bool Worker::steal() noexcept {
  const std::size_t n = impl_.size();
  for (std::size_t k = 1; k < n; ++k) {
    Worker& victim = impl_.worker((index_ + k) % n);
    const std::size_t want = (victim.spawned_.size() + 1) / 2;
    std::size_t taken = 0;
    for (; taken < want; ++taken) {
      TaskHeader* task = victim.spawned_.pop();
      if (task == nullptr) {
        break;
      }
      WorkerShared* old_home = task->home;
      task->home = shared_;
      shared_->ref();
      old_home->unref();
      bind(task);
      queue_.push(task);
    }
    if (taken != 0) {
      tasks_stolen_.add(taken);
      return true;
    }
  }
  return false;
}

std::size_t Worker::load() const noexcept {
  const std::uint64_t completed = tasks_completed_.get();
  const std::uint64_t alive = tasks_spawned_.get() - completed;
  return static_cast<std::size_t>(alive) + spawned_.size() + shared_->queued();
}

void Worker::run() {
  current_worker = this;
  loop([this] { return stop_.load(std::memory_order_relaxed); });
  shutdown();
  current_worker = nullptr;
}

void Worker::run_until_complete(const TaskHeader* task) {
  current_worker = this;
  loop([task] { return task_is_complete(task); });
  current_worker = nullptr;
}

void Worker::shutdown_here() {
  current_worker = this;
  shutdown();
  current_worker = nullptr;
}

void Worker::request_stop() {
  stop_.store(true, std::memory_order_seq_cst);
  shared_->unpark();
}

void Worker::run_task(TaskHeader* task) {
  if (transition_to_running(task)) {
    task->vtable->cancel(task);
    finish(task, 2);
    return;
  }
  polls_.add();
  bool done = false;
  {
    const coop::BudgetScope budget;
    done = task->vtable->poll(task);
  }
  if (done) {
    finish(task, 2);
    return;
  }
  switch (transition_after_pending(task)) {
    case AfterPending::idle:
      return;
    case AfterPending::requeue:
      schedule_local(task);
      return;
    case AfterPending::cancel:
      task->vtable->cancel(task);
      finish(task, 2);
      return;
  }
}

// The output is stored (or the future cancelled): publish COMPLETE, leave the owner list and
// drop `references` (the list's, plus the poller's when the task came from the run queue).
// Counted before COMPLETE is published, so whoever the completion wakes reads metrics that
// already count it.
void Worker::finish(TaskHeader* task, std::uint64_t references) noexcept {
  tasks_completed_.add();
  transition_to_complete(task);
  owned_.remove(task);
  task_ref_dec(task, references);
}

void Worker::drain_inbox() {
  if (!shared_->maybe_has_tasks()) {
    return;
  }
  shared_->take(drained_);
  for (TaskHeader* task : drained_) {
    if (task->bound) {
      wakes_remote_.add();
    } else {
      bind(task);
    }
    queue_.push(task);
  }
  drained_.clear();
}

void Worker::fire_timers() {
  if (!timers_.empty()) {
    timers_.advance(clock_.now());
  }
}

// Arms the park timer for the wheel's next deadline. Only an earlier deadline re-arms it (one
// timerfd update); a timer left armed for a deadline that went away merely wakes the worker
// once for nothing.
void Worker::arm_park_timer() {
  const std::optional<std::chrono::steady_clock::time_point> next = timers_.next_deadline();
  if (!next || *next >= park_timer_armed_for_) {
    return;
  }
  park_timer_armed_for_ = *next;
  park_timer_.expires_at(clock_.to_steady(*next));
  park_timer_.async_wait([this](const asio_error_code& error) {
    if (error != asio::error::operation_aborted) {
      park_timer_armed_for_ = std::chrono::steady_clock::time_point::max();
    }
  });
}

// With the clock paused, a worker that has nothing to do moves the clock to its next timer
// rather than waiting for it, provided nothing else is in sight: no ready I/O (one non-blocking
// turn of the reactor), no task in the inbox, no blocking job in flight (its end may wake a
// task before the timer would). True when it did, or when that turn found work.
bool Worker::auto_advance() {
  if (!clock_.paused() || timers_.empty()) {
    return false;
  }
  io_polls_.add();
  if (io_.poll() != 0 || shared_->maybe_has_tasks() || !queue_.empty()) {
    return true;
  }
  if (impl_.blocking().busy()) {
    return false;  // park: the job's end unparks us (RuntimeImpl's blocking pool hook)
  }
  // The wheel's next deadline may be the start of a coarse slot whose entries only move down a
  // level: jump again until something fires, so that each jump ends in a wake.
  while (const std::optional<RuntimeClock::Clock::time_point> next = timers_.next_deadline()) {
    clock_.advance_to(*next);
    if (timers_.advance(clock_.now()) != 0) {
      auto_advances_.add();
      return true;
    }
  }
  return false;
}

// Before parking, a worker whose last park was ended by another worker's wake (a task of ours
// pushed into the inbox) watches its inbox for a moment: in an exchange between tasks of two
// workers (a lock or a permit handed back and forth, a request and its reply over a channel)
// the next wake tends to come within a microsecond or two, and a park costs a system call on
// each side and a context switch, several microseconds. The spin reads one flag and makes no
// system call; I/O that becomes ready meanwhile waits at most `park_spin`. A worker woken by
// I/O or a timer parks at once, as a single worker always does.
bool Worker::spin_before_park() const noexcept {
  const auto deadline = std::chrono::steady_clock::now() + park_spin;
  do {
    for (int i = 0; i < 32; ++i) {
      if (shared_->maybe_has_tasks() || stop_.load(std::memory_order_relaxed)) {
        return true;
      }
      cpu_relax();
    }
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

// Parking in a balanced runtime is a handshake with spawners (Worker::unpark_a_sibling), in the
// Dekker shape of WorkerShared's: this side counts itself in `parking` and publishes `parked_`,
// fences, then looks at the other workers' spawn queues; a spawner publishes its task, fences,
// then looks at `parking` and `parked_`. At least one sees the other: a task is never left
// unseen in a spawn queue while every other worker sleeps.
void Worker::park() {
  if (auto_advance()) {
    return;
  }
  if (inbox_ended_last_park_) {
    if (steal()) {
      return;  // never-polled tasks of a busy worker come before a spin
    }
    if (spin_before_park()) {
      spins_.add();
      return;
    }
  }
  if (!clock_.paused()) {
    arm_park_timer();
  }
  if (balanced_) {
    impl_.parking.fetch_add(1, std::memory_order_seq_cst);
  }
  if (shared_->prepare_park(stop_)) {
    if (balanced_) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    // Work found after all: tasks taken from another worker, or the end of the last blocking
    // job, which may have come after auto_advance() looked and found us not parked yet (the
    // pool decrements, then unparks; we publish parked_, then look): then go round and advance
    // instead of sleeping on a clock that only we can move.
    const bool work = (balanced_ && steal()) || (clock_.paused() && !timers_.empty() && !impl_.blocking().busy());
    if (!work) {
      parks_.add();
      // One handler: a reactor event, a timer, or the unpark post. Handlers that became ready
      // with it run at the next turn, without another epoll_wait.
      io_.run_one();
      inbox_ended_last_park_ = balanced_ && shared_->maybe_has_tasks();
    }
    shared_->finish_park();
  }
  if (balanced_) {
    impl_.parking.fetch_sub(1, std::memory_order_relaxed);
  }
}

// Drops every task this worker owns. Destroying a future may wake, spawn or drop other tasks,
// so loop until the owner list, the run queue and the inbox stay empty.
void Worker::shutdown() {
  for (;;) {
    drain_inbox();
    while (TaskHeader* task = spawned_.pop()) {
      release_rejected(task);  // never polled: cancelled like a spawn refused by a closed inbox
    }
    if (owned_.empty() && queue_.empty()) {
      return;
    }
    while (!owned_.empty()) {
      TaskHeader* task = owned_.front();
      const bool taken = transition_to_shutdown(task);
      assert(taken);
      (void)taken;
      task->vtable->cancel(task);
      finish(task, 1);  // the owner list's reference; a queued entry keeps its own
    }
    while (TaskHeader* task = queue_.pop()) {
      task_ref_dec(task, 1);  // the queue's reference of a task now complete
    }
  }
}

void Worker::close_inbox() {
  std::vector<TaskHeader*> late;
  shared_->close(late);
  for (TaskHeader* task : late) {
    release_rejected(task);
  }
}

WorkerMetrics Worker::metrics() const noexcept {
  WorkerMetrics m;
  const std::uint64_t completed = tasks_completed_.get();  // first, so alive never goes negative
  m.tasks_spawned = tasks_spawned_.get();
  m.tasks_alive = m.tasks_spawned - completed;
  m.polls = polls_.get();
  m.wakes_local = wakes_local_.get();
  m.wakes_remote = wakes_remote_.get();
  m.parks = parks_.get();
  m.spins = spins_.get();
  m.io_polls = io_polls_.get();
  m.tasks_stolen = tasks_stolen_.get();
  m.auto_advances = auto_advances_.get();
  return m;
}

}  // namespace wakeful::detail
