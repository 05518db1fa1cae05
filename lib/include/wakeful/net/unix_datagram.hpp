#pragma once
// UnixDatagram: a Unix domain datagram socket driven by readiness (tokio::net::UnixDatagram).

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
#include "wakeful/net/unix_address.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::net {

/// A Unix domain datagram socket on a worker's reactor: reliable, ordered datagrams between
/// processes of one host. Receives report a datagram longer than the buffer
/// (Received::truncated), never cut it silently. A send to a peer whose receive queue is full
/// waits for room (it never drops the datagram, unlike UDP).
///
/// A socket bound to a path leaves its socket file behind as UnixListener's does, and a bind to
/// a path that exists fails with `std::errc::address_in_use`: remove the file when you know it
/// is yours (datagram sockets cannot be probed for a live owner the way a listener can). A
/// socket that is to receive replies must be bound (to a path or an abstract name): the peer
/// cannot send to an unnamed socket it is not connected to.
///
/// The futures borrow the socket and the buffer; the address of send_to is copied. One task may
/// wait for reading while another waits for writing. A UnixDatagram must be dropped before the
/// runtime whose worker created it.
class UnixDatagram {
 public:
  class SendTo;
  class Send;
  class RecvFrom;
  class Recv;

  /// A socket bound to `address`, on the calling worker's reactor. Fails with
  /// io::errc::not_on_worker outside a runtime worker, `std::errc::address_in_use` when the path
  /// or name is taken, or the system's error.
  static io::Result<UnixDatagram> bind(const UnixAddress& address);
  /// As above, on the reactor of `context` (a worker's io_context).
  static io::Result<UnixDatagram> bind(asio::io_context& context, const UnixAddress& address);
  /// A socket bound to no address (it can send, connect, and receive from a peer it connected
  /// to), on the calling worker's reactor.
  static io::Result<UnixDatagram> unbound();
  /// As above, on the reactor of `context`.
  static io::Result<UnixDatagram> unbound(asio::io_context& context);
  /// Two sockets connected to each other (socketpair), on the calling worker's reactor.
  static io::Result<std::pair<UnixDatagram, UnixDatagram>> pair();
  /// As above, on the reactor of `context`.
  static io::Result<std::pair<UnixDatagram, UnixDatagram>> pair(asio::io_context& context);

  /// Takes over `other`'s socket; `other` is left without one.
  UnixDatagram(UnixDatagram&& other) noexcept = default;
  /// Closes this socket, then takes over `other`'s.
  UnixDatagram& operator=(UnixDatagram&& other) noexcept = default;
  UnixDatagram(const UnixDatagram&) = delete;
  UnixDatagram& operator=(const UnixDatagram&) = delete;
  /// Closes the socket (a socket file it is bound to stays).
  ~UnixDatagram() = default;

  /// Sets the default peer: send and recv talk to it only. Does not block. Fails with
  /// `std::errc::connection_refused` when nothing is bound at `peer`, or the system's error.
  io::Result<void> connect(const UnixAddress& peer) noexcept;

  /// Sends `data` as one datagram to `to`: the byte count (all of `data`) or the error
  /// (`std::errc::connection_refused` when nothing is bound there, `std::errc::message_size`
  /// when it is longer than the send buffer allows). Cancel safe: dropped before it completes,
  /// nothing was sent.
  SendTo send_to(std::span<const std::byte> data, const UnixAddress& to) noexcept;
  /// Sends `data` as one datagram to the connected peer. Cancel safe.
  Send send(std::span<const std::byte> data) noexcept;
  /// Receives one datagram into `buffer`, with its sender's address (unnamed when the sender is
  /// not bound). Cancel safe: dropped before it completes, no datagram was taken.
  RecvFrom recv_from(std::span<std::byte> buffer) noexcept;
  /// Receives one datagram into `buffer`. Cancel safe.
  Recv recv(std::span<std::byte> buffer) noexcept;

  /// The poll behind send_to().
  Poll<io::Result<std::size_t>> poll_send_to(Context& cx, std::span<const std::byte> data, const UnixAddress& to);
  /// The poll behind send().
  Poll<io::Result<std::size_t>> poll_send(Context& cx, std::span<const std::byte> data);
  /// The poll behind recv_from().
  Poll<io::Result<ReceivedFrom<UnixAddress>>> poll_recv_from(Context& cx, std::span<std::byte> buffer);
  /// The poll behind recv().
  Poll<io::Result<Received>> poll_recv(Context& cx, std::span<std::byte> buffer);

  /// Ready once the socket may be readable.
  Poll<io::ReadyEvent> poll_read_ready(Context& cx) { return registration_.poll_read_ready(cx); }
  /// Ready once the socket may be writable.
  Poll<io::ReadyEvent> poll_write_ready(Context& cx) { return registration_.poll_write_ready(cx); }
  /// Forgets the readiness `event` reported, after an operation of the caller's returned
  /// would_block; a newer event is never forgotten.
  void clear_readiness(const io::ReadyEvent& event) noexcept { registration_.clear_readiness(event); }

  /// Runs `op`, a non-blocking system call of the caller's on native_handle() (a sendmsg passing
  /// descriptors or credentials), whenever `direction` is ready: io::Registration::try_io.
  template <class Op, class Drained = io::NeverDrained>
  Poll<std::invoke_result_t<Op&>> try_io(Context& cx, io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.try_io(cx, direction, std::forward<Op>(op), std::move(drained));
  }
  /// try_io as a future (io::Registration::async_io): owns `op`, borrows the socket.
  template <class Op, class Drained = io::NeverDrained>
  auto async_io(io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.async_io(direction, std::forward<Op>(op), std::move(drained));
  }

  /// The socket's descriptor (-1 once moved from).
  [[nodiscard]] int native_handle() const noexcept { return registration_.native_handle(); }

  /// Sets a socket option: any Asio settable socket option that applies to a Unix datagram
  /// socket (asio::socket_base::send_buffer_size, receive_buffer_size, ...).
  template <class Option>
  io::Result<void> set_option(const Option& option) noexcept {
    const asio::local::datagram_protocol protocol;
    if (::setsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol),
                     static_cast<socklen_t>(option.size(protocol))) != 0) {
      return io::last_error();
    }
    return {};
  }

  /// Reads a socket option into `option` (any Asio gettable socket option).
  template <class Option>
  io::Result<void> get_option(Option& option) const {
    const asio::local::datagram_protocol protocol;
    auto size = static_cast<socklen_t>(option.size(protocol));
    if (::getsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol), &size) !=
        0) {
      return io::last_error();
    }
    option.resize(protocol, static_cast<std::size_t>(size));
    return {};
  }

  /// The local address (unnamed when not bound).
  [[nodiscard]] io::Result<UnixAddress> local_address() const noexcept;
  /// The connected peer's address (`std::errc::not_connected` when not connected).
  [[nodiscard]] io::Result<UnixAddress> peer_address() const noexcept;

  /// The socket's readiness registration.
  [[nodiscard]] io::Registration& registration() noexcept { return registration_; }

 private:
  explicit UnixDatagram(io::Registration registration) noexcept : registration_(std::move(registration)) {}
  static io::Result<UnixDatagram> open(asio::io_context& context, int descriptor);

  io::Registration registration_;
};

/// The future of UnixDatagram::send_to.
class [[nodiscard]] UnixDatagram::SendTo {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return socket_->poll_send_to(cx, data_, to_); }

 private:
  friend class UnixDatagram;
  SendTo(UnixDatagram& socket, std::span<const std::byte> data, const UnixAddress& to) noexcept
      : socket_(&socket), data_(data), to_(to) {}
  UnixDatagram* socket_;
  std::span<const std::byte> data_;
  UnixAddress to_;
};

/// The future of UnixDatagram::send.
class [[nodiscard]] UnixDatagram::Send {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return socket_->poll_send(cx, data_); }

 private:
  friend class UnixDatagram;
  Send(UnixDatagram& socket, std::span<const std::byte> data) noexcept : socket_(&socket), data_(data) {}
  UnixDatagram* socket_;
  std::span<const std::byte> data_;
};

/// The future of UnixDatagram::recv_from.
class [[nodiscard]] UnixDatagram::RecvFrom {
 public:
  /// The datagram's size, full length and sender, or the error.
  Poll<io::Result<ReceivedFrom<UnixAddress>>> poll(Context& cx) { return socket_->poll_recv_from(cx, buffer_); }

 private:
  friend class UnixDatagram;
  RecvFrom(UnixDatagram& socket, std::span<std::byte> buffer) noexcept : socket_(&socket), buffer_(buffer) {}
  UnixDatagram* socket_;
  std::span<std::byte> buffer_;
};

/// The future of UnixDatagram::recv.
class [[nodiscard]] UnixDatagram::Recv {
 public:
  /// The datagram's size and full length, or the error.
  Poll<io::Result<Received>> poll(Context& cx) { return socket_->poll_recv(cx, buffer_); }

 private:
  friend class UnixDatagram;
  Recv(UnixDatagram& socket, std::span<std::byte> buffer) noexcept : socket_(&socket), buffer_(buffer) {}
  UnixDatagram* socket_;
  std::span<std::byte> buffer_;
};

}  // namespace wakeful::net
