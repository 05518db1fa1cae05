// TcpListener: accept4 on readiness from the worker's reactor, with a back-off when the process
// runs out of descriptors.

#include "wakeful/net/tcp_listener.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "io/poll_io.hpp"
#include "io/socket_internals.hpp"
#include "queue_hint.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using io::detail::last_error;

namespace {

constexpr std::chrono::milliseconds first_backoff{5};
constexpr std::chrono::milliseconds max_backoff{500};

// Errors that say "not now": the connection stays in the backlog and accept can succeed later.
bool out_of_resources(const std::error_code& error) noexcept {
  return error == std::errc::too_many_files_open || error == std::errc::too_many_files_open_in_system ||
         error == std::errc::no_buffer_space || error == std::errc::not_enough_memory;
}

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
  TcpSocket socket(context.get_executor());
  asio_error_code error;
  socket.assign(endpoint.protocol(), fd, error);
  if (error) {
    ::close(fd);
    return error;
  }
  // A connection may already wait: the first accept tries at once.
  io::detail::ScheduledIo* io = io::detail::make_scheduled_io(socket, true, false, io::detail::PeerClose::ignore);
  return TcpListener(std::move(socket), io);
}

TcpListener::TcpListener(TcpSocket socket, io::detail::ScheduledIo* io) noexcept
    : socket_(std::move(socket)), io_(io) {}

TcpListener::TcpListener(TcpListener&& other) noexcept
    : socket_(std::move(other.socket_)),
      io_(std::exchange(other.io_, nullptr)),
      backoff_(std::move(other.backoff_)),
      backoff_delay_(other.backoff_delay_),
      backoffs_(other.backoffs_) {}

TcpListener& TcpListener::operator=(TcpListener&& other) noexcept {
  if (this != &other) {
    close();
    socket_ = std::move(other.socket_);
    io_ = std::exchange(other.io_, nullptr);
    backoff_ = std::move(other.backoff_);
    backoff_delay_ = other.backoff_delay_;
    backoffs_ = other.backoffs_;
  }
  return *this;
}

TcpListener::~TcpListener() { close(); }

void TcpListener::close() noexcept {
  backoff_.reset();
  io::detail::close_on_owner(socket_, io_);
}

TcpListener::Accept TcpListener::accept() noexcept { return Accept(*this); }

Poll<io::Result<Accepted>> TcpListener::poll_accept(Context& cx) {
  for (;;) {
    if (backoff_) {
      if (backoff_->poll_unbudgeted(cx).is_pending()) {
        return Pending;
      }
      backoff_.reset();
    }
    const int fd = socket_.native_handle();
    sockaddr_storage address{};
    socklen_t length = 0;
    Poll<io::Result<int>> accepted =
        io::detail::poll_io<int>(io_, cx, io::Direction::read, [fd, &address, &length]() -> io::Result<int> {
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
      if (!out_of_resources(accepted->error())) {
        return Poll<io::Result<Accepted>>(std::in_place, accepted->error());
      }
      backoff_delay_ = backoff_delay_.count() == 0 ? first_backoff : std::min(backoff_delay_ * 2, max_backoff);
      ++backoffs_;
      backoff_.emplace(time::sleep_for(backoff_delay_));
      continue;  // arm the timer
    }
    backoff_delay_ = std::chrono::milliseconds(0);
    const int peer_fd = **accepted;
    asio::ip::tcp::endpoint peer;
    std::memcpy(peer.data(), &address, std::min<std::size_t>(length, sizeof address));
    peer.resize(length);
    TcpSocket socket(socket_.get_executor());
    asio_error_code error;
    socket.assign(peer.protocol(), peer_fd, error);
    if (error) {
      ::close(peer_fd);
      return Poll<io::Result<Accepted>>(std::in_place, error);
    }
    return Poll<io::Result<Accepted>>(std::in_place,
                                      Accepted{TcpStream(std::move(socket), TcpStream::State::connected), peer});
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
  asio_error_code error;
  asio::ip::tcp::endpoint endpoint = socket_.local_endpoint(error);
  if (error) {
    return error;
  }
  return endpoint;
}

}  // namespace wakeful::net
