#pragma once
// poll_io: the readiness loop every socket operation shares.

#include <cerrno>
#include <cstddef>
#include <system_error>

#include "scheduled_io.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/io/result.hpp"

namespace wakeful::io::detail {

// Compared by value: comparing an error_code with std::errc goes through two virtual calls of
// the categories, on the hottest path there is.
inline bool would_block(const std::error_code& error) noexcept {
  static const std::error_category& system = std::system_category();
  return (error.value() == EAGAIN || error.value() == EWOULDBLOCK) && error.category() == system;
}

inline std::error_code last_error() noexcept {
  static const std::error_category& system = std::system_category();
  return {errno, system};
}

/// For operations whose result never shows the socket drained.
struct NeverDrained {
  template <class T>
  constexpr bool operator()(const T& /*result*/) const noexcept {
    return false;
  }
};

/// The `drained` of a byte transfer that offered `offered` bytes: some moved, but fewer.
struct ShortTransfer {
  std::size_t offered;
  constexpr bool operator()(std::size_t moved) const noexcept { return moved > 0 && moved < offered; }
};

/// Spends one unit of budget, then: waits until `direction` may be ready, runs `op` (one
/// non-blocking system call returning io::Result<T>), and when it would block, clears that
/// readiness and waits again. Readiness is cleared only here: after a real would_block, or
/// when `drained` says that a successful result shows the socket drained in that direction
/// (see scheduled_io.hpp).
template <class T, class Op, class Drained = NeverDrained>
Poll<Result<T>> poll_io(ScheduledIo* io, Context& cx, Direction direction, Op&& op, Drained drained = {}) {
  if (io == nullptr) {
    return Poll<Result<T>>(std::in_place, std::make_error_code(std::errc::bad_file_descriptor));
  }
  if (!coop::poll_proceed(cx)) {
    return Pending;
  }
  for (;;) {
    const ReadyState ready = io->poll_ready_state(cx, direction);
    if (!ready.is_ready()) {
      coop::refund();
      return Pending;
    }
    if (ready.runtime_gone()) {
      return Poll<Result<T>>(std::in_place, make_error_code(errc::runtime_shut_down));
    }
    Result<T> result = op();
    if (!result.ok() && would_block(result.error())) {
      io->clear_readiness(direction, ready);
      continue;
    }
    if (result.ok() && drained(*result)) {
      io->clear_readiness(direction, ready);
    }
    return Poll<Result<T>>(std::in_place, std::move(result));
  }
}

}  // namespace wakeful::io::detail
