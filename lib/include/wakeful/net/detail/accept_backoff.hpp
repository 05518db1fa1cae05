#pragma once
// AcceptBackoff: what a listener does when accept fails for lack of descriptors or memory.

#include <chrono>
#include <cstdint>
#include <optional>
#include <system_error>

#include "wakeful/context.hpp"
#include "wakeful/poll.hpp"
#include "wakeful/time/sleep.hpp"

namespace wakeful::net::detail {

/// When the process runs out of file descriptors (EMFILE, ENFILE) or memory (ENOBUFS, ENOMEM),
/// the pending connection stays in the backlog and accept would fail again at once: a listener
/// that retried on the next readiness would spin, and one that failed would hand its caller an
/// error it can do nothing about. So the listener waits on a timer, doubling from 5 ms to
/// 500 ms, and tries again; a successful accept resets the delay.
class AcceptBackoff {
 public:
  /// Ready when no back-off is running, or once it has run out (Pending until then).
  Poll<void> poll(Context& cx);
  /// Starts a back-off and returns true when `error` says "not now"; false for any other error.
  bool start(const std::error_code& error);
  /// An accept succeeded: the next back-off starts from the shortest delay.
  void reset() noexcept { delay_ = std::chrono::milliseconds(0); }
  /// How many back-offs have been started.
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

 private:
  std::optional<time::Sleep> timer_;
  std::chrono::milliseconds delay_{0};
  std::uint64_t count_ = 0;
};

}  // namespace wakeful::net::detail
