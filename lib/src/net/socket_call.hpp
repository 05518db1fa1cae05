#pragma once
// The non-blocking system calls of wakeful's sockets, made through syscall(2) rather than
// glibc's wrappers.

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <span>

#include "wakeful/asio.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/net/datagram.hpp"

namespace wakeful::net::detail {

/// Makes socket system call `number` (SYS_recvfrom, SYS_sendto, SYS_sendmsg, ...), again after
/// EINTR. Not through glibc's recv/send/sendmsg: those are thread cancellation points, and in a
/// multi-threaded process each call pays for enabling and disabling asynchronous cancellation
/// (some 45 instructions, measured with callgrind), which wakeful never uses. Four to six of
/// these calls make a request or a datagram round trip, so it shows.
template <class... Args>
ssize_t socket_call(long number, Args... args) noexcept {
  for (;;) {
    const long n = ::syscall(number, args...);
    if (n >= 0 || errno != EINTR) {
      return static_cast<ssize_t>(n);
    }
  }
}

/// Every send is non-blocking whatever the descriptor's mode, and never raises SIGPIPE.
inline constexpr int send_flags = MSG_DONTWAIT | MSG_NOSIGNAL;

/// A byte count from a system call's result, or its error.
inline io::Result<std::size_t> transferred(ssize_t n) noexcept {
  if (n < 0) {
    return io::last_error();
  }
  return static_cast<std::size_t>(n);
}

/// One non-blocking receive into `buffer`.
inline io::Result<std::size_t> receive(int fd, std::span<std::byte> buffer) noexcept {
  return transferred(socket_call(SYS_recvfrom, fd, buffer.data(), buffer.size(), MSG_DONTWAIT, nullptr, nullptr));
}

/// One non-blocking send of `data`.
inline io::Result<std::size_t> send(int fd, std::span<const std::byte> data) noexcept {
  return transferred(socket_call(SYS_sendto, fd, data.data(), data.size(), send_flags, nullptr, 0));
}

/// Up to this many buffers go into one sendmsg; the rest wait for the next call (a short write).
inline constexpr std::size_t max_iovecs = 64;

/// One non-blocking sendmsg of the first max_iovecs of `buffers`, with `extra_flags` (MSG_MORE).
inline io::Result<std::size_t> send_vectored(int fd, std::span<const asio::const_buffer> buffers,
                                             int extra_flags) noexcept {
  std::array<iovec, max_iovecs> iov{};
  const std::size_t count = std::min(buffers.size(), max_iovecs);
  for (std::size_t i = 0; i < count; ++i) {
    iov[i].iov_base = const_cast<void*>(buffers[i].data());  // NOLINT: iovec is not const-correct
    iov[i].iov_len = buffers[i].size();
  }
  msghdr message{};
  message.msg_iov = iov.data();
  message.msg_iovlen = count;
  return transferred(socket_call(SYS_sendmsg, fd, &message, send_flags | extra_flags));
}

/// The flags of a datagram receive: non-blocking, and MSG_TRUNC, with which the kernel returns
/// the datagram's full length even when the buffer was shorter.
inline constexpr int datagram_receive_flags = MSG_DONTWAIT | MSG_TRUNC;

/// What a datagram receive into `buffer` that returned `length` (not an error) got.
inline Received received(std::span<std::byte> buffer, ssize_t length) noexcept {
  const auto full = static_cast<std::size_t>(length);
  return Received{std::min(full, buffer.size()), full};
}

/// One datagram from a connected socket into `buffer`, its full length reported (MSG_TRUNC).
inline io::Result<Received> receive_datagram(int fd, std::span<std::byte> buffer) noexcept {
  const ssize_t n =
      socket_call(SYS_recvfrom, fd, buffer.data(), buffer.size(), datagram_receive_flags, nullptr, nullptr);
  if (n < 0) {
    return io::last_error();
  }
  return received(buffer, n);
}

/// One datagram of `data` to `to` (`length` bytes of address), or to the connected peer when
/// `to` is null.
inline io::Result<std::size_t> send_datagram(int fd, std::span<const std::byte> data, const void* to,
                                             socklen_t length) noexcept {
  return transferred(socket_call(SYS_sendto, fd, data.data(), data.size(), send_flags, to, length));
}

/// The bytes one send_vectored call offers.
inline std::size_t vectored_size(std::span<const asio::const_buffer> buffers) noexcept {
  std::size_t total = 0;
  for (const asio::const_buffer& buffer : buffers.first(std::min(buffers.size(), max_iovecs))) {
    total += buffer.size();
  }
  return total;
}

}  // namespace wakeful::net::detail
