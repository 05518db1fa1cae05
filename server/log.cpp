// One line per message on stderr.

#include "log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace httpd {

namespace {
std::atomic<int> current_level{static_cast<int>(LogLevel::info)};

const char* name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::error:
      return "error";
    case LogLevel::warn:
      return "warn";
    case LogLevel::info:
      return "info";
    case LogLevel::debug:
      return "debug";
  }
  return "?";
}
}  // namespace

void set_log_level(LogLevel level) noexcept { current_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool log_enabled(LogLevel level) noexcept {
  return static_cast<int>(level) <= current_level.load(std::memory_order_relaxed);
}

void log(LogLevel level, std::string_view message) {
  if (!log_enabled(level)) {
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  const std::size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line;
  line.reserve(message.size() + 48);
  line.append(stamp, length);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ ", static_cast<int>(millis));
  line += fraction;
  line += name(level);
  line += ' ';
  line += message;
  line += '\n';
  (void)!::write(STDERR_FILENO, line.data(), line.size());  // one write: lines never interleave
}

bool parse_log_level(std::string_view text, LogLevel& level) noexcept {
  for (LogLevel candidate : {LogLevel::error, LogLevel::warn, LogLevel::info, LogLevel::debug}) {
    if (text == name(candidate)) {
      level = candidate;
      return true;
    }
  }
  return false;
}

}  // namespace httpd
