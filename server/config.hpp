#pragma once
// wakeful-httpd's configuration and its command line.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log.hpp"

namespace httpd {

/// How each worker drives its connections.
enum class Mode {
  tasks,    ///< each connection is a spawned task, tracked by a JoinSet
  inline_,  ///< the worker polls its connections as children of one FuturesUnordered
  naive,    ///< the same through PollAll, which polls every connection on every wake
};

/// Size limits and timeouts applied to every connection.
struct Limits {
  std::size_t max_header_bytes = std::size_t{8} * 1024;   ///< request line and headers (431)
  std::size_t max_uri_bytes = std::size_t{4} * 1024;      ///< request target (414)
  std::size_t max_body_bytes = std::size_t{1024} * 1024;  ///< request body (413)
  std::size_t max_requests_per_connection = 0;            ///< 0: no limit
  std::size_t max_connections = 10'000;                   ///< open at once, per process
  std::chrono::milliseconds header_timeout{10'000};       ///< to receive a whole request head
  /// To receive a request body, counted from its start (408 and close, or a close once the
  /// response is out), plus one second for every body_min_rate bytes received (0: no more).
  std::chrono::milliseconds body_timeout{20'000};
  std::size_t body_min_rate = 500;                 ///< bytes per second that earn a body more time
  std::chrono::milliseconds idle_timeout{60'000};  ///< between requests on a kept-alive connection
  /// After its last response, how long a kept-alive connection keeps what serves a request (the
  /// parser, buffers and the coroutine's frame) for a next request that comes soon; after it, the
  /// connection holds only its idle state. 0: given back at once.
  std::chrono::milliseconds warm_time{250};
  std::chrono::milliseconds write_timeout{30'000};  ///< without any write progress
};

struct Config {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 8080;
  bool reuse_port = false;  ///< share the port with another process that holds it (SO_REUSEPORT)
  std::size_t threads = 0;  ///< 0: one per hardware thread
  std::optional<std::string> root;
  std::string static_prefix = "/static/";
  Mode mode = Mode::tasks;
  Limits limits;
  std::chrono::milliseconds shutdown_timeout{10'000};
  /// During a drain, how long a kept-alive connection may wait for its next request (answered
  /// with Connection: close) before it is closed.
  std::chrono::milliseconds drain_grace{1'000};
  /// The binary an upgrade (SIGUSR2) starts; empty: the path this process was started from.
  std::string upgrade_binary;
  bool access_log = false;
  LogLevel log_level = LogLevel::info;
};

/// What the command line asked for.
struct Parsed {
  enum class Action { run, help, version, error } action = Action::run;
  Config config;
  std::string error;  ///< for Action::error
};

/// Parses the arguments (without the program name).
Parsed parse_args(const std::vector<std::string_view>& args);

/// The --help text.
std::string usage();

/// The mode's flag spelling.
std::string_view mode_name(Mode mode) noexcept;

}  // namespace httpd
