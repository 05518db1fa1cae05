#pragma once
// AcceptBackoff: what a listener does when accept fails for lack of descriptors or memory.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <system_error>
#include <utility>

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
  AcceptBackoff() = default;
  /// Takes over `other`'s timer, delay and count.
  AcceptBackoff(AcceptBackoff&& other) noexcept
      : timer_(std::move(other.timer_)), delay_(other.delay_), count_(other.count()) {}
  /// Drops this timer, then takes over `other`'s timer, delay and count.
  AcceptBackoff& operator=(AcceptBackoff&& other) noexcept {
    timer_.reset();
    timer_ = std::move(other.timer_);
    delay_ = other.delay_;
    count_.store(other.count(), std::memory_order_relaxed);
    return *this;
  }
  AcceptBackoff(const AcceptBackoff&) = delete;
  AcceptBackoff& operator=(const AcceptBackoff&) = delete;
  ~AcceptBackoff() = default;

  /// Ready when no back-off is running, or once it has run out (Pending until then).
  Poll<void> poll(Context& cx);
  /// Starts a back-off and returns true when `error` says "not now"; false for any other error.
  bool start(const std::error_code& error);
  /// An accept succeeded: the next back-off starts from the shortest delay.
  void reset() noexcept { delay_ = std::chrono::milliseconds(0); }
  /// How many back-offs have been started; may be read from any thread (a metric).
  [[nodiscard]] std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::optional<time::Sleep> timer_;
  std::chrono::milliseconds delay_{0};
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace wakeful::net::detail
