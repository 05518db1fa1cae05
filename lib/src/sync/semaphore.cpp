// Semaphore; the protocol is described in wakeful/sync/semaphore.hpp.

#include "wakeful/sync/semaphore.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>

namespace wakeful {

using detail::SemaphoreWaiter;

Semaphore::Semaphore(std::size_t permits) : word_(permits << permit_shift) {
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

bool Semaphore::try_take(std::size_t n, bool& closed) noexcept {
  std::size_t word = word_.load(std::memory_order_relaxed);
  for (;;) {
    closed = (word & closed_bit) != 0;
    if (closed || (word >> permit_shift) < n) {
      return false;
    }
    if (word_.compare_exchange_weak(word, word - (n << permit_shift), std::memory_order_acquire,
                                    std::memory_order_relaxed)) {
      return true;
    }
  }
}

std::optional<SemaphorePermit> Semaphore::try_acquire(std::size_t n) {
  bool closed = false;
  if (!try_take(n, closed)) {
    return std::nullopt;
  }
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
  // Only acquires run beside this (releases take the lock), and they only lower the count.
  if (n > max_permits - (word_.load(std::memory_order_relaxed) >> permit_shift)) {
    throw std::overflow_error("wakeful: Semaphore::add_permits beyond Semaphore::max_permits");
  }
  release_locked(lock, n);
}

std::size_t Semaphore::available_permits() const noexcept {
  return word_.load(std::memory_order_relaxed) >> permit_shift;
}

void Semaphore::close() {
  detail::WakeList wakes;
  std::unique_lock lock(mutex_);
  word_.fetch_or(closed_bit, std::memory_order_relaxed);
  while (SemaphoreWaiter* waiter = waiters_.front()) {
    if (wakes.full()) {
      lock.unlock();  // nobody joins the line once the closed bit is set
      wakes.wake_all();
      lock.lock();
      continue;
    }
    waiters_.pop_front();
    // What it had been handed comes back to the free count.
    word_.fetch_add((waiter->wanted - waiter->remaining) << permit_shift, std::memory_order_release);
    wakes.push(std::move(waiter->waker));
    waiter->state.store(SemaphoreWaiter::State::closed, std::memory_order_release);  // last: its future may go now
  }
  lock.unlock();
  wakes.wake_all();
}

bool Semaphore::is_closed() const noexcept { return (word_.load(std::memory_order_relaxed) & closed_bit) != 0; }

void Semaphore::release(std::size_t n) noexcept {
  std::unique_lock lock(mutex_);
  release_locked(lock, n);
}

void Semaphore::release_locked(std::unique_lock<detail::Mutex>& lock, std::size_t n) noexcept {
  detail::WakeList wakes;
  while (n != 0) {
    SemaphoreWaiter* waiter = waiters_.front();
    if (waiter == nullptr) {
      word_.fetch_add(n << permit_shift, std::memory_order_release);
      break;
    }
    if (wakes.full()) {
      lock.unlock();  // the permits in hand stay out of the count: they are the waiters'
      wakes.wake_all();
      lock.lock();
      continue;
    }
    const std::size_t given = std::min(n, waiter->remaining);
    waiter->remaining -= given;
    n -= given;
    if (waiter->remaining != 0) {
      break;  // it keeps its place in front, with what it got so far (n is 0)
    }
    waiters_.pop_front();
    wakes.push(std::move(waiter->waker));
    waiter->state.store(SemaphoreWaiter::State::granted, std::memory_order_release);  // last: its future may go now
  }
  lock.unlock();
  wakes.wake_all();
}

namespace {

// A waiter the semaphore has answered takes the answer: true when granted, SemaphoreClosed when
// closed (either way it is idle again); false while it has none.
bool take_answer(SemaphoreWaiter& waiter, SemaphoreWaiter::State state) {
  if (state != SemaphoreWaiter::State::granted && state != SemaphoreWaiter::State::closed) {
    return false;
  }
  waiter.state.store(SemaphoreWaiter::State::idle, std::memory_order_relaxed);
  if (state == SemaphoreWaiter::State::closed) {
    throw SemaphoreClosed();
  }
  return true;
}

}  // namespace

bool Semaphore::poll_acquire(SemaphoreWaiter& waiter, std::size_t n, const Waker& waker) {
  // Granted or closed while waiting: the state was published last, without a lock to take.
  const SemaphoreWaiter::State seen = waiter.state.load(std::memory_order_acquire);
  if (take_answer(waiter, seen)) {
    return true;
  }
  if (seen == SemaphoreWaiter::State::idle) {
    bool closed = false;
    if (try_take(n, closed)) {
      return true;  // enough free permits, so nobody waits
    }
    if (closed) {
      throw SemaphoreClosed();
    }
  }

  const std::lock_guard lock(mutex_);
  const SemaphoreWaiter::State now = waiter.state.load(std::memory_order_relaxed);
  if (take_answer(waiter, now)) {
    return true;
  }
  if (now == SemaphoreWaiter::State::queued) {
    if (!waiter.waker.will_wake(waker)) {
      waiter.waker = waker;
    }
    return false;
  }
  // Not enough free permits, as seen without the lock; acquires may still take some meanwhile,
  // but no release adds any while the lock is held.
  std::size_t word = word_.load(std::memory_order_relaxed);
  for (;;) {
    if ((word & closed_bit) != 0) {
      throw SemaphoreClosed();
    }
    const std::size_t free = word >> permit_shift;
    if (free >= n) {
      if (word_.compare_exchange_weak(word, word - (n << permit_shift), std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return true;
      }
      continue;
    }
    if (word_.compare_exchange_weak(word, word & closed_bit, std::memory_order_acquire, std::memory_order_relaxed)) {
      // Take what there is and wait for the rest.
      waiter.wanted = n;
      waiter.remaining = n - free;
      break;
    }
  }
  waiter.waker = waker;
  waiter.state.store(SemaphoreWaiter::State::queued, std::memory_order_relaxed);
  waiters_.push_back(&waiter);
  return false;
}

void Semaphore::cancel_acquire(SemaphoreWaiter& waiter) noexcept {
  std::unique_lock lock(mutex_);
  std::size_t given_back = 0;
  switch (waiter.state.load(std::memory_order_relaxed)) {
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
  waiter.state.store(SemaphoreWaiter::State::idle, std::memory_order_relaxed);
  Waker dropped = std::move(waiter.waker);  // dropped after unlocking, as any waker
  release_locked(lock, given_back);
}

}  // namespace wakeful
