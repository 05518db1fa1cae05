// UnixListener: accept4 on readiness from the worker's reactor; a stale socket file is removed
// only when asked, and only once a connect shows that nobody listens on it.

#include "wakeful/net/unix_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

#include "unix_name.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using io::last_error;

namespace {

io::Result<void> bind_to(int fd, const UnixAddress& address) noexcept {
  if (::bind(fd, address.data(), address.size()) != 0) {
    return last_error();
  }
  return {};
}

// True when nothing listens behind the socket file at `address`: a connect to it is refused.
// The connect is non-blocking, so a live listener with a full backlog answers EAGAIN (in use)
// rather than holding the worker up.
bool nobody_listens(const UnixAddress& address) noexcept {
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    return false;
  }
  int result = 0;
  do {
    result = ::connect(probe, address.data(), address.size());
  } while (result != 0 && errno == EINTR);
  const bool refused = result != 0 && errno == ECONNREFUSED;
  ::close(probe);
  return refused;
}

// Removes the socket file at `path` if it is stale; true when the path is free now (removed, or
// gone already), false when it must be left alone: not a socket file, or someone listens.
bool remove_if_stale(const UnixAddress& address, std::string_view path) {
  const std::string file(path);
  struct stat status {};
  if (::lstat(file.c_str(), &status) != 0) {
    return errno == ENOENT;
  }
  if (!S_ISSOCK(status.st_mode) || !nobody_listens(address)) {
    return false;
  }
  return ::unlink(file.c_str()) == 0 || errno == ENOENT;
}

}  // namespace

io::Result<UnixListener> UnixListener::bind(const UnixAddress& address, const UnixListenOptions& options) {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return bind(current_io_context(), address, options);
}

io::Result<UnixListener> UnixListener::bind(asio::io_context& context, const UnixAddress& address,
                                            const UnixListenOptions& options) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return last_error();
  }
  io::Result<void> bound = bind_to(fd, address);
  if (!bound && bound.error() == std::errc::address_in_use && options.stale == StaleSocket::remove_if_unused) {
    if (const std::optional<std::string_view> path = address.path(); path && remove_if_stale(address, *path)) {
      bound = bind_to(fd, address);  // once: a second address_in_use means someone else bound meanwhile
    }
  }
  if (bound && ::listen(fd, options.backlog) != 0) {
    bound = last_error();
  }
  if (!bound) {
    ::close(fd);
    return bound.error();
  }
  // A connection may already wait: the first accept tries at once.
  io::Result<io::Registration> registration = io::Registration::open(
      context, fd, io::Ownership::owned, io::detail::RegisterOptions{true, false, io::detail::PeerClose::ignore});
  if (!registration) {
    return registration.error();
  }
  return UnixListener(std::move(*registration));
}

// The back-off timer goes first (AcceptBackoff's assignment drops it before taking the other's):
// it belongs to the listener being replaced.
UnixListener& UnixListener::operator=(UnixListener&& other) noexcept {
  if (this != &other) {
    backoff_ = std::move(other.backoff_);
    registration_ = std::move(other.registration_);
  }
  return *this;
}

UnixListener::Accept UnixListener::accept() noexcept { return Accept(*this); }

Poll<io::Result<UnixAccepted>> UnixListener::poll_accept(Context& cx) {
  for (;;) {
    if (backoff_.poll(cx).is_pending()) {
      return Pending;
    }
    const int fd = native_handle();
    sockaddr_un address{};
    socklen_t length = 0;
    Poll<io::Result<int>> accepted =
        registration_.try_io(cx, io::Direction::read, [fd, &address, &length]() -> io::Result<int> {
          for (;;) {
            length = sizeof address;
            const int peer = ::accept4(fd, reinterpret_cast<sockaddr*>(&address), &length,  // NOLINT: sockaddr API
                                       SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (peer >= 0) {
              return peer;
            }
            if (errno != EINTR && errno != ECONNABORTED) {
              return last_error();
            }
          }
        });
    if (accepted.is_pending()) {
      return Pending;
    }
    if (!accepted->ok()) {
      if (!backoff_.start(accepted->error())) {
        return Poll<io::Result<UnixAccepted>>(std::in_place, accepted->error());
      }
      continue;  // arm the timer
    }
    backoff_.reset();
    io::Result<UnixStream> stream = UnixStream::open(registration_.context(), **accepted);
    if (!stream) {
      return Poll<io::Result<UnixAccepted>>(std::in_place, stream.error());
    }
    return Poll<io::Result<UnixAccepted>>(std::in_place,
                                          UnixAccepted{std::move(*stream), UnixAddress::from_native(address, length)});
  }
}

Poll<std::optional<io::Result<UnixAccepted>>> UnixListener::poll_next(Context& cx) {
  Poll<io::Result<UnixAccepted>> accepted = poll_accept(cx);
  if (accepted.is_pending()) {
    return Pending;
  }
  return Poll<std::optional<io::Result<UnixAccepted>>>(std::in_place, std::move(accepted).value());
}

io::Result<UnixAddress> UnixListener::local_address() const noexcept {
  return detail::unix_address_of(native_handle(), ::getsockname);
}

}  // namespace wakeful::net
