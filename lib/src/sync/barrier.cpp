// Barrier; the protocol is described in wakeful/sync/barrier.hpp.

#include "wakeful/sync/barrier.hpp"

#include <cassert>
#include <mutex>
#include <utility>
#include <vector>

namespace wakeful {

Barrier::~Barrier() { assert(waiters_.empty() && "a Barrier::Wait outlived its Barrier"); }

Poll<BarrierWaitResult> Barrier::Wait::poll(Context& cx) {
  switch (stage_) {
    case Stage::done:
      throw std::logic_error("wakeful: Barrier::Wait polled after completion");
    case Stage::init:
      if (barrier_->poll_wait(waiter_, false, cx.waker())) {
        stage_ = Stage::done;
        return BarrierWaitResult(true);
      }
      stage_ = Stage::waiting;
      return Pending;
    case Stage::waiting:
      break;
  }
  if (!barrier_->poll_wait(waiter_, true, cx.waker())) {
    return Pending;
  }
  stage_ = Stage::done;
  return BarrierWaitResult(false);
}

// Arriving (`arrived` false): true for the leader. Polling again: true once released.
bool Barrier::poll_wait(Waiter& waiter, bool arrived, const Waker& waker) {
  std::vector<Waker> wakers;
  {
    const std::lock_guard lock(mutex_);
    if (arrived) {
      if (waiter.released) {
        return true;
      }
      if (!waiter.waker.will_wake(waker)) {
        waiter.waker = waker;
      }
      return false;
    }
    if (arrived_ + 1 < parties_) {
      ++arrived_;
      waiter.waker = waker;
      waiters_.push_back(&waiter);
      return false;
    }
    // The leader. Once per round, so the allocation is one per `parties` waits; it is made
    // before anything changes, so a failure leaves the round as it was.
    wakers.reserve(waiters_.size());
    arrived_ = 0;
    while (Waiter* released = waiters_.pop_front()) {
      released->released = true;
      wakers.push_back(std::move(released->waker));
    }
  }
  for (Waker& w : wakers) {
    std::move(w).wake();
  }
  return true;
}

void Barrier::cancel_wait(Waiter& waiter) noexcept {
  Waker dropped;  // dropped after unlocking
  const std::lock_guard lock(mutex_);
  if (!waiter.released) {
    waiters_.remove(&waiter);
    --arrived_;
  }
  dropped = std::move(waiter.waker);
}

}  // namespace wakeful
