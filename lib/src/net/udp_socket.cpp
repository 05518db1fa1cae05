// UdpSocket: non-blocking datagram system calls, readiness from the worker's reactor.

#include "wakeful/net/udp_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "socket_call.hpp"
#include "socket_name.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using asio::ip::udp;
using detail::socket_call;
using io::last_error;

namespace {

using detail::datagram_receive_flags;
using detail::received;

io::Result<std::size_t> send_to_endpoint(int fd, std::span<const std::byte> data, const udp::endpoint* to) noexcept {
  return detail::send_datagram(fd, data, to != nullptr ? to->data() : nullptr,
                               to != nullptr ? static_cast<socklen_t>(to->size()) : socklen_t{0});
}

io::Result<ReceivedFrom<udp::endpoint>> receive_from_endpoint(int fd, std::span<std::byte> buffer, int flags) noexcept {
  udp::endpoint peer;
  auto length = static_cast<socklen_t>(peer.capacity());
  const ssize_t n =
      socket_call(SYS_recvfrom, fd, buffer.data(), buffer.size(), datagram_receive_flags | flags, peer.data(), &length);
  if (n < 0) {
    return last_error();
  }
  peer.resize(length);
  return ReceivedFrom<udp::endpoint>{received(buffer, n), peer};
}

}  // namespace

// --- construction -------------------------------------------------------------------------------

io::Result<UdpSocket> UdpSocket::bind(const udp::endpoint& endpoint) {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return bind(current_io_context(), endpoint);
}

io::Result<UdpSocket> UdpSocket::bind(asio::io_context& context, const udp::endpoint& endpoint) {
  const int fd = ::socket(endpoint.protocol().family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) {
    return last_error();
  }
  if (::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0) {
    const std::error_code error = last_error();
    ::close(fd);
    return error;
  }
  // Writable at once (the send buffer is empty); readable for the first receive to find out.
  io::Result<io::Registration> registration = io::Registration::open(
      context, fd, io::Ownership::owned, io::detail::RegisterOptions{true, true, io::detail::PeerClose::ignore});
  if (!registration) {
    return registration.error();
  }
  return UdpSocket(std::move(*registration), endpoint.protocol() == udp::v6());
}

UdpSocket::UdpSocket(UdpAsioSocket socket) {
  asio_error_code error;
  const bool v6 = socket.is_open() && socket.local_endpoint(error).protocol() == udp::v6();
  asio::io_context& context = socket.get_executor().context();
  const int descriptor = error ? -1 : socket.release(error);  // leaves the socket's reactor
  if (error) {
    throw std::system_error(error, "wakeful: UdpSocket cannot adopt the socket");
  }
  io::Result<io::Registration> registration =
      io::Registration::open(context, descriptor, io::Ownership::owned, io::detail::RegisterOptions{});
  if (!registration) {
    throw std::system_error(registration.error(), "wakeful: UdpSocket cannot adopt the socket");
  }
  registration_ = std::move(*registration);
  v6_ = v6;
}

io::Result<void> UdpSocket::connect(const udp::endpoint& peer) noexcept {
  if (::connect(native_handle(), peer.data(), static_cast<socklen_t>(peer.size())) != 0) {
    return last_error();
  }
  return {};
}

// --- sending and receiving ------------------------------------------------------------------------

UdpSocket::SendTo UdpSocket::send_to(std::span<const std::byte> data, const udp::endpoint& to) noexcept {
  return {*this, data, to};
}
UdpSocket::Send UdpSocket::send(std::span<const std::byte> data) noexcept { return {*this, data}; }
UdpSocket::RecvFrom UdpSocket::recv_from(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
UdpSocket::Recv UdpSocket::recv(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
UdpSocket::PeekFrom UdpSocket::peek_from(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }

// A datagram operation never shows the socket drained (another datagram may be queued behind the
// one taken, and a send that went through says nothing of the next): only would_block clears.
Poll<io::Result<std::size_t>> UdpSocket::poll_send_to(Context& cx, std::span<const std::byte> data,
                                                      const udp::endpoint& to) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::write, [fd, data, &to] { return send_to_endpoint(fd, data, &to); });
}

Poll<io::Result<std::size_t>> UdpSocket::poll_send(Context& cx, std::span<const std::byte> data) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::write, [fd, data] { return send_to_endpoint(fd, data, nullptr); });
}

Poll<io::Result<ReceivedFrom<udp::endpoint>>> UdpSocket::poll_recv_from(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::read, [fd, buffer] { return receive_from_endpoint(fd, buffer, 0); });
}

Poll<io::Result<Received>> UdpSocket::poll_recv(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::read, [fd, buffer] { return detail::receive_datagram(fd, buffer); });
}

Poll<io::Result<ReceivedFrom<udp::endpoint>>> UdpSocket::poll_peek_from(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  return registration_.try_io(cx, io::Direction::read,
                              [fd, buffer] { return receive_from_endpoint(fd, buffer, MSG_PEEK); });
}

io::Result<std::size_t> UdpSocket::try_send_to(std::span<const std::byte> data, const udp::endpoint& to) noexcept {
  return send_to_endpoint(native_handle(), data, &to);
}

io::Result<ReceivedFrom<udp::endpoint>> UdpSocket::try_recv_from(std::span<std::byte> buffer) noexcept {
  return receive_from_endpoint(native_handle(), buffer, 0);
}

// --- options and addresses ------------------------------------------------------------------------

io::Result<void> UdpSocket::set_broadcast(bool enabled) noexcept {
  return set_option(asio::socket_base::broadcast(enabled));
}

io::Result<void> UdpSocket::join_multicast_v4(const asio::ip::address_v4& group,
                                              const asio::ip::address_v4& interface) noexcept {
  return set_option(asio::ip::multicast::join_group(group, interface));
}

io::Result<void> UdpSocket::leave_multicast_v4(const asio::ip::address_v4& group,
                                               const asio::ip::address_v4& interface) noexcept {
  return set_option(asio::ip::multicast::leave_group(group, interface));
}

io::Result<void> UdpSocket::join_multicast_v6(const asio::ip::address_v6& group, unsigned interface) noexcept {
  return set_option(asio::ip::multicast::join_group(group, interface));
}

io::Result<void> UdpSocket::leave_multicast_v6(const asio::ip::address_v6& group, unsigned interface) noexcept {
  return set_option(asio::ip::multicast::leave_group(group, interface));
}

io::Result<void> UdpSocket::set_multicast_ttl(int hops) noexcept { return set_option(asio::ip::multicast::hops(hops)); }

io::Result<void> UdpSocket::set_multicast_loop(bool enabled) noexcept {
  return set_option(asio::ip::multicast::enable_loopback(enabled));
}

io::Result<void> UdpSocket::set_multicast_interface_v4(const asio::ip::address_v4& interface) noexcept {
  return set_option(asio::ip::multicast::outbound_interface(interface));
}

io::Result<void> UdpSocket::set_ttl(int hops) noexcept { return set_option(asio::ip::unicast::hops(hops)); }

io::Result<udp::endpoint> UdpSocket::local_endpoint() const noexcept {
  return detail::endpoint_of<udp::endpoint>(native_handle(), ::getsockname);
}

io::Result<udp::endpoint> UdpSocket::peer_endpoint() const noexcept {
  return detail::endpoint_of<udp::endpoint>(native_handle(), ::getpeername);
}

}  // namespace wakeful::net
