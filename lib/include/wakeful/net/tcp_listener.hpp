#pragma once
// TcpListener: a listening TCP socket whose accept is a future (tokio::net::TcpListener).

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "wakeful/asio.hpp"

#include "wakeful/context.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/net/detail/accept_backoff.hpp"
#include "wakeful/net/tcp_stream.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::net {

/// How a listener is set up.
struct ListenOptions {
  /// Pending connections the kernel may queue (capped by net.core.somaxconn).
  int backlog = 1024;
  /// SO_REUSEADDR: rebind at once after a restart, despite connections in TIME_WAIT.
  bool reuse_address = true;
  /// SO_REUSEPORT: several listeners (one per worker, or an old and a new process) share the
  /// port; the kernel spreads connections over them.
  bool reuse_port = false;
  /// IPV6_V6ONLY for an IPv6 address; otherwise "::" also accepts IPv4 connections.
  bool v6_only = false;
};

/// A connection taken from the listener.
struct Accepted {
  /// The accepted connection, registered with the listener's runtime.
  TcpStream stream;
  /// The peer's address.
  asio::ip::tcp::endpoint peer;
};

/// A listening socket on a worker's reactor. When the process runs out of file descriptors
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM), accept backs off on a timer, doubling from 5 ms to 500 ms,
/// and tries again instead of failing or spinning; the pending connection waits in the backlog.
/// Under AsioLocking::worker_thread_only a listener dropped on another thread stops listening at
/// once and is closed by its worker, like a TcpStream.
class TcpListener {
 public:
  class Accept;

  /// Binds and listens on `endpoint` with the calling worker's io_context. Fails with
  /// io::errc::not_on_worker outside a runtime worker.
  static io::Result<TcpListener> bind(const asio::ip::tcp::endpoint& endpoint, const ListenOptions& options = {});
  /// Binds and listens on `endpoint`, with the reactor of `context` (a worker's io_context).
  static io::Result<TcpListener> bind(asio::io_context& context, const asio::ip::tcp::endpoint& endpoint,
                                      const ListenOptions& options = {});

  /// Adopts `descriptor`, a TCP socket that already listens (one inherited through systemd's
  /// socket activation, or from the process that started this one), on the reactor of
  /// `context`: it is made non-blocking and close-on-exec, and the listener owns it from then
  /// on (closing it closes this process's reference; the socket lives on while another process
  /// holds one). The descriptor is taken in every case: on failure it is closed. Fails with
  /// std::errc::not_a_socket, or std::errc::invalid_argument for a socket that is not a
  /// listening TCP/IP one, or with the system's or the reactor's error.
  static io::Result<TcpListener> from_descriptor(asio::io_context& context, int descriptor);

  /// Takes over `other`'s socket; `other` is left without one.
  TcpListener(TcpListener&& other) noexcept = default;
  /// Closes this listener's socket, then takes over `other`'s.
  TcpListener& operator=(TcpListener&& other) noexcept;
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  /// Closes the listening socket.
  ~TcpListener() = default;

  /// The next connection; the future borrows the listener.
  Accept accept() noexcept;

  /// The poll behind accept(). Accepted streams live on the listener's io_context.
  Poll<io::Result<Accepted>> poll_accept(Context& cx);

  /// The listener as a stream of accepted connections, which never ends (errors are items).
  Poll<std::optional<io::Result<Accepted>>> poll_next(Context& cx);

  /// The address the listener is bound to (with the port chosen, when binding port 0).
  [[nodiscard]] io::Result<asio::ip::tcp::endpoint> local_endpoint() const noexcept;

  /// The listening socket's descriptor (-1 once moved from).
  [[nodiscard]] int native_handle() const noexcept { return registration_.native_handle(); }

  /// How many times accept has backed off for lack of descriptors or memory (any thread may ask).
  [[nodiscard]] std::uint64_t backoffs() const noexcept { return backoff_.count(); }

 private:
  TcpListener(io::Registration registration, bool v6) noexcept : registration_(std::move(registration)), v6_(v6) {}

  io::Registration registration_;
  bool v6_;
  detail::AcceptBackoff backoff_;
};

/// The future of TcpListener::accept.
class [[nodiscard]] TcpListener::Accept {
 public:
  /// The next connection, or the error.
  Poll<io::Result<Accepted>> poll(Context& cx) { return listener_->poll_accept(cx); }

 private:
  friend class TcpListener;
  explicit Accept(TcpListener& listener) noexcept : listener_(&listener) {}
  TcpListener* listener_;
};

}  // namespace wakeful::net
