#pragma once
// poll_io: the readiness loop every socket operation shares.

#include <cerrno>
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

/// Spends one unit of budget, then: waits until `direction` may be ready, runs `op` (one
/// non-blocking system call returning io::Result<T>), and when it would block, clears that
/// readiness and waits again. Readiness is only ever cleared here, after a real would_block.
template <class T, class Op>
Poll<Result<T>> poll_io(ScheduledIo* io, Context& cx, Direction direction, Op&& op) {
  if (io == nullptr) {
    return Poll<Result<T>>(std::in_place, std::make_error_code(std::errc::bad_file_descriptor));
  }
  if (!coop::poll_proceed(cx)) {
    return Pending;
  }
  for (;;) {
    Poll<ReadyEvent> ready = io->poll_ready(cx, direction);
    if (ready.is_pending()) {
      coop::refund();
      return Pending;
    }
    if (ready->runtime_gone) {
      return Poll<Result<T>>(std::in_place, make_error_code(errc::runtime_shut_down));
    }
    Result<T> result = op();
    if (!result.ok() && would_block(result.error())) {
      io->clear_readiness(*ready);
      continue;
    }
    return Poll<Result<T>>(std::in_place, std::move(result));
  }
}

}  // namespace wakeful::io::detail
