// Notify and Notified; the protocol is described in wakeful/sync/notify.hpp.

#include "wakeful/sync/notify.hpp"

#include <cassert>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace wakeful {

namespace {

constexpr std::uint64_t state_empty = 0;
constexpr std::uint64_t state_waiting = 1;
constexpr std::uint64_t state_notified = 2;
constexpr std::uint64_t state_mask = 3;
constexpr std::uint64_t generation_one = 4;

constexpr std::uint64_t get_state(std::uint64_t word) noexcept { return word & state_mask; }
constexpr std::uint64_t set_state(std::uint64_t word, std::uint64_t state) noexcept {
  return (word & ~state_mask) | state;
}
constexpr std::uint64_t generation(std::uint64_t word) noexcept { return word & ~state_mask; }

}  // namespace

// --- Notify ---------------------------------------------------------------------------------------

Notify::~Notify() { assert(waiters_.empty() && "a Notified future outlived its Notify"); }

Notified Notify::notified() noexcept { return Notified(*this, generation(state_.load(std::memory_order_seq_cst))); }

void Notify::notify_one() {
  std::uint64_t word = state_.load(std::memory_order_seq_cst);
  while (get_state(word) != state_waiting) {
    if (get_state(word) == state_notified) {
      return;
    }
    if (state_.compare_exchange_weak(word, set_state(word, state_notified), std::memory_order_seq_cst)) {
      return;
    }
  }
  Waker waker;
  {
    const std::lock_guard lock(mutex_);
    waker = notify_one_locked();
  }
  std::move(waker).wake();
}

Waker Notify::notify_one_locked() {
  Notified* waiter = waiters_.pop_front();
  if (waiter == nullptr) {
    // EMPTY or NOTIFIED: a lock-free first poll may take a permit meanwhile.
    std::uint64_t word = state_.load(std::memory_order_seq_cst);
    while (!state_.compare_exchange_weak(word, set_state(word, state_notified), std::memory_order_seq_cst)) {
    }
    return {};
  }
  if (waiters_.empty()) {  // WAITING, which nothing changes without the lock
    state_.store(set_state(state_.load(std::memory_order_relaxed), state_empty), std::memory_order_seq_cst);
  }
  waiter->notification_.store(Notified::Notification::one, std::memory_order_release);
  return std::move(waiter->waker_);
}

void Notify::notify_waiters() {
  std::vector<Waker> wakers;
  {
    const std::lock_guard lock(mutex_);
    const std::uint64_t word = state_.fetch_add(generation_one, std::memory_order_seq_cst) + generation_one;
    if (get_state(word) == state_waiting) {
      state_.store(set_state(word, state_empty), std::memory_order_seq_cst);
    }
    while (Notified* waiter = waiters_.pop_front()) {
      waiter->notification_.store(Notified::Notification::all, std::memory_order_release);
      wakers.push_back(std::move(waiter->waker_));
    }
  }
  for (Waker& waker : wakers) {
    std::move(waker).wake();
  }
}

// --- Notified -------------------------------------------------------------------------------------

Notified::Notified(Notified&& other) noexcept
    : pin_(std::move(other.pin_)), notify_(other.notify_), generation_(other.generation_), stage_(other.stage_) {
  other.stage_ = Stage::done;
}

Notified::~Notified() {
  if (stage_ != Stage::waiting) {
    return;
  }
  Waker forwarded;
  {
    const std::lock_guard lock(notify_->mutex_);
    switch (notification_.load(std::memory_order_relaxed)) {
      case Notification::none: {
        notify_->waiters_.remove(this);
        const std::uint64_t word = notify_->state_.load(std::memory_order_relaxed);
        if (notify_->waiters_.empty() && get_state(word) == state_waiting) {
          notify_->state_.store(set_state(word, state_empty), std::memory_order_seq_cst);
        }
        break;
      }
      case Notification::one:
        forwarded = notify_->notify_one_locked();  // received but never reported: pass it on
        break;
      case Notification::all:
        break;
    }
  }
  std::move(forwarded).wake();
}

Poll<void> Notified::poll(Context& cx) {
  pin_.polled();
  switch (stage_) {
    case Stage::done:
      throw std::logic_error("wakeful: Notified polled after completion");
    case Stage::waiting:
      if (notification_.load(std::memory_order_acquire) != Notification::none) {
        stage_ = Stage::done;
        return Ready;
      }
      {
        const std::lock_guard lock(notify_->mutex_);
        if (notification_.load(std::memory_order_relaxed) != Notification::none) {
          stage_ = Stage::done;
          return Ready;
        }
        if (!waker_.will_wake(cx.waker())) {
          waker_ = cx.waker();
        }
      }
      return Pending;
    case Stage::init:
      break;
  }

  // First poll: take a stored permit without locking if there is one.
  std::atomic<std::uint64_t>& state = notify_->state_;
  std::uint64_t word = state.load(std::memory_order_seq_cst);
  for (;;) {
    if (generation(word) != generation_) {
      stage_ = Stage::done;  // notify_waiters() ran after this future was created
      return Ready;
    }
    if (get_state(word) != state_notified) {
      break;
    }
    if (state.compare_exchange_weak(word, set_state(word, state_empty), std::memory_order_seq_cst)) {
      stage_ = Stage::done;
      return Ready;
    }
  }

  // EMPTY or NOTIFIED may still change under us (notify_one and first polls go lock-free
  // while nobody waits), hence compare-and-swap even with the lock held.
  const std::lock_guard lock(notify_->mutex_);
  word = state.load(std::memory_order_seq_cst);
  for (;;) {
    if (generation(word) != generation_) {
      stage_ = Stage::done;
      return Ready;
    }
    if (get_state(word) == state_notified) {
      if (state.compare_exchange_weak(word, set_state(word, state_empty), std::memory_order_seq_cst)) {
        stage_ = Stage::done;
        return Ready;
      }
      continue;
    }
    if (get_state(word) == state_waiting ||
        state.compare_exchange_weak(word, set_state(word, state_waiting), std::memory_order_seq_cst)) {
      break;
    }
  }
  waker_ = cx.waker();
  notify_->waiters_.push_back(this);
  stage_ = Stage::waiting;
  return Pending;
}

}  // namespace wakeful
