#pragma once
// Logging: one line per message on stderr, filtered by level.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace httpd {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

/// The least important level that is still written (set once, from --log-level).
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;

/// Writes "LEVEL message" as one line to stderr (one write call, so lines never interleave).
void log(LogLevel level, std::string_view message);

/// Counts events that may come in floods (connections refused, accept failures) so that they are
/// logged at most once per interval, each line with the count since the last. Any thread.
class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(1)) noexcept
      : interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval).count()) {}

  /// Counts `events` (one by default). True when a line is due: then `count` holds the events
  /// since the last line, these included.
  bool note(std::uint64_t& count, std::uint64_t events = 1) noexcept {
    pending_.fetch_add(events, std::memory_order_relaxed);
    const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::int64_t next = next_.load(std::memory_order_relaxed);
    if (now < next || !next_.compare_exchange_strong(next, now + interval_, std::memory_order_relaxed)) {
      return false;
    }
    count = pending_.exchange(0, std::memory_order_relaxed);
    return true;
  }

  /// The events counted and not yet logged (for a last line at exit); resets the count.
  std::uint64_t take_pending() noexcept { return pending_.exchange(0, std::memory_order_relaxed); }

 private:
  std::int64_t interval_;
  std::atomic<std::int64_t> next_{0};
  std::atomic<std::uint64_t> pending_{0};
};

/// Parses "error", "warn", "info" or "debug".
bool parse_log_level(std::string_view text, LogLevel& level) noexcept;

}  // namespace httpd
