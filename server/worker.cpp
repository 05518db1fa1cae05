// A worker's accept loop, in each of the three modes, and its part of the drain.

#include "worker.hpp"

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connection.hpp"
#include "deadline.hpp"
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

// Connections accepted per listener and poll of the loop before it lets them run.
constexpr int accept_batch = 64;

// How long a draining listener that refuses new handshakes stays open, so that the handshakes
// under way when it began to refuse complete and are accepted: each needs the client's last
// ACK, one round trip after the SYN it answered. Clients whose SYN was dropped retransmit it a
// second later, by when the listener is closed.
constexpr auto listener_settle = std::chrono::milliseconds(200);

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

/// Drops every TCP segment that opens a connection (SYN without ACK) before `listener` sees it:
/// the kernel starts no new handshake on it, while those under way complete and queue. A client
/// retransmits its SYN (after a second, first) and finds a closed port by then, or the process
/// that shares the port. Filters are inherited by accepted sockets: harmless there, as an
/// established connection receives no such segment. False when the filter cannot be attached.
bool refuse_new_handshakes(const net::TcpListener& listener) noexcept {
  // Classic BPF on a TCP socket sees the segment from its TCP header: byte 13 holds the flags.
  std::array<sock_filter, 5> code{{
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),           // NOLINT(hicpp-signed-bitwise)
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),        // SYN | ACK; NOLINT(hicpp-signed-bitwise)
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),  // SYN alone? NOLINT(hicpp-signed-bitwise)
      BPF_STMT(BPF_RET | BPF_K, 0),                     // drop; NOLINT(hicpp-signed-bitwise)
      BPF_STMT(BPF_RET | BPF_K, 0xffff'ffff),           // keep the whole segment; NOLINT(hicpp-signed-bitwise)
  }};
  const sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  return ::setsockopt(listener.native_handle(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

/// Accepts connections and drives them through `Set` until the drain is over.
///
/// The drain, in order: (1) the listeners stop taking new connections. When this process holds
/// them alone, closing them would reset every connection the kernel queued in the meantime, so
/// they first refuse new handshakes (refuse_new_handshakes) and are closed only once the
/// handshakes under way had time to complete (listener_settle) and the queue is empty; each
/// connection taken from it is answered with Connection: close. When another process holds them
/// too (systemd, or the process this one upgraded into), that one takes the queue: they close
/// at once. (2) From then on, for --drain-grace, a kept-alive connection may still send its next
/// request, which is answered with Connection: close; then the idle ones close (end_grace).
/// (3) The loop ends once every connection is done, or at --shutdown-timeout, which cuts them.
template <class Set>
class AcceptLoop {
 public:
  AcceptLoop(Worker& worker, std::vector<net::TcpListener> listeners)
      : worker_(&worker), listeners_(std::move(listeners)) {}

  Poll<void> poll(Context& cx) {
    if (!worker_->loop_waker.will_wake(cx.waker())) {
      worker_->loop_waker = cx.waker();
    }
    if (!draining_ && worker_->state().draining.load(std::memory_order_acquire)) {
      begin_drain();
    }
    if (!listeners_.empty()) {
      const bool queues_empty = accept(cx);
      if (draining_ && queues_empty && settle_->poll_unbudgeted(cx).is_ready()) {
        close_listeners();
      }
    }
    if (grace_ && grace_->poll_unbudgeted(cx).is_ready()) {
      grace_.reset();
      worker_->end_grace();
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
      listeners_.clear();
      set_.abort();
      reap(cx);
    }
    if (set_.is_empty() && listeners_.empty()) {
      worker_->loop_waker = wakeful::Waker();
      return wakeful::Ready;
    }
    return Pending;
  }

 private:
  // Accepts from every listener, a batch at most from each: true when they all had nothing more.
  bool accept(Context& cx) {
    bool all_empty = true;
    for (net::TcpListener& listener : listeners_) {
      all_empty = accept_from(listener, cx) && all_empty;
    }
    note_backoffs();
    if (!all_empty) {
      cx.waker().wake_by_ref();  // more may be waiting: let the connections run first
    }
    return all_empty;
  }

  bool accept_from(net::TcpListener& listener, Context& cx) {
    for (int accepted = 0; accepted < accept_batch; ++accepted) {
      Poll<wakeful::io::Result<net::Accepted>> next = listener.poll_accept(cx);
      if (next.is_pending()) {
        return true;
      }
      if (!next->ok()) {
        // Out of descriptors is handled by the listener's back-off; anything else is the
        // client's problem (ECONNABORTED) and is skipped.
        log(LogLevel::debug, "accept: " + next->error().message());
        continue;
      }
      admit(std::move(**next));
    }
    return false;
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

  // Out of descriptors, the listeners back off (and retry); each back-off is counted and
  // logged, at most once a second.
  void note_backoffs() {
    std::uint64_t backoffs = closed_backoffs_;
    for (const net::TcpListener& listener : listeners_) {
      backoffs += listener.backoffs();
    }
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
    const Clock::time_point now = Clock::now();
    deadline_.emplace(now + worker_->config().shutdown_timeout);
    if (worker_->state().listeners_kept.load(std::memory_order_relaxed)) {  // ordered by `draining`
      close_listeners();
      return;
    }
    for (const net::TcpListener& listener : listeners_) {
      if (!refuse_new_handshakes(listener)) {
        log(LogLevel::warn, "cannot stop new connections before closing a listener (SO_ATTACH_FILTER): " +
                                wakeful::io::last_error().message() + "; connections that arrive meanwhile are reset");
      }
    }
    settle_.emplace(now + listener_settle);
  }

  void close_listeners() {
    for (const net::TcpListener& listener : listeners_) {
      closed_backoffs_ += listener.backoffs();
    }
    listeners_.clear();
    grace_.emplace(Clock::now() + worker_->config().drain_grace);
  }

  Worker* worker_;
  std::vector<net::TcpListener> listeners_;
  Set set_;
  bool draining_ = false;
  bool aborted_ = false;
  std::uint64_t seen_backoffs_ = 0;
  std::uint64_t closed_backoffs_ = 0;
  std::optional<wakeful::time::Sleep> settle_;    // until the listeners may close
  std::optional<wakeful::time::Sleep> grace_;     // until idle connections close
  std::optional<wakeful::time::Sleep> deadline_;  // until every connection is cut
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

void Worker::end_grace() noexcept {
  grace_over_ = true;
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

Async<void> Worker::run(std::vector<net::TcpListener> listeners) {
  switch (config().mode) {
    case Mode::tasks:
      co_await AcceptLoop<TaskSet>(*this, std::move(listeners));
      break;
    case Mode::inline_:
      co_await AcceptLoop<InlineSet>(*this, std::move(listeners));
      break;
    case Mode::naive:
      co_await AcceptLoop<NaiveSet>(*this, std::move(listeners));
      break;
  }
}

}  // namespace httpd
