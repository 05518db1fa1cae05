#pragma once
// WithDeadline: a future that gives up on another at a deadline, with one timer per connection.
//
// A connection changes deadlines on every request (header, idle, write). Moving a timer in the
// wheel each time would cost more than the request's parsing, so the timer is moved lazily: it
// may stay set earlier than the current deadline; when it fires early it is simply set again.
// Only a deadline earlier than the timer's moves it at once.

#include <chrono>
#include <optional>
#include <utility>

#include "wakeful/future.hpp"
#include "wakeful/time/sleep.hpp"

namespace httpd {

using Clock = wakeful::time::Clock;

template <wakeful::Future F>
class [[nodiscard]] WithDeadline {
 public:
  using Output = wakeful::output_of<F>;

  WithDeadline(F inner, wakeful::time::Sleep& timer, Clock::time_point deadline)
      : inner_(std::move(inner)), timer_(&timer), deadline_(deadline) {}

  /// The inner future's output, or nullopt once the deadline has passed.
  wakeful::Poll<std::optional<Output>> poll(wakeful::Context& cx) {
    auto result = inner_.poll(cx);
    if (result.is_ready()) {
      if constexpr (std::is_void_v<Output>) {
        return std::optional<Output>(std::in_place);
      } else {
        return std::optional<Output>(std::in_place, std::move(result).value());
      }
    }
    for (;;) {
      if (timer_->deadline() > deadline_) {
        timer_->reset(deadline_);
      }
      if (timer_->poll_unbudgeted(cx).is_pending()) {
        return wakeful::Pending;
      }
      if (Clock::now() >= deadline_) {
        return std::optional<Output>();
      }
      timer_->reset(deadline_);  // it fired for an earlier deadline
    }
  }

 private:
  F inner_;
  wakeful::time::Sleep* timer_;
  Clock::time_point deadline_;
};

/// `inner`, or nullopt at `deadline`, timed by `timer`.
template <wakeful::Future F>
WithDeadline<F> with_deadline(F inner, wakeful::time::Sleep& timer, Clock::time_point deadline) {
  return WithDeadline<F>(std::move(inner), timer, deadline);
}

}  // namespace httpd
