#pragma once
// io::Result<T>: a value or a std::error_code, the output of every I/O future.
//
// Futures cannot use Asio's `std::error_code&` out-parameters, and C++20 has no std::expected,
// so I/O futures complete with this small equivalent. `value()` throws std::system_error on an
// error, for code that prefers exceptions.

#include <cassert>
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

/// Either a `T` or an error.
template <class T>
class [[nodiscard]] Result {
 public:
  /// A successful result.
  Result(T value) : value_(std::in_place, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A failed result; `error` must be an error.
  Result(std::error_code error) noexcept : error_(error) {  // NOLINT(google-explicit-constructor)
    assert(error);
  }

  /// True when this holds a value.
  [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
  /// Same as `ok()`.
  explicit operator bool() const noexcept { return ok(); }

  /// The error, or an empty error_code on success.
  [[nodiscard]] std::error_code error() const noexcept { return error_; }

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
      throw std::system_error(error_);
    }
  }

  // Not a std::variant: on the I/O hot path its visitation costs more than the spare bytes.
  std::optional<T> value_;
  std::error_code error_;
};

/// The result of an operation with no value: success or an error.
template <>
class [[nodiscard]] Result<void> {
 public:
  /// Success.
  Result() noexcept = default;
  /// Success if `error` is empty, else that error.
  Result(std::error_code error) noexcept : error_(error) {}  // NOLINT(google-explicit-constructor)

  /// True on success.
  [[nodiscard]] bool ok() const noexcept { return !error_; }
  /// Same as `ok()`.
  explicit operator bool() const noexcept { return ok(); }
  /// The error, or an empty error_code.
  [[nodiscard]] std::error_code error() const noexcept { return error_; }
  /// Throws std::system_error on an error.
  void value() const {
    if (error_) {
      throw std::system_error(error_);
    }
  }

 private:
  std::error_code error_;
};

}  // namespace wakeful::io

template <>
struct std::is_error_code_enum<wakeful::io::errc> : std::true_type {};
