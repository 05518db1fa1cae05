// The task state machine: wakers, JoinHandle protocol, abort. The invariants these functions
// keep are written out in wakeful/detail/task_header.hpp; each function names its transition.

#include <cassert>
#include <cstdint>

#include "task_state.hpp"
#include "wakeful/detail/task_header.hpp"
#include "worker.hpp"

namespace wakeful::detail {

using namespace task_state;  // NOLINT(google-build-using-namespace): the bit names

namespace {

constexpr std::uint64_t ref_count(std::uint64_t state) noexcept { return state >> 6U; }

TaskHeader* as_task(const void* data) noexcept { return static_cast<TaskHeader*>(const_cast<void*>(data)); }

void deallocate(TaskHeader* task) noexcept {
  WorkerShared* home = task->home;
  task->vtable->deallocate(task);
  if (home != nullptr) {
    home->unref();
  }
}

RawWaker waker_clone(const void* data) {
  as_task(data)->state.fetch_add(ref_one, std::memory_order_relaxed);
  return RawWaker{data, &task_waker_vtable};
}

void waker_drop(const void* data) { task_ref_dec(as_task(data), 1); }

// wake (by reference): idle -> NOTIFIED (+1 ref, push); RUNNING -> RUNNING|NOTIFIED.
void waker_wake_by_ref(const void* data) {
  TaskHeader* task = as_task(data);
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    if ((current & (complete | notified)) != 0) {
      return;
    }
    const bool push = (current & running) == 0;
    const std::uint64_t next = (current | notified) + (push ? ref_one : 0);
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      if (push) {
        schedule(task);
      }
      return;
    }
  }
}

// wake (by value): as by reference, but the waker's own reference becomes the queue's, or is
// dropped when no push is needed.
void waker_wake(const void* data) {
  TaskHeader* task = as_task(data);
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    std::uint64_t next = 0;
    bool push = false;
    if ((current & (complete | notified)) != 0) {
      next = current - ref_one;
    } else if ((current & running) != 0) {
      next = (current | notified) - ref_one;  // the poller's reference keeps the task alive
    } else {
      next = current | notified;
      push = true;
    }
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      if (push) {
        schedule(task);
      } else if (ref_count(next) == 0) {
        deallocate(task);
      }
      return;
    }
  }
}

// Publishes the join waker the JoinHandle just wrote: sets JOIN_WAKER unless COMPLETE.
bool set_join_waker(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & join_interest) != 0 && (current & join_waker) == 0);
    if ((current & complete) != 0) {
      return false;
    }
    if (task->state.compare_exchange_weak(current, current | join_waker, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return true;
    }
  }
}

// Takes the join waker back for rewriting: clears JOIN_WAKER unless COMPLETE.
bool unset_join_waker(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & join_interest) != 0 && (current & join_waker) != 0);
    if ((current & complete) != 0) {
      return false;
    }
    if (task->state.compare_exchange_weak(current, current & ~join_waker, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return true;
    }
  }
}

}  // namespace

const RawWakerVTable task_waker_vtable{&waker_clone, &waker_wake, &waker_wake_by_ref, &waker_drop};

void task_ref_dec(TaskHeader* task, std::uint64_t count) noexcept {
  const std::uint64_t previous = task->state.fetch_sub(count * ref_one, std::memory_order_acq_rel);
  assert(ref_count(previous) >= count);
  if (ref_count(previous) == count) {
    deallocate(task);
  }
}

bool task_is_complete(const TaskHeader* task) noexcept {
  return (task->state.load(std::memory_order_acquire) & complete) != 0;
}

bool transition_to_running(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & notified) != 0 && (current & (running | complete)) == 0);
    const std::uint64_t next = (current & ~notified) | running;
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      return (next & cancelled) != 0;
    }
  }
}

AfterPending transition_after_pending(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & running) != 0);
    if ((current & cancelled) != 0) {
      return AfterPending::cancel;
    }
    const bool requeue = (current & notified) != 0;
    const std::uint64_t next = requeue ? (current & ~running) : ((current & ~running) - ref_one);
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      return requeue ? AfterPending::requeue : AfterPending::idle;
    }
  }
}

void transition_to_complete(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & running) != 0);
    const std::uint64_t next = (current & ~running) | complete;
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      break;
    }
  }
  if ((current & join_interest) == 0) {
    task->vtable->drop_output(task);
  } else if ((current & join_waker) != 0) {
    task->join_waker.wake_by_ref();
  }
}

bool transition_to_shutdown(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & running) == 0);
    if ((current & complete) != 0) {
      return false;
    }
    if (task->state.compare_exchange_weak(current, current | running | cancelled, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return true;
    }
  }
}

void release_rejected(TaskHeader* task) noexcept {
  if (task_is_complete(task)) {
    task_ref_dec(task, 1);  // the queue's reference
    return;
  }
  // Never ran: a spawn that reached a runtime after it shut down.
  assert(!task->bound);
  (void)transition_to_running(task);
  task->vtable->cancel(task);
  transition_to_complete(task);
  task_ref_dec(task, 2);  // the poller's and the owner list's
}

bool join_poll_complete(TaskHeader* task, const Waker& waker) {
  const std::uint64_t current = task->state.load(std::memory_order_acquire);
  if ((current & complete) != 0) {
    return true;
  }
  if ((current & join_waker) != 0) {
    // Shared with the worker: only compare. Replace it only after taking it back.
    if (task->join_waker.will_wake(waker)) {
      return false;
    }
    if (!unset_join_waker(task)) {
      return true;
    }
  }
  // JOIN_WAKER is clear and COMPLETE was clear: the slot is the handle's alone.
  task->join_waker = waker;
  if (set_join_waker(task)) {
    return false;
  }
  task->join_waker = Waker();  // completed in the meantime; the slot is still ours
  return true;
}

void join_handle_drop(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    assert((current & join_interest) != 0);
    const bool completed = (current & complete) != 0;
    // Before completion, also take the join waker back so it can be dropped now.
    const std::uint64_t next = completed ? (current & ~join_interest) : (current & ~(join_interest | join_waker));
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      break;
    }
  }
  if ((current & complete) != 0) {
    task->vtable->drop_output(task);  // the output belongs to the handle
  } else if ((current & join_waker) != 0) {
    task->join_waker = Waker();
  }
  task_ref_dec(task, 1);
}

void task_abort(TaskHeader* task) noexcept {
  std::uint64_t current = task->state.load(std::memory_order_acquire);
  for (;;) {
    if ((current & (complete | cancelled)) != 0) {
      return;
    }
    const bool push = (current & (running | notified)) == 0;
    const std::uint64_t next = (current | cancelled | (push ? notified : 0)) + (push ? ref_one : 0);
    if (task->state.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      if (push) {
        schedule(task);
      }
      return;
    }
  }
}

}  // namespace wakeful::detail
