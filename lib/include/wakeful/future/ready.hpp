#pragma once
// ready(v) and pending<T>(): the two trivial futures.

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wakeful/future.hpp"

namespace wakeful {

/// A future that is ready with its value at the first poll (`std::future::ready`).
template <class T>
class [[nodiscard]] ReadyFuture {
 public:
  /// Holds `value` until the first poll.
  explicit ReadyFuture(T value) : value_(std::move(value)) {}

  /// Ready with the value; throws std::logic_error if polled again after that.
  Poll<T> poll(Context& /*cx*/) {
    if (!value_) {
      throw std::logic_error("wakeful: ready() polled after completion");
    }
    Poll<T> result(std::in_place, std::move(*value_));
    value_.reset();
    return result;
  }

 private:
  std::optional<T> value_;
};

/// The `ReadyFuture` for no value.
template <>
class [[nodiscard]] ReadyFuture<void> {
 public:
  /// Always ready.
  Poll<void> poll(Context& /*cx*/) noexcept { return wakeful::Ready; }
};

/// A future ready at once with `value`.
template <class T>
ReadyFuture<std::decay_t<T>> ready(T&& value) {
  return ReadyFuture<std::decay_t<T>>(std::forward<T>(value));
}

/// A future ready at once with no value.
inline ReadyFuture<void> ready() noexcept { return {}; }

/// A future that never completes (`std::future::pending`); useful in select and in tests.
template <class T = void>
class [[nodiscard]] PendingFuture {
 public:
  /// Always pending; it never wakes anyone.
  Poll<T> poll(Context& /*cx*/) noexcept { return Pending; }
};

/// A future of `T` that never completes.
template <class T = void>
PendingFuture<T> pending() noexcept {
  return {};
}

}  // namespace wakeful
