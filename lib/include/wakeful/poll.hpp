#pragma once
// Poll<T>: the result of polling a future, Rust's std::task::Poll.

#include <cassert>
#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

namespace wakeful {

/// Tag for a pending result: `return wakeful::Pending;` from any `poll`.
struct PendingTag {
  explicit constexpr PendingTag() = default;
};
/// The pending result, convertible to every `Poll<T>`.
inline constexpr PendingTag Pending{};

/// Tag for the ready result of a `Poll<void>`: `return wakeful::Ready;`.
struct ReadyTag {
  explicit constexpr ReadyTag() = default;
};
/// The ready result of a `Poll<void>`.
inline constexpr ReadyTag Ready{};

template <class T>
class Poll;

namespace detail {
/// What converts implicitly to a ready `Poll<T>`: anything `T` can be built from, except a Poll
/// or the Pending tag.
template <class U, class T>
concept ready_value_for = std::constructible_from<T, U&&> && !std::same_as<std::remove_cvref_t<U>, Poll<T>> &&
                          !std::same_as<std::remove_cvref_t<U>, PendingTag>;
}  // namespace detail

/// Either `Ready(value)` or `Pending`. A `T` converts to a ready Poll, `wakeful::Pending` to a
/// pending one, so a poll function reads `return value;` or `return Pending;`.
template <class T>
class [[nodiscard]] Poll {
  static_assert(std::is_object_v<T>, "Poll<T> holds an object type (or void)");

 public:
  /// The type of the value when ready.
  using value_type = T;

  /// A pending result.
  constexpr Poll(PendingTag /*unused*/) noexcept {}  // NOLINT(google-explicit-constructor)

  /// A ready result holding `value`.
  template <detail::ready_value_for<T> U = T>
  // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload): by design
  constexpr Poll(U&& value) : value_(std::in_place, std::forward<U>(value)) {}

  /// A ready result whose value is constructed in place from `args`.
  template <class... Args>
  constexpr explicit Poll(std::in_place_t /*unused*/, Args&&... args)
      : value_(std::in_place, std::forward<Args>(args)...) {}

  /// True when the result holds a value.
  [[nodiscard]] constexpr bool is_ready() const noexcept { return value_.has_value(); }
  /// True when no value is available yet.
  [[nodiscard]] constexpr bool is_pending() const noexcept { return !value_.has_value(); }

  /// The value; only valid when `is_ready()`.
  constexpr T& value() & noexcept {
    assert(is_ready());
    return *value_;
  }
  /// The value; only valid when `is_ready()`.
  constexpr const T& value() const& noexcept {
    assert(is_ready());
    return *value_;
  }
  /// Moves the value out; only valid when `is_ready()`.
  constexpr T&& value() && noexcept {
    assert(is_ready());
    return std::move(*value_);
  }
  /// Shorthand for `value()`.
  constexpr T& operator*() & noexcept { return value(); }
  /// Shorthand for `std::move(*this).value()`.
  constexpr T&& operator*() && noexcept { return std::move(*this).value(); }
  /// Member access to the value; only valid when `is_ready()`.
  constexpr T* operator->() noexcept { return &value(); }

  /// Applies `fn` to a ready value; a pending result stays pending.
  template <class Fn>
  constexpr auto map(Fn&& fn) && -> Poll<std::invoke_result_t<Fn, T&&>> {
    using U = std::invoke_result_t<Fn, T&&>;
    if (is_pending()) {
      return Pending;
    }
    if constexpr (std::is_void_v<U>) {
      std::forward<Fn>(fn)(std::move(*value_));
      return Ready;
    } else {
      return Poll<U>(std::in_place, std::forward<Fn>(fn)(std::move(*value_)));
    }
  }

 private:
  std::optional<T> value_;
};

/// `Poll<void>`: ready or pending, with no value.
template <>
class [[nodiscard]] Poll<void> {
 public:
  /// No value: Poll<void> only says ready or pending.
  using value_type = void;

  /// A pending result.
  constexpr Poll(PendingTag /*unused*/) noexcept {}  // NOLINT(google-explicit-constructor)
  /// A ready result.
  constexpr Poll(ReadyTag /*unused*/) noexcept : ready_(true) {}  // NOLINT(google-explicit-constructor)

  /// True when ready.
  [[nodiscard]] constexpr bool is_ready() const noexcept { return ready_; }
  /// True when pending.
  [[nodiscard]] constexpr bool is_pending() const noexcept { return !ready_; }

  /// Calls `fn()` when ready and wraps its result; a pending result stays pending.
  template <class Fn>
  constexpr auto map(Fn&& fn) && -> Poll<std::invoke_result_t<Fn>> {
    using U = std::invoke_result_t<Fn>;
    if (!ready_) {
      return Pending;
    }
    if constexpr (std::is_void_v<U>) {
      std::forward<Fn>(fn)();
      return Ready;
    } else {
      return Poll<U>(std::in_place, std::forward<Fn>(fn)());
    }
  }

 private:
  bool ready_ = false;
};

namespace detail {
template <class P>
struct is_poll : std::false_type {};
template <class T>
struct is_poll<Poll<T>> : std::true_type {};
}  // namespace detail

/// True for every `Poll<T>`.
template <class P>
inline constexpr bool is_poll_v = detail::is_poll<std::remove_cvref_t<P>>::value;

}  // namespace wakeful
