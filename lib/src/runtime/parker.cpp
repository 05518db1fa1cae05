// The waker behind block_on: wakes a thread blocked in Parker::park().

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "wakeful/block_on.hpp"

namespace wakeful::detail {

namespace {

// Shared by the Parker and every clone of its waker; freed by the last of them.
struct ParkerState {
  std::atomic<std::uint32_t> notified{0};
  std::atomic<std::size_t> refs{1};
};

ParkerState* as_state(const void* data) noexcept { return static_cast<ParkerState*>(const_cast<void*>(data)); }

RawWaker parker_clone(const void* data);
void parker_wake_by_ref(const void* data) {
  ParkerState* state = as_state(data);
  state->notified.store(1, std::memory_order_release);
  state->notified.notify_one();
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
  while (state->notified.exchange(0, std::memory_order_acquire) == 0) {
    state->notified.wait(0, std::memory_order_acquire);
  }
}

}  // namespace wakeful::detail
