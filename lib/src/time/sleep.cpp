// Sleep on the worker's timer wheel, and Interval.

#include "wakeful/time/sleep.hpp"

#include <stdexcept>

#include "runtime/worker.hpp"
#include "timer_wheel.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/time/interval.hpp"

namespace wakeful::time {

// The entry's `wheel` is read here without the wheel's lock (to find the lock); every wheel
// operation checks it again under the lock (see detail/timer_entry.hpp).
Sleep::Sleep(Sleep&& other) noexcept : deadline_(other.deadline_) {
  if (detail::TimerWheel* wheel = other.entry_.wheel.load(std::memory_order_acquire)) {
    wheel->relink(other.entry_, entry_);
  }
}

Sleep& Sleep::operator=(Sleep&& other) noexcept {
  if (this != &other) {
    unregister();
    deadline_ = other.deadline_;
    if (detail::TimerWheel* wheel = other.entry_.wheel.load(std::memory_order_acquire)) {
      wheel->relink(other.entry_, entry_);
    }
  }
  return *this;
}

Sleep::~Sleep() { unregister(); }

void Sleep::unregister() noexcept {
  if (detail::TimerWheel* wheel = entry_.wheel.load(std::memory_order_acquire)) {
    wheel->remove(entry_);
  }
}

Poll<void> Sleep::poll(Context& cx) {
  if (!coop::poll_proceed(cx)) {
    return Pending;
  }
  Poll<void> result = poll_unbudgeted(cx);
  if (result.is_pending()) {
    coop::refund();
  }
  return result;
}

Poll<void> Sleep::poll_unbudgeted(Context& cx) {
  detail::Worker* worker = detail::current_worker;
  const Clock::time_point now = worker != nullptr ? worker->clock().now() : Clock::now();
  if (now >= deadline_) {
    unregister();
    return Ready;
  }
  if (detail::TimerWheel* wheel = entry_.wheel.load(std::memory_order_acquire)) {
    // Fired since the load: the wheel found the deadline passed on its clock, which is ours.
    return wheel->update_waker(entry_, cx.waker()) ? Poll<void>(Pending) : Poll<void>(Ready);
  }
  if (worker == nullptr) {
    throw std::logic_error("wakeful: a Sleep was polled outside a runtime worker (timers need a runtime)");
  }
  if (!worker->timers().insert(entry_, deadline_, cx.waker())) {
    return Ready;  // its tick has passed already: due
  }
  return Pending;
}

void Sleep::reset(Clock::time_point deadline) noexcept {
  unregister();
  deadline_ = deadline;
}

Interval::Interval(Clock::duration period, Clock::time_point start) : period_(period), next_(start) {
  if (period <= Clock::duration::zero()) {
    throw std::invalid_argument("wakeful: Interval period must be positive");
  }
}

Poll<Clock::time_point> Interval::poll_tick(Context& cx) {
  if (next_.poll(cx).is_pending()) {
    return Pending;
  }
  const Clock::time_point due = next_.deadline();
  next_.reset(due + period_);
  return due;
}

Clock::time_point now() noexcept {
  const detail::Worker* worker = detail::current_worker;
  return worker != nullptr ? worker->clock().now() : Clock::now();
}

}  // namespace wakeful::time
