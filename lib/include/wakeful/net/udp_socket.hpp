#pragma once
// UdpSocket: a UDP socket driven by readiness (tokio::net::UdpSocket).

#include <sys/socket.h>

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include "wakeful/asio.hpp"

#include "wakeful/context.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/net/datagram.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::net {

/// The Asio socket type a UdpSocket can adopt: a UDP socket on a worker's io_context.
using UdpAsioSocket = asio::basic_datagram_socket<asio::ip::udp, asio::io_context::executor_type>;

/// A UDP socket on a worker's reactor. Every operation is a future (or a `poll_` function) that
/// tries the system call at once and, when it would block, waits for the socket's readiness
/// (its io::Registration); each spends one unit of the task's cooperative budget. Receives
/// report a datagram longer than the buffer (Received::truncated), never cut it silently.
///
/// Unconnected, a socket sends to any address with send_to and receives from anyone with
/// recv_from; connected (connect), send and recv talk to that one peer and the kernel drops
/// datagrams from anyone else. An ICMP error for an earlier datagram (a closed port on the peer,
/// on a connected socket) fails the next operation with its error, e.g.
/// `std::errc::connection_refused`.
///
/// The futures borrow the socket, the buffer and (send_to) nothing else: the address is copied.
/// One task may wait for reading while another waits for writing; two tasks waiting in the same
/// direction replace each other's waker. A UdpSocket must be dropped before the runtime whose
/// worker created it.
class UdpSocket {
 public:
  class SendTo;
  class Send;
  class RecvFrom;
  class Recv;
  class PeekFrom;

  /// A socket bound to `endpoint` (port 0: the kernel picks one; "::" also receives IPv4 unless
  /// the system's bindv6only says otherwise) on the calling worker's reactor. Fails with
  /// io::errc::not_on_worker outside a runtime worker, or with the system's error
  /// (`std::errc::address_in_use`, ...).
  static io::Result<UdpSocket> bind(const asio::ip::udp::endpoint& endpoint);
  /// As above, on the reactor of `context` (a worker's io_context).
  static io::Result<UdpSocket> bind(asio::io_context& context, const asio::ip::udp::endpoint& endpoint);

  /// Adopts an open Asio socket (to set options that must precede bind, such as
  /// SO_REUSEADDR or IPV6_V6ONLY, with Asio): its descriptor leaves the socket's reactor and is
  /// registered with the io_context the socket was bound to. The socket must have no operation
  /// in flight. Throws std::system_error when the descriptor cannot be registered.
  explicit UdpSocket(UdpAsioSocket socket);

  /// Takes over `other`'s socket; `other` is left without one.
  UdpSocket(UdpSocket&& other) noexcept = default;
  /// Closes this socket, then takes over `other`'s.
  UdpSocket& operator=(UdpSocket&& other) noexcept = default;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  /// Closes the socket.
  ~UdpSocket() = default;

  /// Sets the socket's default peer: send and recv then talk to it only. Does not block (UDP
  /// sends nothing to connect). Fails with the system's error (`std::errc::network_unreachable`,
  /// an address of the other family: `std::errc::address_family_not_supported`).
  io::Result<void> connect(const asio::ip::udp::endpoint& peer) noexcept;

  /// Sends `data` as one datagram to `to`: the byte count (all of `data`) or the error
  /// (`std::errc::message_size` when it is longer than a datagram can be; to a broadcast address
  /// without set_broadcast, `std::errc::permission_denied`). Cancel safe: dropped before it
  /// completes, nothing was sent.
  SendTo send_to(std::span<const std::byte> data, const asio::ip::udp::endpoint& to) noexcept;
  /// Sends `data` as one datagram to the connected peer (`std::errc::destination_address_required`
  /// when not connected).
  Send send(std::span<const std::byte> data) noexcept;
  /// Receives one datagram into `buffer`, with its sender. Cancel safe: dropped before it
  /// completes, no datagram was taken.
  RecvFrom recv_from(std::span<std::byte> buffer) noexcept;
  /// Receives one datagram from the connected peer into `buffer`. Cancel safe.
  Recv recv(std::span<std::byte> buffer) noexcept;
  /// Copies the next datagram into `buffer` without taking it from the queue, with its sender
  /// and full length (Received::length), to size the buffer of the recv_from that takes it.
  PeekFrom peek_from(std::span<std::byte> buffer) noexcept;

  /// The poll behind send_to().
  Poll<io::Result<std::size_t>> poll_send_to(Context& cx, std::span<const std::byte> data,
                                             const asio::ip::udp::endpoint& to);
  /// The poll behind send().
  Poll<io::Result<std::size_t>> poll_send(Context& cx, std::span<const std::byte> data);
  /// The poll behind recv_from().
  Poll<io::Result<ReceivedFrom<asio::ip::udp::endpoint>>> poll_recv_from(Context& cx, std::span<std::byte> buffer);
  /// The poll behind recv().
  Poll<io::Result<Received>> poll_recv(Context& cx, std::span<std::byte> buffer);
  /// The poll behind peek_from().
  Poll<io::Result<ReceivedFrom<asio::ip::udp::endpoint>>> poll_peek_from(Context& cx, std::span<std::byte> buffer);

  /// One non-blocking send_to: `std::errc::operation_would_block` when the send buffer is full.
  io::Result<std::size_t> try_send_to(std::span<const std::byte> data, const asio::ip::udp::endpoint& to) noexcept;
  /// One non-blocking recv_from: `std::errc::operation_would_block` when no datagram is queued.
  io::Result<ReceivedFrom<asio::ip::udp::endpoint>> try_recv_from(std::span<std::byte> buffer) noexcept;

  /// Ready once the socket may be readable (a datagram may be queued); see
  /// TcpStream::poll_read_ready.
  Poll<io::ReadyEvent> poll_read_ready(Context& cx) { return registration_.poll_read_ready(cx); }
  /// Ready once the socket may be writable.
  Poll<io::ReadyEvent> poll_write_ready(Context& cx) { return registration_.poll_write_ready(cx); }
  /// Forgets the readiness `event` reported, after an operation of the caller's returned
  /// would_block; a newer event is never forgotten.
  void clear_readiness(const io::ReadyEvent& event) noexcept { registration_.clear_readiness(event); }

  /// Runs `op`, a non-blocking system call of the caller's on native_handle() (a recvmmsg, a
  /// sendmsg with control data), whenever `direction` is ready: io::Registration::try_io.
  template <class Op, class Drained = io::NeverDrained>
  Poll<std::invoke_result_t<Op&>> try_io(Context& cx, io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.try_io(cx, direction, std::forward<Op>(op), std::move(drained));
  }
  /// try_io as a future (io::Registration::async_io): owns `op`, borrows the socket.
  template <class Op, class Drained = io::NeverDrained>
  auto async_io(io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.async_io(direction, std::forward<Op>(op), std::move(drained));
  }

  /// The socket's descriptor (-1 once moved from). Closing it, or handing it to Asio, breaks the
  /// socket.
  [[nodiscard]] int native_handle() const noexcept { return registration_.native_handle(); }

  /// Sets a socket option: any Asio settable socket option for UDP (asio::socket_base::broadcast,
  /// asio::ip::multicast::join_group, asio::ip::unicast::hops, receive_buffer_size, ...).
  template <class Option>
  io::Result<void> set_option(const Option& option) noexcept {
    const asio::ip::udp protocol = this->protocol();
    if (::setsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol),
                     static_cast<socklen_t>(option.size(protocol))) != 0) {
      return io::last_error();
    }
    return {};
  }

  /// Reads a socket option into `option` (any Asio gettable socket option for UDP).
  template <class Option>
  io::Result<void> get_option(Option& option) const {
    const asio::ip::udp protocol = this->protocol();
    auto size = static_cast<socklen_t>(option.size(protocol));
    if (::getsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol), &size) !=
        0) {
      return io::last_error();
    }
    option.resize(protocol, static_cast<std::size_t>(size));
    return {};
  }

  /// SO_BROADCAST: allows sending to a broadcast address.
  io::Result<void> set_broadcast(bool enabled) noexcept;
  /// Joins multicast `group` on the interface with address `interface` (unspecified: the one the
  /// kernel picks from its routes), for an IPv4 socket.
  io::Result<void> join_multicast_v4(const asio::ip::address_v4& group,
                                     const asio::ip::address_v4& interface = asio::ip::address_v4::any()) noexcept;
  /// Leaves a group joined with join_multicast_v4.
  io::Result<void> leave_multicast_v4(const asio::ip::address_v4& group,
                                      const asio::ip::address_v4& interface = asio::ip::address_v4::any()) noexcept;
  /// Joins multicast `group` on the interface of index `interface` (0: the kernel picks), for an
  /// IPv6 socket.
  io::Result<void> join_multicast_v6(const asio::ip::address_v6& group, unsigned interface = 0) noexcept;
  /// Leaves a group joined with join_multicast_v6.
  io::Result<void> leave_multicast_v6(const asio::ip::address_v6& group, unsigned interface = 0) noexcept;
  /// The time to live (IPv4) or hop limit (IPv6) of multicast datagrams sent (1 by default: they
  /// stay on the local network).
  io::Result<void> set_multicast_ttl(int hops) noexcept;
  /// Whether multicast datagrams sent are looped back to this host's members of the group (on by
  /// default).
  io::Result<void> set_multicast_loop(bool enabled) noexcept;
  /// The interface multicast datagrams leave by, by address, for an IPv4 socket.
  io::Result<void> set_multicast_interface_v4(const asio::ip::address_v4& interface) noexcept;
  /// The time to live (IPv4) or hop limit (IPv6) of unicast datagrams sent.
  io::Result<void> set_ttl(int hops) noexcept;

  /// The local address (with the port chosen, when bound to port 0).
  [[nodiscard]] io::Result<asio::ip::udp::endpoint> local_endpoint() const noexcept;
  /// The connected peer's address (`std::errc::not_connected` when not connected).
  [[nodiscard]] io::Result<asio::ip::udp::endpoint> peer_endpoint() const noexcept;

  /// The socket's readiness registration.
  [[nodiscard]] io::Registration& registration() noexcept { return registration_; }

 private:
  UdpSocket(io::Registration registration, bool v6) noexcept : registration_(std::move(registration)), v6_(v6) {}
  [[nodiscard]] asio::ip::udp protocol() const noexcept { return v6_ ? asio::ip::udp::v6() : asio::ip::udp::v4(); }

  io::Registration registration_;
  bool v6_ = false;
};

/// The future of UdpSocket::send_to.
class [[nodiscard]] UdpSocket::SendTo {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return socket_->poll_send_to(cx, data_, to_); }

 private:
  friend class UdpSocket;
  SendTo(UdpSocket& socket, std::span<const std::byte> data, const asio::ip::udp::endpoint& to) noexcept
      : socket_(&socket), data_(data), to_(to) {}
  UdpSocket* socket_;
  std::span<const std::byte> data_;
  asio::ip::udp::endpoint to_;
};

/// The future of UdpSocket::send.
class [[nodiscard]] UdpSocket::Send {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return socket_->poll_send(cx, data_); }

 private:
  friend class UdpSocket;
  Send(UdpSocket& socket, std::span<const std::byte> data) noexcept : socket_(&socket), data_(data) {}
  UdpSocket* socket_;
  std::span<const std::byte> data_;
};

/// The future of UdpSocket::recv_from.
class [[nodiscard]] UdpSocket::RecvFrom {
 public:
  /// The datagram's size, full length and sender, or the error.
  Poll<io::Result<ReceivedFrom<asio::ip::udp::endpoint>>> poll(Context& cx) {
    return socket_->poll_recv_from(cx, buffer_);
  }

 private:
  friend class UdpSocket;
  RecvFrom(UdpSocket& socket, std::span<std::byte> buffer) noexcept : socket_(&socket), buffer_(buffer) {}
  UdpSocket* socket_;
  std::span<std::byte> buffer_;
};

/// The future of UdpSocket::recv.
class [[nodiscard]] UdpSocket::Recv {
 public:
  /// The datagram's size and full length, or the error.
  Poll<io::Result<Received>> poll(Context& cx) { return socket_->poll_recv(cx, buffer_); }

 private:
  friend class UdpSocket;
  Recv(UdpSocket& socket, std::span<std::byte> buffer) noexcept : socket_(&socket), buffer_(buffer) {}
  UdpSocket* socket_;
  std::span<std::byte> buffer_;
};

/// The future of UdpSocket::peek_from.
class [[nodiscard]] UdpSocket::PeekFrom {
 public:
  /// The next datagram's copied size, full length and sender, or the error.
  Poll<io::Result<ReceivedFrom<asio::ip::udp::endpoint>>> poll(Context& cx) {
    return socket_->poll_peek_from(cx, buffer_);
  }

 private:
  friend class UdpSocket;
  PeekFrom(UdpSocket& socket, std::span<std::byte> buffer) noexcept : socket_(&socket), buffer_(buffer) {}
  UdpSocket* socket_;
  std::span<std::byte> buffer_;
};

}  // namespace wakeful::net
