#pragma once
// UnixListener: a listening Unix domain stream socket whose accept is a future
// (tokio::net::UnixListener).

#include <cstdint>
#include <optional>
#include <utility>

#include "wakeful/asio.hpp"

#include "wakeful/context.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/net/detail/accept_backoff.hpp"
#include "wakeful/net/unix_address.hpp"
#include "wakeful/net/unix_stream.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::net {

/// What UnixListener::bind does with a socket file already at its path.
enum class StaleSocket : std::uint8_t {
  /// Fail with `std::errc::address_in_use`, leaving the file alone. The default: whether the
  /// file is stale is for the caller to decide (see UnixListener).
  fail,
  /// Remove it and bind again, if it is a socket file and nobody accepts connections on it (a
  /// connect to it is refused); otherwise fail with `std::errc::address_in_use`.
  remove_if_unused,
};

/// How a Unix listener is set up.
struct UnixListenOptions {
  /// Pending connections the kernel may queue (capped by net.core.somaxconn).
  int backlog = 1024;
  /// What to do with a socket file left at the path (by a process that crashed, or by one that
  /// exited without removing it: closing a listener does not remove its file).
  StaleSocket stale = StaleSocket::fail;
};

/// A connection taken from a UnixListener.
struct UnixAccepted {
  /// The accepted connection, registered with the listener's runtime.
  UnixStream stream;
  /// The client's address: unnamed unless the client bound its socket before connecting.
  UnixAddress peer;
};

/// A listening Unix domain stream socket on a worker's reactor.
///
/// Socket files. Binding to a path creates a socket file, which outlives the socket: closing the
/// listener, or the process exiting or crashing, leaves it behind, and the next bind to that path
/// fails with `std::errc::address_in_use`. wakeful never removes a file silently, since the file
/// may belong to a live server (another instance of this one). Either
///   - remove the file yourself when you know it is yours to remove (at shutdown, or at start
///     once you hold a lock file that proves no other instance runs): `std::filesystem::remove`;
///   - or bind with `StaleSocket::remove_if_unused`, which checks before removing: the path
///     must be a socket file (never a regular file) and a connect to it must be refused (no
///     listener behind it). Two processes starting at the same instant with this option can
///     both find the file stale; the one that binds last wins the path and the other's listener
///     is unreachable. Use a lock file where that matters.
/// An abstract address (UnixAddress::abstract) has no file and vanishes with its socket.
///
/// When the process runs out of file descriptors, accept backs off and tries again, as
/// TcpListener's does. One task accepts at a time (a second one waiting replaces the first's
/// waker). A UnixListener must be dropped before the runtime whose worker created it.
class UnixListener {
 public:
  class Accept;

  /// Binds and listens on `address` with the calling worker's reactor. Fails with
  /// io::errc::not_on_worker outside a runtime worker, `std::errc::address_in_use` when the path
  /// or name is taken (see the class comment for a file left behind), or the system's error
  /// (`std::errc::permission_denied`, `std::errc::no_such_file_or_directory` for a missing
  /// directory).
  static io::Result<UnixListener> bind(const UnixAddress& address, const UnixListenOptions& options = {});
  /// As above, with the reactor of `context` (a worker's io_context).
  static io::Result<UnixListener> bind(asio::io_context& context, const UnixAddress& address,
                                       const UnixListenOptions& options = {});

  /// Takes over `other`'s socket; `other` is left without one.
  UnixListener(UnixListener&& other) noexcept = default;
  /// Closes this listener's socket, then takes over `other`'s.
  UnixListener& operator=(UnixListener&& other) noexcept;
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;
  /// Closes the listening socket (its socket file stays: see the class comment).
  ~UnixListener() = default;

  /// The next connection; the future borrows the listener. Cancel safe: dropped before it
  /// completes, no connection was taken.
  Accept accept() noexcept;
  /// The poll behind accept(). Accepted streams live on the listener's io_context.
  Poll<io::Result<UnixAccepted>> poll_accept(Context& cx);
  /// The listener as a stream of accepted connections, which never ends (errors are items).
  Poll<std::optional<io::Result<UnixAccepted>>> poll_next(Context& cx);

  /// The address the listener is bound to.
  [[nodiscard]] io::Result<UnixAddress> local_address() const noexcept;
  /// The listening socket's descriptor (-1 once moved from).
  [[nodiscard]] int native_handle() const noexcept { return registration_.native_handle(); }
  /// How many times accept has backed off for lack of descriptors or memory (any thread may ask).
  [[nodiscard]] std::uint64_t backoffs() const noexcept { return backoff_.count(); }

 private:
  explicit UnixListener(io::Registration registration) noexcept : registration_(std::move(registration)) {}

  io::Registration registration_;
  detail::AcceptBackoff backoff_;
};

/// The future of UnixListener::accept.
class [[nodiscard]] UnixListener::Accept {
 public:
  /// The next connection, or the error.
  Poll<io::Result<UnixAccepted>> poll(Context& cx) { return listener_->poll_accept(cx); }

 private:
  friend class UnixListener;
  explicit Accept(UnixListener& listener) noexcept : listener_(&listener) {}
  UnixListener* listener_;
};

}  // namespace wakeful::net
