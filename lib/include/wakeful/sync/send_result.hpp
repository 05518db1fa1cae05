#pragma once
// SendResult<T>: what every channel's send gives back. A send that cannot deliver its value
// hands it back inside a SendError, so nothing is lost and the caller decides what to do with it.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

namespace wakeful {

/// Why a send did not deliver its value.
enum class SendFailure : std::uint8_t {
  closed,  ///< no receiver is left (or the receiver was closed): the value can never be delivered
  full,    ///< try_send only: no room now; a later send may succeed
};

/// A value a send could not deliver, handed back with the reason.
template <class T>
class SendError {
 public:
  /// The undelivered `value`, refused for `reason`.
  SendError(SendFailure reason, T value) : value_(std::move(value)), reason_(reason) {}

  /// Why the value was not delivered.
  [[nodiscard]] SendFailure reason() const noexcept { return reason_; }
  /// True when no receiver will ever take a value.
  [[nodiscard]] bool is_closed() const noexcept { return reason_ == SendFailure::closed; }
  /// True when try_send found no room (the channel is still open).
  [[nodiscard]] bool is_full() const noexcept { return reason_ == SendFailure::full; }
  /// The value handed back.
  [[nodiscard]] T& value() & noexcept { return value_; }
  /// The value handed back.
  [[nodiscard]] const T& value() const& noexcept { return value_; }
  /// The value handed back, moved out.
  [[nodiscard]] T&& value() && noexcept { return std::move(value_); }

 private:
  T value_;
  SendFailure reason_;
};

/// The outcome of a send: delivered (true when tested), or a SendError holding the value back.
/// `if (co_await tx.send(x))` reads as "if it was delivered".
template <class T>
class [[nodiscard]] SendResult {
 public:
  /// A delivered send.
  SendResult() noexcept = default;
  /// A refused send, with its value.
  SendResult(SendError<T> error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  /// True when the value was delivered.
  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  /// Same as ok().
  explicit operator bool() const noexcept { return ok(); }
  /// The refusal, with the value. Throws std::logic_error when the send was delivered.
  [[nodiscard]] SendError<T>& error() & {
    require_error();
    return *error_;
  }
  /// The refusal, with the value, moved out. Throws std::logic_error when the send was delivered.
  [[nodiscard]] SendError<T>&& error() && {
    require_error();
    return std::move(*error_);
  }

 private:
  void require_error() const {
    if (!error_) {
      throw std::logic_error("wakeful: SendResult::error() on a delivered send");
    }
  }

  std::optional<SendError<T>> error_;
};

}  // namespace wakeful
