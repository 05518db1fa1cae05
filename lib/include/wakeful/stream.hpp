#pragma once
// Stream: a sequence of values over time (futures::Stream), and next() to await the next one.

#include <optional>
#include <type_traits>

#include "wakeful/future.hpp"

namespace wakeful {

namespace detail {
template <class P>
struct is_optional_poll : std::false_type {};
template <class T>
struct is_optional_poll<Poll<std::optional<T>>> : std::true_type {};
}  // namespace detail

/// Anything with `poll_next(Context&)` returning `Poll<std::optional<T>>`: Ready with a value,
/// Ready with std::nullopt once the stream has ended, or Pending (having arranged a wake-up).
template <class S>
concept Stream = requires(S& s, Context& cx) {
  requires detail::is_optional_poll<decltype(s.poll_next(cx))>::value;
};

/// The item type of stream `S`.
template <Stream S>
using item_of = typename decltype(std::declval<S&>().poll_next(std::declval<Context&>()))::value_type::value_type;

/// The future returned by `next`: the stream's next item, or std::nullopt at its end.
template <Stream S>
class [[nodiscard]] Next {
 public:
  /// Borrows `stream` until the future completes or is dropped.
  explicit Next(S& stream) noexcept : stream_(&stream) {}
  /// Polls the stream once.
  Poll<std::optional<item_of<S>>> poll(Context& cx) { return stream_->poll_next(cx); }

 private:
  S* stream_;
};

/// Waits for the next item of `stream` (which must outlive the future):
/// `while (auto item = co_await next(stream)) { ... }`.
template <Stream S>
Next<S> next(S& stream) noexcept {
  return Next<S>(stream);
}

}  // namespace wakeful
