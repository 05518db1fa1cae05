// UnixDatagram: non-blocking datagram system calls on a Unix socket, readiness from the worker's
// reactor.

#include "wakeful/net/unix_datagram.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <utility>

#include "socket_call.hpp"
#include "unix_name.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using detail::socket_call;
using io::last_error;

namespace {

io::Result<std::size_t> send_to_address(int fd, std::span<const std::byte> data, const UnixAddress* to) noexcept {
  return detail::send_datagram(fd, data, to != nullptr ? to->data() : nullptr,
                               to != nullptr ? to->size() : socklen_t{0});
}

io::Result<ReceivedFrom<UnixAddress>> receive_from_address(int fd, std::span<std::byte> buffer) noexcept {
  sockaddr_un peer{};
  socklen_t length = sizeof peer;
  const ssize_t n =
      socket_call(SYS_recvfrom, fd, buffer.data(), buffer.size(), detail::datagram_receive_flags, &peer, &length);
  if (n < 0) {
    return last_error();
  }
  return ReceivedFrom<UnixAddress>{detail::received(buffer, n), UnixAddress::from_native(peer, length)};
}

int datagram_socket() noexcept { return ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

}  // namespace

// --- construction -------------------------------------------------------------------------------

io::Result<UnixDatagram> UnixDatagram::open(asio::io_context& context, int descriptor) {
  io::Result<io::Registration> registration =
      io::Registration::open(context, descriptor, io::Ownership::owned,
                             io::detail::RegisterOptions{true, true, io::detail::PeerClose::ignore});
  if (!registration) {
    return registration.error();
  }
  return UnixDatagram(std::move(*registration));
}

io::Result<UnixDatagram> UnixDatagram::bind(const UnixAddress& address) {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return bind(current_io_context(), address);
}

io::Result<UnixDatagram> UnixDatagram::bind(asio::io_context& context, const UnixAddress& address) {
  const int fd = datagram_socket();
  if (fd < 0) {
    return last_error();
  }
  if (::bind(fd, address.data(), address.size()) != 0) {
    const std::error_code error = last_error();
    ::close(fd);
    return error;
  }
  return open(context, fd);
}

io::Result<UnixDatagram> UnixDatagram::unbound() {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return unbound(current_io_context());
}

io::Result<UnixDatagram> UnixDatagram::unbound(asio::io_context& context) {
  const int fd = datagram_socket();
  if (fd < 0) {
    return last_error();
  }
  return open(context, fd);
}

io::Result<std::pair<UnixDatagram, UnixDatagram>> UnixDatagram::pair() {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return pair(current_io_context());
}

io::Result<std::pair<UnixDatagram, UnixDatagram>> UnixDatagram::pair(asio::io_context& context) {
  std::array<int, 2> fds{-1, -1};
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()) != 0) {
    return last_error();
  }
  io::Result<UnixDatagram> first = open(context, fds[0]);
  if (!first) {
    ::close(fds[1]);
    return first.error();
  }
  io::Result<UnixDatagram> second = open(context, fds[1]);
  if (!second) {
    return second.error();
  }
  return std::pair<UnixDatagram, UnixDatagram>(std::move(*first), std::move(*second));
}

io::Result<void> UnixDatagram::connect(const UnixAddress& peer) noexcept {
  if (::connect(native_handle(), peer.data(), peer.size()) != 0) {
    return last_error();
  }
  return {};
}

// --- sending and receiving ------------------------------------------------------------------------

UnixDatagram::SendTo UnixDatagram::send_to(std::span<const std::byte> data, const UnixAddress& to) noexcept {
  return {*this, data, to};
}
UnixDatagram::Send UnixDatagram::send(std::span<const std::byte> data) noexcept { return {*this, data}; }
UnixDatagram::RecvFrom UnixDatagram::recv_from(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
UnixDatagram::Recv UnixDatagram::recv(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }

// As for UDP, only would_block clears readiness: a datagram taken or sent says nothing of the next.
Poll<io::Result<std::size_t>> UnixDatagram::poll_send_to(Context& cx, std::span<const std::byte> data,
                                                         const UnixAddress& to) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::write, [fd, data, &to] { return send_to_address(fd, data, &to); });
}

Poll<io::Result<std::size_t>> UnixDatagram::poll_send(Context& cx, std::span<const std::byte> data) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::write, [fd, data] { return send_to_address(fd, data, nullptr); });
}

Poll<io::Result<ReceivedFrom<UnixAddress>>> UnixDatagram::poll_recv_from(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::read, [fd, buffer] { return receive_from_address(fd, buffer); });
}

Poll<io::Result<Received>> UnixDatagram::poll_recv(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::read, [fd, buffer] { return detail::receive_datagram(fd, buffer); });
}

// --- addresses ------------------------------------------------------------------------------------

io::Result<UnixAddress> UnixDatagram::local_address() const noexcept {
  return detail::unix_address_of(native_handle(), ::getsockname);
}

io::Result<UnixAddress> UnixDatagram::peer_address() const noexcept {
  return detail::unix_address_of(native_handle(), ::getpeername);
}

}  // namespace wakeful::net
