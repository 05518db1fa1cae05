#pragma once
// poll_fn: a future from a function of the Context.

#include <concepts>
#include <type_traits>
#include <utility>

#include "wakeful/future.hpp"

namespace wakeful {

/// A future whose poll calls `fn(cx)`; `fn` returns a `Poll<T>` (`std::future::poll_fn`).
template <class Fn>
class [[nodiscard]] PollFn {
 public:
  /// Wraps `fn`.
  explicit PollFn(Fn fn) : fn_(std::move(fn)) {}

  /// Calls the function.
  auto poll(Context& cx) -> std::invoke_result_t<Fn&, Context&> { return fn_(cx); }

 private:
  Fn fn_;
};

/// A function of the Context that returns a Poll: what poll_fn wraps.
template <class Fn>
concept PollFunction = std::invocable < std::decay_t<Fn>
&, Context& > &&is_poll_v<std::invoke_result_t<std::decay_t<Fn>&, Context&>>;

/// A future that calls `fn(cx)` each time it is polled.
template <PollFunction Fn>
PollFn<std::decay_t<Fn>> poll_fn(Fn&& fn) {
  return PollFn<std::decay_t<Fn>>(std::forward<Fn>(fn));
}

}  // namespace wakeful
