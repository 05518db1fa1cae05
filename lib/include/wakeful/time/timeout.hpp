#pragma once
// timeout: a deadline for any future.

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wakeful/detail/move_pin.hpp"
#include "wakeful/future.hpp"
#include "wakeful/time/sleep.hpp"

namespace wakeful::detail {
inline constexpr char timeout_type_name[] = "timeout";
}  // namespace wakeful::detail

namespace wakeful::time {

/// The future returned by `timeout`: the inner future's output, or std::nullopt once the
/// deadline passed first, in which case the inner future has been destroyed.
///
/// Moving a Timeout after its first poll aborts when its inner future may not move once polled
/// (mpsc::Send, Notified; see wakeful/detail/move_pin.hpp).
template <Future F>
class [[nodiscard]] Timeout {
 public:
  /// The future's output, or std::nullopt when the deadline passed first.
  using Output = std::optional<value_or_monostate<output_of<F>>>;
  /// See wakeful/detail/move_pin.hpp.
  static constexpr bool pinned_once_polled = wakeful::detail::pinned_once_polled<F>;

  /// Runs `inner` until `deadline`.
  Timeout(F inner, Clock::time_point deadline) : inner_(std::in_place, std::move(inner)), sleep_(deadline) {}

  /// Polls the inner future first (a result that is ready at the deadline still counts), then
  /// the deadline (without spending budget).
  Poll<Output> poll(Context& cx) {
    pin_.polled();
    if (!inner_) {
      throw std::logic_error("wakeful: timeout polled after completion");
    }
    auto result = inner_->poll(cx);
    if (result.is_ready()) {
      inner_.reset();
      if constexpr (std::is_void_v<output_of<F>>) {
        return Poll<Output>(std::in_place, std::in_place);
      } else {
        return Poll<Output>(std::in_place, std::in_place, std::move(result).value());
      }
    }
    if (sleep_.poll_unbudgeted(cx).is_ready()) {
      inner_.reset();
      return Poll<Output>(std::in_place, std::nullopt);
    }
    return Pending;
  }

 private:
  [[no_unique_address]] wakeful::detail::MovePin<wakeful::detail::timeout_type_name, pinned_once_polled>
      pin_;  // checked first
  std::optional<F> inner_;
  Sleep sleep_;
};

/// Runs `future` for at most `duration`: its output, or std::nullopt if the time ran out first
/// (the future is then dropped).
template <SpawnableFuture F>
Timeout<std::decay_t<F>> timeout(Clock::duration duration, F&& future) {
  return Timeout<std::decay_t<F>>(std::forward<F>(future), Clock::now() + duration);
}

/// As `timeout`, with an absolute deadline.
template <SpawnableFuture F>
Timeout<std::decay_t<F>> timeout_at(Clock::time_point deadline, F&& future) {
  return Timeout<std::decay_t<F>>(std::forward<F>(future), deadline);
}

}  // namespace wakeful::time
