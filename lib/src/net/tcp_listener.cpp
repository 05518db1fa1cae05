// TcpListener: accept4 on readiness from the worker's reactor, with a back-off when the process
// runs out of descriptors.

#include "wakeful/net/tcp_listener.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "queue_hint.hpp"
#include "socket_name.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using io::last_error;

namespace {

io::Result<void> set_flag(int fd, int level, int option, bool value) noexcept {
  const int flag = value ? 1 : 0;
  if (::setsockopt(fd, level, option, &flag, sizeof flag) != 0) {
    return last_error();
  }
  return {};
}

}  // namespace

io::Result<TcpListener> TcpListener::bind(const asio::ip::tcp::endpoint& endpoint, const ListenOptions& options) {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return bind(current_io_context(), endpoint, options);
}

io::Result<TcpListener> TcpListener::bind(asio::io_context& context, const asio::ip::tcp::endpoint& endpoint,
                                          const ListenOptions& options) {
  const int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) {
    return last_error();
  }
  auto setup = [&]() -> io::Result<void> {
    if (auto r = set_flag(fd, SOL_SOCKET, SO_REUSEADDR, options.reuse_address); !r) {
      return r;
    }
    if (options.reuse_port) {
      if (auto r = set_flag(fd, SOL_SOCKET, SO_REUSEPORT, true); !r) {
        return r;
      }
    }
    if (endpoint.protocol() == asio::ip::tcp::v6()) {
      if (auto r = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.v6_only); !r) {
        return r;
      }
    }
    detail::enable_queue_hint(fd);  // inherited by every accepted socket: no system call per connection
    if (::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0 ||
        ::listen(fd, options.backlog) != 0) {
      return last_error();
    }
    return {};
  };
  if (io::Result<void> ready = setup(); !ready) {
    ::close(fd);
    return ready.error();
  }
  // A connection may already wait: the first accept tries at once.
  io::Result<io::Registration> registration = io::Registration::open(
      context, fd, io::Ownership::owned, io::detail::RegisterOptions{true, false, io::detail::PeerClose::ignore});
  if (!registration) {
    return registration.error();
  }
  return TcpListener(std::move(*registration), endpoint.protocol() == asio::ip::tcp::v6());
}

io::Result<TcpListener> TcpListener::from_descriptor(asio::io_context& context, int descriptor) {
  auto check = [descriptor]() -> io::Result<bool> {
    int type = 0;
    int listening = 0;
    socklen_t length = sizeof type;
    if (::getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
      return last_error();  // ENOTSOCK, EBADF
    }
    length = sizeof listening;
    if (::getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) {
      return last_error();
    }
    io::Result<asio::ip::tcp::endpoint> local = detail::endpoint_of(descriptor, ::getsockname);
    if (!local) {
      return local.error();
    }
    const int family = local->data()->sa_family;
    if (type != SOCK_STREAM || listening == 0 || (family != AF_INET && family != AF_INET6)) {
      return make_error_code(std::errc::invalid_argument);
    }
    const int status = ::fcntl(descriptor, F_GETFL);
    if (status < 0 || ::fcntl(descriptor, F_SETFL, status | O_NONBLOCK) != 0 ||
        ::fcntl(descriptor, F_SETFD, FD_CLOEXEC) != 0) {
      return last_error();
    }
    return family == AF_INET6;
  };
  const io::Result<bool> v6 = check();
  if (!v6) {
    if (v6.error() != std::errc::bad_file_descriptor) {
      ::close(descriptor);
    }
    return v6.error();
  }
  io::Result<io::Registration> registration =
      io::Registration::open(context, descriptor, io::Ownership::owned,
                             io::detail::RegisterOptions{true, false, io::detail::PeerClose::ignore});
  if (!registration) {
    return registration.error();
  }
  return TcpListener(std::move(*registration), *v6);
}

// The back-off timer goes first (AcceptBackoff's assignment drops it before taking the other's):
// it belongs to the listener being replaced.
TcpListener& TcpListener::operator=(TcpListener&& other) noexcept {
  if (this != &other) {
    backoff_ = std::move(other.backoff_);
    registration_ = std::move(other.registration_);
    v6_ = other.v6_;
  }
  return *this;
}

TcpListener::Accept TcpListener::accept() noexcept { return Accept(*this); }

Poll<io::Result<Accepted>> TcpListener::poll_accept(Context& cx) {
  for (;;) {
    if (backoff_.poll(cx).is_pending()) {
      return Pending;
    }
    const int fd = native_handle();
    sockaddr_storage address{};
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
            if (errno != EINTR && errno != ECONNABORTED) {  // a connection reset while queued: next
              return last_error();
            }
          }
        });
    if (accepted.is_pending()) {
      return Pending;
    }
    if (!accepted->ok()) {
      if (!backoff_.start(accepted->error())) {
        return Poll<io::Result<Accepted>>(std::in_place, accepted->error());
      }
      continue;  // arm the timer
    }
    backoff_.reset();
    const int peer_fd = **accepted;
    asio::ip::tcp::endpoint peer;
    std::memcpy(peer.data(), &address, std::min<std::size_t>(length, sizeof address));
    peer.resize(length);
    io::Result<TcpStream> stream = TcpStream::open(registration_.context(), peer_fd,
                                                   peer.protocol() == asio::ip::tcp::v6(), TcpStream::State::connected);
    if (!stream) {
      return Poll<io::Result<Accepted>>(std::in_place, stream.error());
    }
    return Poll<io::Result<Accepted>>(std::in_place, Accepted{std::move(*stream), peer});
  }
}

Poll<std::optional<io::Result<Accepted>>> TcpListener::poll_next(Context& cx) {
  Poll<io::Result<Accepted>> accepted = poll_accept(cx);
  if (accepted.is_pending()) {
    return Pending;
  }
  return Poll<std::optional<io::Result<Accepted>>>(std::in_place, std::move(accepted).value());
}

io::Result<asio::ip::tcp::endpoint> TcpListener::local_endpoint() const noexcept {
  return detail::endpoint_of(native_handle(), ::getsockname);
}

}  // namespace wakeful::net
