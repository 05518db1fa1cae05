#pragma once
// Logging: one line per message on stderr, filtered by level.

#include <atomic>
#include <string_view>

namespace httpd {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

/// The least important level that is still written (set once, from --log-level).
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;

/// Writes "LEVEL message" as one line to stderr (one write call, so lines never interleave).
void log(LogLevel level, std::string_view message);

/// Parses "error", "warn", "info" or "debug".
bool parse_log_level(std::string_view text, LogLevel& level) noexcept;

}  // namespace httpd
