#pragma once
// What every worker of a wakeful-httpd process shares.

#include <atomic>
#include <cstddef>
#include <optional>
#include <vector>

#include "config.hpp"
#include "log.hpp"
#include "static_files.hpp"
#include "stats.hpp"

namespace wakeful {
class Runtime;
}  // namespace wakeful

namespace httpd {

struct ServerState {
  explicit ServerState(Config cfg) : config(std::move(cfg)), stats(config.threads) {}

  Config config;
  wakeful::Runtime* runtime = nullptr;
  std::optional<StaticFiles> files;
  std::vector<WorkerStats> stats;  ///< one per worker
  std::atomic<bool> draining{false};
  /// Set before `draining` (release; read after it, acquire): another process holds the
  /// listening sockets, and goes on accepting from their queues (systemd, or the process this
  /// one upgraded into). Otherwise the drain must take in what the queues hold before closing.
  std::atomic<bool> listeners_kept{false};
  std::atomic<std::size_t> open_connections{0};
  LogThrottle refused_log;       ///< connections answered 503 at --max-connections
  LogThrottle accept_stall_log;  ///< accept backing off: out of descriptors or memory
};

}  // namespace httpd
