// The waker behind block_on: wakes a thread blocked in Parker::park().

#include <atomic>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_THREAD__)
#define WAKEFUL_PARK_ON_CONDITION_VARIABLE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WAKEFUL_PARK_ON_CONDITION_VARIABLE 1
#endif
#endif

#if defined(WAKEFUL_PARK_ON_CONDITION_VARIABLE)
#include <condition_variable>
#include <mutex>
#endif

#include "wakeful/block_on.hpp"

namespace wakeful::detail {

namespace {

// Shared by the Parker and every clone of its waker; freed by the last of them.
//
// A parked thread sleeps in std::atomic::wait, a bare futex system call. Under ThreadSanitizer it
// sleeps on a condition variable instead: TSan runs a signal handler only once the thread that
// caught the signal is inside (or leaves) a call TSan intercepts, and a bare futex is not one. A
// process-directed signal that the kernel hands to a thread parked here (block_on's caller, the
// usual choice for kill(getpid())) then waits for the park to end, and a Signals listener that
// the handler would wake never is: the thread stays parked for good. pthread_cond_wait is
// intercepted as a blocking call, so the handler runs at once.
struct ParkerState {
  std::atomic<std::uint32_t> notified{0};
  std::atomic<std::size_t> refs{1};
#if defined(WAKEFUL_PARK_ON_CONDITION_VARIABLE)
  std::mutex mutex;
  std::condition_variable woken;
#endif
};

ParkerState* as_state(const void* data) noexcept { return static_cast<ParkerState*>(const_cast<void*>(data)); }

RawWaker parker_clone(const void* data);
void parker_wake_by_ref(const void* data) {
  ParkerState* state = as_state(data);
#if defined(WAKEFUL_PARK_ON_CONDITION_VARIABLE)
  const std::lock_guard lock(state->mutex);
  state->notified.store(1, std::memory_order_release);
  state->woken.notify_one();
#else
  state->notified.store(1, std::memory_order_release);
  state->notified.notify_one();
#endif
}
void parker_drop(const void* data) {
  ParkerState* state = as_state(data);
  if (state->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete state;
  }
}
void parker_wake(const void* data) {
  parker_wake_by_ref(data);
  parker_drop(data);
}

constexpr RawWakerVTable parker_vtable{&parker_clone, &parker_wake, &parker_wake_by_ref, &parker_drop};

RawWaker parker_clone(const void* data) {
  as_state(data)->refs.fetch_add(1, std::memory_order_relaxed);
  return RawWaker{data, &parker_vtable};
}

}  // namespace

Parker::Parker() : waker_(Waker::from_raw(RawWaker{new ParkerState, &parker_vtable})) {}

void Parker::park() noexcept {
  ParkerState* state = as_state(waker_.as_raw().data);
#if defined(WAKEFUL_PARK_ON_CONDITION_VARIABLE)
  std::unique_lock lock(state->mutex);
  state->woken.wait(lock, [state] { return state->notified.exchange(0, std::memory_order_acquire) != 0; });
#else
  while (state->notified.exchange(0, std::memory_order_acquire) == 0) {
    state->notified.wait(0, std::memory_order_acquire);
  }
#endif
}

}  // namespace wakeful::detail
