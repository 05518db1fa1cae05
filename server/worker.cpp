// A worker's accept loop, in each of the three modes, and its part of the drain.

#include "worker.hpp"

#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connection.hpp"
#include "log.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/futures_unordered.hpp"
#include "wakeful/task/join_set.hpp"
#include "wakeful/task/poll_all.hpp"
#include "wakeful/time/sleep.hpp"

namespace httpd {

namespace {

using wakeful::Async;
using wakeful::Context;
using wakeful::Pending;
using wakeful::Poll;
namespace net = wakeful::net;

// Connections accepted per poll of the loop before it lets them run.
constexpr int accept_batch = 64;

// The answer to a connection over --max-connections.
constexpr std::string_view over_capacity_body = "Service Unavailable\n";

const std::string& over_capacity_response() {
  static const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nServer: wakeful-httpd\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(over_capacity_body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
      std::string(over_capacity_body);
  return response;
}

/// Answers a connection over the limit with a fixed 503 and a FIN, without waiting for it: one
/// non-blocking send (a full socket buffer just loses the answer). What the client has sent
/// already is read and dropped first, so that the close does not send a reset, which could
/// destroy the answer before the client reads it.
void refuse(const net::TcpStream& stream) noexcept {
  const int fd = stream.native_handle();
  std::array<char, 4096> discard;
  (void)::recv(fd, discard.data(), discard.size(), MSG_DONTWAIT);
  const std::string& response = over_capacity_response();
  (void)::send(fd, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)::shutdown(fd, SHUT_WR);
}

void log_refused(const ServerState& state, std::uint64_t count) {
  log(LogLevel::warn, "--max-connections (" + std::to_string(state.config.limits.max_connections) +
                          ") reached: answered 503 and closed " + std::to_string(count) +
                          (count == 1 ? " connection" : " connections") + " since the last report");
}

void log_accept_stalls(std::uint64_t count) {
  rlimit files{};
  const std::string limit =
      ::getrlimit(RLIMIT_NOFILE, &files) == 0 ? " (RLIMIT_NOFILE " + std::to_string(files.rlim_cur) + ")" : "";
  log(LogLevel::warn, "accept: out of file descriptors" + limit +
                          " or memory: new connections wait in the listen queue; backed off " + std::to_string(count) +
                          (count == 1 ? " time" : " times") + " since the last report");
}

// The three ways of driving connections, behind one interface.

/// Each connection a task of its own, tracked by a JoinSet (tokio's JoinSet).
class TaskSet {
 public:
  void push(Connection connection) { set_.spawn(std::move(connection)); }
  Poll<bool> poll_next(Context& cx) {
    auto next = set_.poll_join_next(cx);  // rethrows what a task threw, or its cancellation
    if (next.is_pending()) {
      return Pending;
    }
    return next->has_value();
  }
  [[nodiscard]] bool is_empty() const noexcept { return set_.is_empty(); }
  void abort() noexcept { set_.abort_all(); }  // completes as the tasks go
  [[nodiscard]] wakeful::JoinSetMetrics metrics() const noexcept { return set_.metrics(); }

 private:
  wakeful::JoinSet<void> set_;
};

/// Every connection a child of one set, polled by the loop's own task when woken:
/// FuturesUnordered (inline) polls the woken connections only, PollAll (naive) every connection.
template <class Children>
class ChildSet {
 public:
  template <class Child>
  void push(Child connection) {
    set_.push(std::move(connection));
  }
  Poll<bool> poll_next(Context& cx) {
    auto next = set_.poll_next(cx);
    if (next.is_pending()) {
      return Pending;
    }
    return next->has_value();
  }
  [[nodiscard]] bool is_empty() const noexcept { return set_.is_empty(); }
  void abort() noexcept { set_.clear(); }
  [[nodiscard]] wakeful::JoinSetMetrics metrics() const noexcept { return set_.metrics(); }

 private:
  Children set_;
};

/// A Connection on a heap block of its own, for PollAll, which moves its children around as it
/// compacts them (a Connection stays where it was first polled).
class BoxedConnection {
 public:
  explicit BoxedConnection(Connection connection) : connection_(std::make_unique<Connection>(std::move(connection))) {}
  Poll<void> poll(Context& cx) { return connection_->poll(cx); }

 private:
  std::unique_ptr<Connection> connection_;
};

using InlineSet = ChildSet<wakeful::FuturesUnordered<Connection>>;
using NaiveSet = ChildSet<wakeful::PollAll<BoxedConnection>>;

/// Accepts connections and drives them through `Set` until the drain is over.
template <class Set>
class AcceptLoop {
 public:
  AcceptLoop(Worker& worker, net::TcpListener listener) : worker_(&worker), listener_(std::move(listener)) {}

  Poll<void> poll(Context& cx) {
    if (!worker_->loop_waker.will_wake(cx.waker())) {
      worker_->loop_waker = cx.waker();
    }
    if (!draining_ && worker_->draining()) {
      begin_drain();
    }
    if (listener_) {
      accept(cx);
    }
    reap(cx);
    worker_->stats().publish(set_.metrics());
    if (!draining_) {
      return Pending;
    }
    if (!aborted_ && deadline_->poll_unbudgeted(cx).is_ready()) {
      log(LogLevel::warn,
          "worker " + std::to_string(worker_->index()) + ": shutdown timeout, closing " + "the connections still open");
      aborted_ = true;
      set_.abort();
      reap(cx);
    }
    if (set_.is_empty()) {
      worker_->loop_waker = wakeful::Waker();
      return wakeful::Ready;
    }
    return Pending;
  }

 private:
  void accept(Context& cx) {
    for (int accepted = 0; accepted < accept_batch; ++accepted) {
      Poll<wakeful::io::Result<net::Accepted>> next = listener_->poll_accept(cx);
      if (next.is_pending()) {
        note_backoffs();
        return;
      }
      if (!next->ok()) {
        // Out of descriptors is handled by the listener's back-off; anything else is the
        // client's problem (ECONNABORTED) and is skipped.
        log(LogLevel::debug, "accept: " + next->error().message());
        continue;
      }
      admit(std::move(**next));
    }
    cx.waker().wake_by_ref();  // more may be waiting: let the connections run first
  }

  void admit(net::Accepted accepted) {
    ServerState& state = worker_->state();
    WorkerStats& stats = worker_->stats();
    const std::size_t open = state.open_connections.fetch_add(1, std::memory_order_relaxed);
    if (open >= state.config.limits.max_connections) {
      state.open_connections.fetch_sub(1, std::memory_order_relaxed);
      stats.connections_rejected.add();
      refuse(accepted.stream);
      if (std::uint64_t count = 0; state.refused_log.note(count)) {
        log_refused(state, count);
      }
      return;  // `accepted` closes the socket as it goes
    }
    stats.connections_accepted.add();
    set_.push(Connection(std::move(accepted), *worker_));
  }

  // Out of descriptors, the listener backs off (and retries); each back-off is counted and
  // logged, at most once a second.
  void note_backoffs() {
    const std::uint64_t backoffs = listener_->backoffs();
    if (backoffs == seen_backoffs_) {
      return;
    }
    if (std::uint64_t count = 0; worker_->state().accept_stall_log.note(count, backoffs - seen_backoffs_)) {
      log_accept_stalls(count);
    }
    seen_backoffs_ = backoffs;
  }

  void reap(Context& cx) {
    for (;;) {
      try {
        Poll<bool> next = set_.poll_next(cx);
        if (next.is_pending() || !*next) {
          return;
        }
      } catch (const wakeful::TaskCancelled&) {  // aborted at the shutdown deadline
      } catch (const std::exception& error) {
        log(LogLevel::error, std::string("connection task failed: ") + error.what());
      }
    }
  }

  void begin_drain() {
    draining_ = true;
    listener_.reset();  // no more connections: the kernel refuses new ones from now on
    deadline_.emplace(wakeful::time::Clock::now() + worker_->state().config.shutdown_timeout);
    worker_->close_idle_connections();
  }

  Worker* worker_;
  std::optional<net::TcpListener> listener_;
  Set set_;
  bool draining_ = false;
  bool aborted_ = false;
  std::uint64_t seen_backoffs_ = 0;
  std::optional<wakeful::time::Sleep> deadline_;
};

}  // namespace

std::size_t Worker::input_capacity() const noexcept {
  constexpr std::size_t minimum = std::size_t{16} * 1024;
  return std::max(minimum, config().limits.max_header_bytes + 1024);
}

void Worker::link(ConnectionEntry& entry) noexcept {
  entry.prev = nullptr;
  entry.next = connections_;
  if (connections_ != nullptr) {
    connections_->prev = &entry;
  }
  connections_ = &entry;
}

void Worker::unlink(ConnectionEntry& entry) noexcept {
  if (entry.prev != nullptr) {
    entry.prev->next = entry.next;
  } else if (connections_ == &entry) {
    connections_ = entry.next;
  }
  if (entry.next != nullptr) {
    entry.next->prev = entry.prev;
  }
  entry.prev = nullptr;
  entry.next = nullptr;
}

void Worker::close_idle_connections() noexcept {
  // Shutting down the read side makes the reactor report the socket readable; the connection's
  // read then returns what the client already sent (answered, with Connection: close) or EOF.
  for (ConnectionEntry* entry = connections_; entry != nullptr; entry = entry->next) {
    if (entry->idle) {
      ::shutdown(entry->fd, SHUT_RD);
    }
  }
}

void log_throttled_counts(ServerState& state) {
  if (const std::uint64_t refused = state.refused_log.take_pending(); refused != 0) {
    log_refused(state, refused);
  }
  if (const std::uint64_t stalls = state.accept_stall_log.take_pending(); stalls != 0) {
    log_accept_stalls(stalls);
  }
}

void Worker::notify_drain() {
  asio::post(state_.runtime->io_context(index_), [this] { loop_waker.wake_by_ref(); });
}

Async<void> Worker::run(net::TcpListener listener) {
  switch (config().mode) {
    case Mode::tasks:
      co_await AcceptLoop<TaskSet>(*this, std::move(listener));
      break;
    case Mode::inline_:
      co_await AcceptLoop<InlineSet>(*this, std::move(listener));
      break;
    case Mode::naive:
      co_await AcceptLoop<NaiveSet>(*this, std::move(listener));
      break;
  }
}

}  // namespace httpd
