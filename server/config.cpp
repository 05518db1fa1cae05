// The command line of wakeful-httpd.

#include "config.hpp"

#include <charconv>
#include <thread>

namespace httpd {

namespace {

bool parse_unsigned(std::string_view text, std::uint64_t& out) noexcept {
  if (text.empty()) {
    return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// "8192", "64k", "1m".
bool parse_size(std::string_view text, std::size_t& out) noexcept {
  std::uint64_t factor = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) {
    factor = 1024;
    text.remove_suffix(1);
  } else if (!text.empty() && (text.back() == 'm' || text.back() == 'M')) {
    factor = std::uint64_t{1024} * 1024;
    text.remove_suffix(1);
  }
  std::uint64_t value = 0;
  if (!parse_unsigned(text, value) || value > (std::uint64_t{1} << 40) / factor) {
    return false;
  }
  out = static_cast<std::size_t>(value * factor);
  return true;
}

// "250ms", "10s", "2m"; a bare number is seconds.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out) noexcept {
  std::uint64_t factor = 1000;
  if (text.ends_with("ms")) {
    factor = 1;
    text.remove_suffix(2);
  } else if (text.ends_with('s')) {
    text.remove_suffix(1);
  } else if (text.ends_with('m')) {
    factor = 60'000;
    text.remove_suffix(1);
  }
  std::uint64_t value = 0;
  if (!parse_unsigned(text, value) || value > 86'400'000 / factor) {
    return false;
  }
  out = std::chrono::milliseconds(value * factor);
  return true;
}

}  // namespace

std::string_view mode_name(Mode mode) noexcept {
  switch (mode) {
    case Mode::tasks:
      return "tasks";
    case Mode::inline_:
      return "inline";
    case Mode::naive:
      return "naive";
  }
  return "?";
}

std::string usage() {
  return R"(usage: wakeful-httpd [options]

An HTTP/1.1 server on the wakeful executor.

  --bind ADDRESS             address to listen on (default 0.0.0.0; :: for IPv6 and IPv4)
  --port PORT                port (default 8080; 0 picks a free one)
  --reuse-port               share the port with processes that already listen on it;
                             without it a port in use is refused (to restart without downtime,
                             hand the sockets over instead: SIGUSR2, or systemd, below)
  --threads N                workers, one thread each (default: one per hardware thread)
  --root DIR                 serve static files from DIR
  --static-prefix PATH       where they appear (default /static/; / serves them at the root)
  --mode tasks|inline|naive  how a worker drives its connections (default tasks)
  --max-header-bytes SIZE    request line and headers (default 8k; 431 beyond)
  --max-uri-bytes SIZE       request target (default 4k; 414 beyond)
  --max-body-bytes SIZE      request body (default 1m; 413 beyond)
  --max-requests N           requests per connection, then close (default 0: no limit)
  --max-connections N        open connections at once; more get 503 and a close (default 10000)
  --header-timeout TIME      to receive a request head (default 10s)
  --body-timeout TIME        to receive a request body, plus 1s per --body-min-rate bytes
                             received (default 20s; 408 beyond)
  --body-min-rate SIZE       bytes per second a slow body must keep up (default 500; 0: none)
  --idle-timeout TIME        kept-alive connection without a request (default 60s)
  --warm-time TIME           how long a reused keep-alive connection keeps its request state
                             (parser, coroutine) after a response, for a next request that
                             follows soon (default 250ms; 0: gives it back at once)
  --write-timeout TIME       a response write that makes no progress (default 30s)
  --shutdown-timeout TIME    on SIGINT/SIGTERM, for in-flight requests (default 10s)
  --drain-grace TIME         during the drain, how long a kept-alive connection may still send
                             its next request (answered with Connection: close) before it is
                             closed (default 1s)
  --upgrade-binary PATH      what SIGUSR2 starts in place of this process, with the listening
                             sockets handed over (default: the binary this process runs)
  --access-log               log every request
  --log-level LEVEL          error, warn, info or debug (default info)
  --help                     this text
  --version                  the version

SIZE is a number of bytes with an optional k or m; TIME is a number with ms, s or m (seconds by
default).

Signals: SIGINT or SIGTERM drains and exits (a second one stops at once). SIGUSR2 upgrades in
place: the new process inherits the listening sockets, and once it serves, this one drains.
Sockets passed by systemd (LISTEN_FDS, LISTEN_PID) are used instead of --bind and --port.
)";
}

Parsed parse_args(const std::vector<std::string_view>& args) {
  Parsed parsed;
  Config& config = parsed.config;
  auto fail = [&parsed](std::string message) {
    parsed.action = Parsed::Action::error;
    parsed.error = std::move(message);
    return parsed;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    if (flag == "--help" || flag == "-h") {
      parsed.action = Parsed::Action::help;
      return parsed;
    }
    if (flag == "--version") {
      parsed.action = Parsed::Action::version;
      return parsed;
    }
    if (flag == "--access-log") {
      config.access_log = true;
      continue;
    }
    if (flag == "--reuse-port") {
      config.reuse_port = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      return fail(std::string("unknown flag or missing value: ") + std::string(flag));
    }
    const std::string_view value = args[++i];
    auto bad = [&](std::string_view what) {
      return fail(std::string("bad value for ") + std::string(flag) + ": '" + std::string(value) + "' (" +
                  std::string(what) + ")");
    };
    std::uint64_t number = 0;
    if (flag == "--bind") {
      config.bind = std::string(value);
    } else if (flag == "--port") {
      if (!parse_unsigned(value, number) || number > 65535) {
        return bad("a port number, 0-65535");
      }
      config.port = static_cast<std::uint16_t>(number);
    } else if (flag == "--threads") {
      if (!parse_unsigned(value, number) || number == 0 || number > 1024) {
        return bad("a number of threads, 1-1024");
      }
      config.threads = static_cast<std::size_t>(number);
    } else if (flag == "--root") {
      config.root = std::string(value);
    } else if (flag == "--static-prefix") {
      if (value.empty() || value.front() != '/') {
        return bad("a path starting with /");
      }
      config.static_prefix = std::string(value);
      if (config.static_prefix.back() != '/') {
        config.static_prefix += '/';
      }
    } else if (flag == "--mode") {
      if (value == "tasks") {
        config.mode = Mode::tasks;
      } else if (value == "inline") {
        config.mode = Mode::inline_;
      } else if (value == "naive") {
        config.mode = Mode::naive;
      } else {
        return bad("tasks, inline or naive");
      }
    } else if (flag == "--max-header-bytes") {
      if (!parse_size(value, config.limits.max_header_bytes) || config.limits.max_header_bytes < 64) {
        return bad("a size of at least 64 bytes");
      }
    } else if (flag == "--max-uri-bytes") {
      if (!parse_size(value, config.limits.max_uri_bytes) || config.limits.max_uri_bytes == 0) {
        return bad("a size");
      }
    } else if (flag == "--max-body-bytes") {
      if (!parse_size(value, config.limits.max_body_bytes)) {
        return bad("a size");
      }
    } else if (flag == "--max-requests") {
      if (!parse_unsigned(value, number)) {
        return bad("a number");
      }
      config.limits.max_requests_per_connection = static_cast<std::size_t>(number);
    } else if (flag == "--max-connections") {
      if (!parse_unsigned(value, number) || number == 0) {
        return bad("a positive number");
      }
      config.limits.max_connections = static_cast<std::size_t>(number);
    } else if (flag == "--header-timeout") {
      if (!parse_duration(value, config.limits.header_timeout) || config.limits.header_timeout.count() == 0) {
        return bad("a duration such as 500ms or 10s");
      }
    } else if (flag == "--body-timeout") {
      if (!parse_duration(value, config.limits.body_timeout) || config.limits.body_timeout.count() == 0) {
        return bad("a duration such as 500ms or 10s");
      }
    } else if (flag == "--body-min-rate") {
      if (!parse_size(value, config.limits.body_min_rate)) {
        return bad("a size per second, such as 500 or 1k");
      }
    } else if (flag == "--idle-timeout") {
      if (!parse_duration(value, config.limits.idle_timeout) || config.limits.idle_timeout.count() == 0) {
        return bad("a duration such as 500ms or 10s");
      }
    } else if (flag == "--warm-time") {
      if (!parse_duration(value, config.limits.warm_time)) {
        return bad("a duration such as 0, 250ms or 1s");
      }
    } else if (flag == "--write-timeout") {
      if (!parse_duration(value, config.limits.write_timeout) || config.limits.write_timeout.count() == 0) {
        return bad("a duration such as 500ms or 10s");
      }
    } else if (flag == "--shutdown-timeout") {
      if (!parse_duration(value, config.shutdown_timeout)) {
        return bad("a duration such as 500ms or 10s");
      }
    } else if (flag == "--drain-grace") {
      if (!parse_duration(value, config.drain_grace)) {
        return bad("a duration such as 500ms or 1s");
      }
    } else if (flag == "--upgrade-binary") {
      if (value.empty()) {
        return bad("a path to an executable");
      }
      config.upgrade_binary = std::string(value);
    } else if (flag == "--log-level") {
      if (!parse_log_level(value, config.log_level)) {
        return bad("error, warn, info or debug");
      }
    } else {
      return fail(std::string("unknown flag: ") + std::string(flag));
    }
  }
  if (config.threads == 0) {
    config.threads = std::max(1U, std::thread::hardware_concurrency());
  }
  return parsed;
}

}  // namespace httpd
