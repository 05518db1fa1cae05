// Semaphore; the protocol is described in wakeful/sync/semaphore.hpp.

#include "wakeful/sync/semaphore.hpp"

#include <algorithm>
#include <cassert>

namespace wakeful {

using detail::SemaphoreWaiter;

Semaphore::Semaphore(std::size_t permits) : permits_(permits) {
  if (permits > max_permits) {
    throw std::overflow_error("wakeful: Semaphore permits exceed Semaphore::max_permits");
  }
}

Semaphore::~Semaphore() { assert(waiters_.empty() && "an acquire future outlived its Semaphore"); }

Semaphore::Acquire Semaphore::acquire(std::size_t n) {
  if (n > max_permits) {
    throw std::invalid_argument("wakeful: Semaphore::acquire of more than Semaphore::max_permits");
  }
  return Acquire(*this, n);
}

std::optional<SemaphorePermit> Semaphore::try_acquire(std::size_t n) {
  const std::lock_guard lock(mutex_);
  if (closed_ || permits_ < n) {
    return std::nullopt;
  }
  permits_ -= n;
  return SemaphorePermit(*this, n);
}

Semaphore::AcquireOwned Semaphore::acquire_owned(std::shared_ptr<Semaphore> semaphore, std::size_t n) {
  if (!semaphore) {
    throw std::invalid_argument("wakeful: Semaphore::acquire_owned of a null semaphore");
  }
  if (n > max_permits) {
    throw std::invalid_argument("wakeful: Semaphore::acquire_owned of more than Semaphore::max_permits");
  }
  return AcquireOwned(std::move(semaphore), n);
}

std::optional<OwnedSemaphorePermit> Semaphore::try_acquire_owned(std::shared_ptr<Semaphore> semaphore, std::size_t n) {
  if (!semaphore) {
    throw std::invalid_argument("wakeful: Semaphore::try_acquire_owned of a null semaphore");
  }
  std::optional<SemaphorePermit> permit = semaphore->try_acquire(n);
  if (!permit) {
    return std::nullopt;
  }
  permit->forget();  // handed over to the owned permit
  return OwnedSemaphorePermit(std::move(semaphore), n);
}

void Semaphore::add_permits(std::size_t n) {
  std::unique_lock lock(mutex_);
  if (n > max_permits - permits_) {
    throw std::overflow_error("wakeful: Semaphore::add_permits beyond Semaphore::max_permits");
  }
  release_locked(lock, n);
}

std::size_t Semaphore::available_permits() const noexcept {
  const std::lock_guard lock(mutex_);
  return permits_;
}

void Semaphore::close() {
  detail::WakeList wakes;
  std::unique_lock lock(mutex_);
  closed_ = true;
  while (SemaphoreWaiter* waiter = waiters_.front()) {
    if (wakes.full()) {
      lock.unlock();  // nobody joins the line once closed_ is set
      wakes.wake_all();
      lock.lock();
      continue;
    }
    waiters_.pop_front();
    permits_ += waiter->wanted - waiter->remaining;  // what it had been handed comes back to the pool
    waiter->state = SemaphoreWaiter::State::closed;
    wakes.push(std::move(waiter->waker));
  }
  lock.unlock();
  wakes.wake_all();
}

bool Semaphore::is_closed() const noexcept {
  const std::lock_guard lock(mutex_);
  return closed_;
}

void Semaphore::release(std::size_t n) noexcept {
  std::unique_lock lock(mutex_);
  release_locked(lock, n);
}

void Semaphore::release_locked(std::unique_lock<detail::Mutex>& lock, std::size_t n) noexcept {
  detail::WakeList wakes;
  permits_ += n;
  while (assign_locked(wakes)) {
    lock.unlock();
    wakes.wake_all();
    lock.lock();
  }
  lock.unlock();
  wakes.wake_all();
}

bool Semaphore::assign_locked(detail::WakeList& wakes) noexcept {
  while (permits_ != 0) {
    SemaphoreWaiter* waiter = waiters_.front();
    if (waiter == nullptr) {
      return false;
    }
    if (wakes.full()) {
      return true;
    }
    const std::size_t given = std::min(permits_, waiter->remaining);
    waiter->remaining -= given;
    permits_ -= given;
    if (waiter->remaining != 0) {
      return false;  // it keeps its place in front, with what it got so far
    }
    waiters_.pop_front();
    waiter->state = SemaphoreWaiter::State::granted;
    wakes.push(std::move(waiter->waker));
  }
  return false;
}

bool Semaphore::poll_acquire(SemaphoreWaiter& waiter, std::size_t n, const Waker& waker) {
  const std::lock_guard lock(mutex_);
  switch (waiter.state) {
    case SemaphoreWaiter::State::granted:
      waiter.state = SemaphoreWaiter::State::idle;
      return true;
    case SemaphoreWaiter::State::closed:
      waiter.state = SemaphoreWaiter::State::idle;
      throw SemaphoreClosed();
    case SemaphoreWaiter::State::queued:
      if (!waiter.waker.will_wake(waker)) {
        waiter.waker = waker;
      }
      return false;
    case SemaphoreWaiter::State::idle:
      break;
  }
  if (closed_) {
    throw SemaphoreClosed();
  }
  if (permits_ >= n) {  // then nobody waits: a waiter would have taken them
    permits_ -= n;
    return true;
  }
  waiter.wanted = n;
  waiter.remaining = n - permits_;  // take what there is and wait for the rest
  permits_ = 0;
  waiter.waker = waker;
  waiter.state = SemaphoreWaiter::State::queued;
  waiters_.push_back(&waiter);
  return false;
}

void Semaphore::cancel_acquire(SemaphoreWaiter& waiter) noexcept {
  std::unique_lock lock(mutex_);
  std::size_t given_back = 0;
  switch (waiter.state) {
    case SemaphoreWaiter::State::queued:
      waiters_.remove(&waiter);
      given_back = waiter.wanted - waiter.remaining;
      break;
    case SemaphoreWaiter::State::granted:  // handed all it wanted, but never told: pass them on
      given_back = waiter.wanted;
      break;
    case SemaphoreWaiter::State::closed:
    case SemaphoreWaiter::State::idle:
      break;
  }
  waiter.state = SemaphoreWaiter::State::idle;
  Waker dropped = std::move(waiter.waker);  // dropped after unlocking, as any waker
  release_locked(lock, given_back);
}

}  // namespace wakeful
