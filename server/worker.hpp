#pragma once
// Worker: one runtime worker's share of the server: its listener's accept loop, its connections
// and what they share.

#include <cstddef>
#include <vector>

#include "router.hpp"
#include "server_asio.hpp"
#include "server_state.hpp"
#include "wakeful/async.hpp"
#include "wakeful/net/tcp_listener.hpp"
#include "wakeful/waker.hpp"

namespace httpd {

/// A connection as its worker knows it, for the drain: linked in while the connection lives.
struct ConnectionEntry {
  int fd = -1;
  bool idle = false;  ///< waiting for a request, with nothing of it read
  ConnectionEntry* prev = nullptr;
  ConnectionEntry* next = nullptr;
};

class Worker {
 public:
  Worker(ServerState& state, std::size_t index, Router& router) noexcept
      : state_(state), index_(index), router_(router) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() = default;

  [[nodiscard]] ServerState& state() noexcept { return state_; }
  [[nodiscard]] const Config& config() const noexcept { return state_.config; }
  [[nodiscard]] WorkerStats& stats() noexcept { return state_.stats[index_]; }
  [[nodiscard]] Router& router() noexcept { return router_; }
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] bool draining() const noexcept { return state_.draining.load(std::memory_order_relaxed); }
  /// True once the drain's grace is over (worker's thread): an idle connection then takes only
  /// what its client has already sent, and closes.
  [[nodiscard]] bool grace_over() const noexcept { return grace_over_; }

  /// The size of a connection's read buffer: room for the largest head allowed, at least 16 KiB.
  [[nodiscard]] std::size_t input_capacity() const noexcept;

  // Called on the worker's thread only.
  void link(ConnectionEntry& entry) noexcept;
  void unlink(ConnectionEntry& entry) noexcept;
  /// Ends the drain's grace: the wait of every idle connection ends, each reads EOF (or a
  /// request already sent, which is answered) and closes, and so does any that turns idle later.
  void end_grace() noexcept;

  /// Tells the accept loop, from any thread, that the server is draining.
  void notify_drain();

  /// The accept loop of this worker: owns `listeners` (one, usually) and every connection
  /// accepted from them, in the configured mode; ends once draining is over.
  wakeful::Async<void> run(std::vector<wakeful::net::TcpListener> listeners);

  /// The waker of the accept loop (set by the loop, used on the worker's thread).
  wakeful::Waker loop_waker;

 private:
  ServerState& state_;
  std::size_t index_;
  Router& router_;
  ConnectionEntry* connections_ = nullptr;
  bool grace_over_ = false;
};

/// Logs the connections refused and the accept back-offs counted since their last lines, if
/// any (at exit: their lines are at most once a second).
void log_throttled_counts(ServerState& state);

}  // namespace httpd
