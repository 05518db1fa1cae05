// Sleep and Interval on the worker's io_context.

#include "wakeful/time/sleep.hpp"

#include <stdexcept>

#include <asio/error.hpp>

#include "wakeful/coop.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/time/interval.hpp"

namespace wakeful::time {

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
  if (Clock::now() >= deadline_) {
    return Ready;
  }
  if (!timer_) {
    timer_.emplace(current_io_context().get_executor());
    arm(cx.waker());
  } else {
    const RawWaker& current = cx.waker().as_raw();
    if (current.data != armed_with_.data || current.vtable != armed_with_.vtable) {
      arm(cx.waker());  // first poll after reset, or the future moved to another task
    }
  }
  return Pending;
}

void Sleep::reset(Clock::time_point deadline) {
  deadline_ = deadline;
  armed_with_ = RawWaker{nullptr, nullptr};  // re-arm at the next poll
}

// The handler owns a clone of the waker and nothing else: it may run after the Sleep is gone,
// with operation_aborted, and then must not wake anyone.
void Sleep::arm(const Waker& waker) {
  timer_->expires_at(deadline_);  // also cancels a wait armed with another waker
  timer_->async_wait([waker = Waker(waker)](const asio::error_code& error) mutable {
    if (error != asio::error::operation_aborted) {
      std::move(waker).wake();
    }
  });
  armed_with_ = waker.as_raw();
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

}  // namespace wakeful::time
