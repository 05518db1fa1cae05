#pragma once
// map and then: transform a future's output, or chain a second future after it.

#include <optional>
#include <type_traits>
#include <utility>

#include "wakeful/future.hpp"

namespace wakeful {

namespace detail {
template <class Fn, class T>
struct map_result {
  using type = std::invoke_result_t<Fn, T>;
};
template <class Fn>
struct map_result<Fn, void> {
  using type = std::invoke_result_t<Fn>;
};
template <class Fn, class T>
using map_result_t = typename map_result<Fn, T>::type;
}  // namespace detail

/// The future returned by `map`.
template <Future F, class Fn>
class [[nodiscard]] Map {
 public:
  /// What the function returns for the future's output.
  using Output = detail::map_result_t<Fn, output_of<F>>;

  /// Wraps `future` and `fn`.
  Map(F future, Fn fn) : future_(std::move(future)), fn_(std::move(fn)) {}

  /// Polls the inner future; applies the function once it is ready.
  Poll<Output> poll(Context& cx) { return future_.poll(cx).map(fn_); }

 private:
  F future_;
  Fn fn_;
};

/// A future ready with `fn(output)` once `future` is ready with `output`.
template <Future F, class Fn>
Map<std::decay_t<F>, std::decay_t<Fn>> map(F&& future, Fn&& fn) {
  return {std::forward<F>(future), std::forward<Fn>(fn)};
}

/// The future returned by `then`.
template <Future F, class Fn>
class [[nodiscard]] Then {
 public:
  /// The future the function returns, polled after the first.
  using Second = detail::map_result_t<Fn, output_of<F>>;
  static_assert(Future<Second>, "then(): the function must return a future");

  /// Wraps `future` and `fn`.
  Then(F future, Fn fn) : first_(std::in_place, std::move(future)), fn_(std::move(fn)) {}

  /// Polls the first future; once it is ready, starts and polls the second one.
  Poll<output_of<Second>> poll(Context& cx) {
    if (first_) {
      auto result = first_->poll(cx);
      if (result.is_pending()) {
        return Pending;
      }
      if constexpr (std::is_void_v<output_of<F>>) {
        first_.reset();
        second_.emplace(fn_());
      } else {
        auto value = std::move(result).value();
        first_.reset();
        second_.emplace(fn_(std::move(value)));
      }
    }
    return second_->poll(cx);
  }

 private:
  std::optional<F> first_;
  std::optional<Second> second_;
  Fn fn_;
};

/// Runs `future`, then the future `fn(output)` returns; completes with the second's output.
template <Future F, class Fn>
Then<std::decay_t<F>, std::decay_t<Fn>> then(F&& future, Fn&& fn) {
  return {std::forward<F>(future), std::forward<Fn>(fn)};
}

}  // namespace wakeful
