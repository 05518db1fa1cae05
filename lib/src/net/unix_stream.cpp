// UnixStream: non-blocking system calls on a Unix stream socket, readiness from the worker's
// reactor.

#include "wakeful/net/unix_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

#include "socket_call.hpp"
#include "stream_loops.hpp"
#include "unix_name.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using io::last_error;

// --- construction -------------------------------------------------------------------------------

io::Result<UnixStream> UnixStream::open(asio::io_context& context, int descriptor) {
  // The peer's close is watched, so that a read which drained the socket may clear readiness
  // without losing the EOF behind it (see io::Registration).
  io::Result<io::Registration> registration = io::Registration::open(
      context, descriptor, io::Ownership::owned, io::detail::RegisterOptions{true, true, io::detail::PeerClose::watch});
  if (!registration) {
    return registration.error();
  }
  return UnixStream(std::move(*registration));
}

io::Result<UnixStream> UnixStream::connect(const UnixAddress& address) {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return connect(current_io_context(), address);
}

io::Result<UnixStream> UnixStream::connect(asio::io_context& context, const UnixAddress& address) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return last_error();
  }
  int result = 0;
  do {
    result = ::connect(fd, address.data(), address.size());
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const std::error_code error = last_error();
    ::close(fd);
    return error;
  }
  return open(context, fd);
}

io::Result<std::pair<UnixStream, UnixStream>> UnixStream::pair() {
  if (!Runtime::current_worker_index()) {
    return make_error_code(io::errc::not_on_worker);
  }
  return pair(current_io_context());
}

io::Result<std::pair<UnixStream, UnixStream>> UnixStream::pair(asio::io_context& context) {
  std::array<int, 2> fds{-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()) != 0) {
    return last_error();
  }
  io::Result<UnixStream> first = open(context, fds[0]);
  if (!first) {
    ::close(fds[1]);
    return first.error();
  }
  io::Result<UnixStream> second = open(context, fds[1]);
  if (!second) {
    return second.error();
  }
  return std::pair<UnixStream, UnixStream>(std::move(*first), std::move(*second));
}

// --- reading and writing ------------------------------------------------------------------------

UnixStream::Read UnixStream::read(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
UnixStream::ReadExact UnixStream::read_exact(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
UnixStream::Write UnixStream::write(std::span<const std::byte> data) noexcept { return {*this, data}; }
UnixStream::WriteAll UnixStream::write_all(std::span<const std::byte> data) noexcept { return {*this, data}; }
UnixStream::WriteVectored UnixStream::write_vectored(std::span<const asio::const_buffer> buffers) noexcept {
  return {*this, buffers};
}

// A short transfer shows the socket drained in its direction (edge-triggered readiness).
Poll<io::Result<std::size_t>> UnixStream::poll_read(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  return registration_.try_io(
      cx, io::Direction::read, [fd, buffer] { return detail::receive(fd, buffer); }, io::ShortTransfer{buffer.size()});
}

Poll<io::Result<std::size_t>> UnixStream::poll_write(Context& cx, std::span<const std::byte> data) {
  const int fd = native_handle();
  return registration_.try_io(
      cx, io::Direction::write, [fd, data] { return detail::send(fd, data); }, io::ShortTransfer{data.size()});
}

Poll<io::Result<std::size_t>> UnixStream::poll_write_vectored(Context& cx,
                                                              std::span<const asio::const_buffer> buffers) {
  const int fd = native_handle();
  return registration_.try_io(
      cx, io::Direction::write, [fd, buffers] { return detail::send_vectored(fd, buffers, 0); },
      io::ShortTransfer{detail::vectored_size(buffers)});
}

io::Result<std::size_t> UnixStream::try_read(std::span<std::byte> buffer) noexcept {
  return detail::receive(native_handle(), buffer);
}

io::Result<std::size_t> UnixStream::try_write(std::span<const std::byte> data) noexcept {
  return detail::send(native_handle(), data);
}

Poll<io::Result<void>> UnixStream::ReadExact::poll(Context& cx) { return detail::poll_read_exact(*stream_, cx, rest_); }

Poll<io::Result<void>> UnixStream::WriteAll::poll(Context& cx) { return detail::poll_write_all(*stream_, cx, rest_); }

// --- options and addresses ------------------------------------------------------------------------

io::Result<void> UnixStream::shutdown(asio::socket_base::shutdown_type what) noexcept {
  // Asio's shutdown_type values are the system's SHUT_RD, SHUT_WR and SHUT_RDWR.
  if (::shutdown(native_handle(), static_cast<int>(what)) != 0) {
    return last_error();
  }
  return {};
}

io::Result<PeerCredentials> UnixStream::peer_credentials() const noexcept {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    return last_error();
  }
  return PeerCredentials{credentials.pid, credentials.uid, credentials.gid};
}

io::Result<UnixAddress> UnixStream::local_address() const noexcept {
  return detail::unix_address_of(native_handle(), ::getsockname);
}

io::Result<UnixAddress> UnixStream::peer_address() const noexcept {
  return detail::unix_address_of(native_handle(), ::getpeername);
}

}  // namespace wakeful::net
