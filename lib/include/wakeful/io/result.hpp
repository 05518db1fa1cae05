#pragma once
// io::Result<T>: a value or a std::error_code, the output of every I/O future.
//
// Futures cannot use Asio's `std::error_code&` out-parameters, and C++20 has no std::expected,
// so I/O futures complete with this small equivalent. `value()` throws std::system_error on an
// error, for code that prefers exceptions.

#include <cassert>
#include <cerrno>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace wakeful::io {

/// Errors that wakeful itself reports (system errors keep their own categories).
enum class errc {
  runtime_shut_down = 1,  ///< the runtime that owns the I/O object has stopped
  not_on_worker,          ///< an I/O object was created outside a runtime worker
};

/// The category of `io::errc`.
const std::error_category& error_category() noexcept;

/// Makes an error_code of wakeful's category.
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// The calling thread's `errno` as a system error_code, for operations built on system calls.
inline std::error_code last_error() noexcept {
  static const std::error_category& system = std::system_category();
  return {errno, system};
}

/// An error type other than std::error_code that converts to one: Boost.Asio's
/// boost::system::error_code.
template <class E>
concept ConvertibleErrorCode = std::is_convertible_v<const E&, std::error_code> && !std::is_same_v<E, std::error_code>;

/// Either a `T` or an error.
template <class T>
class [[nodiscard]] Result {
 public:
  /// A successful result.
  Result(T value) : value_(std::in_place, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A failed result; `error` must be an error.
  Result(std::error_code error) noexcept  // NOLINT(google-explicit-constructor)
      : error_value_(error.value()), error_category_(&error.category()) {
    assert(error);
  }
  /// A failed result from another error type; `error` must be an error.
  template <ConvertibleErrorCode E>
  Result(const E& error)  // NOLINT(google-explicit-constructor)
      : Result(std::error_code(error)) {}

  /// True when this holds a value.
  [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
  /// Same as `ok()`.
  explicit operator bool() const noexcept { return ok(); }

  /// The error, or an empty error_code on success.
  [[nodiscard]] std::error_code error() const noexcept {
    return ok() ? std::error_code() : std::error_code(error_value_, *error_category_);
  }

  /// The value; throws std::system_error when this holds an error.
  T& value() & {
    throw_if_error();
    return *value_;
  }
  /// The value; throws std::system_error when this holds an error.
  const T& value() const& {
    throw_if_error();
    return *value_;
  }
  /// The value, moved out; throws std::system_error when this holds an error.
  T&& value() && {
    throw_if_error();
    return std::move(*value_);
  }
  /// The value; only valid when `ok()`.
  T& operator*() & noexcept { return *value_; }
  /// The value; only valid when `ok()`.
  const T& operator*() const& noexcept { return *value_; }
  /// Member access to the value; only valid when `ok()`.
  T* operator->() noexcept { return &*value_; }
  /// Member access to the value; only valid when `ok()`.
  const T* operator->() const noexcept { return &*value_; }

 private:
  void throw_if_error() const {
    if (!ok()) {
      throw std::system_error(error());
    }
  }

  // Not a std::variant: on the I/O hot path its visitation costs more than the spare bytes. The
  // error is kept as its two parts, not as a std::error_code, whose default constructor calls
  // std::system_category() (out of line) for every successful result.
  std::optional<T> value_;
  int error_value_ = 0;
  const std::error_category* error_category_ = nullptr;
};

/// The result of an operation with no value: success or an error.
template <>
class [[nodiscard]] Result<void> {
 public:
  /// Success.
  Result() noexcept = default;
  /// Success if `error` is empty, else that error.
  Result(std::error_code error) noexcept  // NOLINT(google-explicit-constructor)
      : error_value_(error.value()), error_category_(error ? &error.category() : nullptr) {}
  /// Success if `error` is empty, else that error, from another error type.
  template <ConvertibleErrorCode E>
  Result(const E& error)  // NOLINT(google-explicit-constructor)
      : Result(std::error_code(error)) {}

  /// True on success.
  [[nodiscard]] bool ok() const noexcept { return error_category_ == nullptr; }
  /// Same as `ok()`.
  explicit operator bool() const noexcept { return ok(); }
  /// The error, or an empty error_code.
  [[nodiscard]] std::error_code error() const noexcept {
    return ok() ? std::error_code() : std::error_code(error_value_, *error_category_);
  }
  /// Throws std::system_error on an error.
  void value() const {
    if (!ok()) {
      throw std::system_error(error());
    }
  }

 private:
  int error_value_ = 0;  // kept in two parts, as in Result<T>
  const std::error_category* error_category_ = nullptr;
};

}  // namespace wakeful::io

/// \cond
// Makes io::errc convert to std::error_code (Doxygen cannot place a specialisation of std::).
template <>
struct std::is_error_code_enum<wakeful::io::errc> : std::true_type {};
/// \endcond
