#pragma once
// BlockingCall<F>: the future a spawn_blocking task runs, on a blocking-pool thread.

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

#include "wakeful/context.hpp"
#include "wakeful/poll.hpp"

namespace wakeful {

/// What spawn_blocking accepts: a callable that can be stored (decay-copied or moved) and called
/// once as an rvalue.
template <class F>
concept BlockingCallable = std::invocable<std::decay_t<F> &&>&& std::constructible_from<std::decay_t<F>, F&&>;

/// The result type of blocking callable `F`.
template <BlockingCallable F>
using blocking_output_of = std::invoke_result_t<std::decay_t<F>&&>;

}  // namespace wakeful

namespace wakeful::detail {

/// Calls `F` at its first poll (the task polls it once), and is Ready with its result: never Pending, so the task
/// that runs it needs no waker and no worker. Its exception, if it throws, is the task's.
template <class F>
class BlockingCall {
 public:
  using Output = std::invoke_result_t<F&&>;

  template <class G>
  requires std::constructible_from<F, G&&>
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): not a copy constructor
  explicit BlockingCall(G&& f) noexcept(std::is_nothrow_constructible_v<F, G&&>) : f_(std::forward<G>(f)) {}

  /// Runs the call; Ready with its result.
  Poll<Output> poll(Context& /*cx*/) {
    if constexpr (std::is_void_v<Output>) {
      std::invoke(std::move(f_));
      return Ready;
    } else {
      return Poll<Output>(std::in_place, std::invoke(std::move(f_)));
    }
  }

 private:
  F f_;
};

}  // namespace wakeful::detail
