#pragma once
// UnixStream: a connected Unix domain stream socket driven by readiness
// (tokio::net::UnixStream).

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include "wakeful/asio.hpp"

#include "wakeful/context.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/split.hpp"
#include "wakeful/net/unix_address.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::net {

/// Who is at the other end of a Unix socket, as the kernel recorded it when the connection was
/// made (SO_PEERCRED): the peer's process, user and group at connect (or pair) time, not now.
struct PeerCredentials {
  pid_t pid = 0;  ///< the peer's process
  uid_t uid = 0;  ///< the peer's effective user
  gid_t gid = 0;  ///< the peer's effective group
};

/// A connected Unix domain stream socket, with the reading and writing API of TcpStream (read,
/// read_exact, write, write_all, write_vectored and their poll_ forms, shutdown): code written
/// for one works with the other. Every operation tries the system call at once and, when it
/// would block, waits for readiness from the worker's reactor (its io::Registration); each
/// spends one unit of the task's cooperative budget.
///
/// Errors are `io::Result` values carrying the system's error code: a peer gone while data was
/// unread is `std::errc::connection_reset`, a write to a closed peer `std::errc::broken_pipe`
/// (never SIGPIPE). A read of 0 bytes means the peer closed its side (EOF).
///
/// The futures borrow the stream and the buffer: both must outlive them. One task may wait for
/// reading while another waits for writing. A UnixStream must be dropped before the runtime
/// whose worker created it.
class UnixStream {
 public:
  class Read;
  class ReadExact;
  class Write;
  class WriteAll;
  class WriteVectored;

  /// Connects to the listener at `address` from the calling worker. A Unix connect completes or
  /// fails at once, so this is no future: `std::errc::connection_refused` when nobody listens on
  /// an existing socket file, `std::errc::no_such_file_or_directory` when there is none,
  /// `std::errc::resource_unavailable_try_again` when the listener's backlog is full (Linux does
  /// not queue a non-blocking Unix connect: retry later), io::errc::not_on_worker outside a
  /// runtime worker.
  static io::Result<UnixStream> connect(const UnixAddress& address);
  /// As above, on the reactor of `context` (a worker's io_context).
  static io::Result<UnixStream> connect(asio::io_context& context, const UnixAddress& address);

  /// Two streams connected to each other (socketpair), on the calling worker's reactor: for a
  /// task talking to another, or a descriptor to hand to a child process. Fails with
  /// io::errc::not_on_worker outside a runtime worker, or the system's error.
  static io::Result<std::pair<UnixStream, UnixStream>> pair();
  /// As above, on the reactor of `context`.
  static io::Result<std::pair<UnixStream, UnixStream>> pair(asio::io_context& context);

  /// Takes over `other`'s connection; `other` is left without one.
  UnixStream(UnixStream&& other) noexcept = default;
  /// Closes this stream's connection, then takes over `other`'s.
  UnixStream& operator=(UnixStream&& other) noexcept = default;
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;
  /// Closes the socket.
  ~UnixStream() = default;

  /// Reads into `buffer`: the byte count (0 at EOF) or the error. Cancel safe: dropped before it
  /// completes, nothing was read.
  Read read(std::span<std::byte> buffer) noexcept;
  /// Reads until `buffer` is full; `asio::error::eof` if the peer closes first.
  ReadExact read_exact(std::span<std::byte> buffer) noexcept;
  /// Writes some of `data` (one system call once writable): the byte count or the error. Cancel
  /// safe: dropped before it completes, nothing was written.
  Write write(std::span<const std::byte> data) noexcept;
  /// Writes all of `data`.
  WriteAll write_all(std::span<const std::byte> data) noexcept;
  /// Writes from several buffers in one system call (sendmsg): the byte count or the error.
  WriteVectored write_vectored(std::span<const asio::const_buffer> buffers) noexcept;

  /// The poll behind read().
  Poll<io::Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer);
  /// The poll behind write().
  Poll<io::Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data);
  /// The poll behind write_vectored() (up to 64 buffers per call; the rest wait for the next).
  Poll<io::Result<std::size_t>> poll_write_vectored(Context& cx, std::span<const asio::const_buffer> buffers);
  /// Ready at once: the stream buffers nothing of its own (io::AsyncWrite).
  Poll<io::Result<void>> poll_flush(Context& /*cx*/) noexcept { return Poll<io::Result<void>>(std::in_place); }
  /// Shuts the write direction down at once (the peer reads EOF; reads carry on): the
  /// io::AsyncWrite form of shutdown(shutdown_send).
  Poll<io::Result<void>> poll_shutdown(Context& /*cx*/) noexcept {
    return Poll<io::Result<void>>(std::in_place, shutdown(asio::socket_base::shutdown_send));
  }
  /// Splits the stream into a read half and a write half that two tasks (on any workers) can
  /// use at once; io::reunite puts them back together. See wakeful/io/split.hpp.
  std::pair<io::OwnedReadHalf<UnixStream>, io::OwnedWriteHalf<UnixStream>> into_split() &&;

  /// Ready once the socket may be readable (then try the read; on would_block, clear_readiness
  /// and wait again). A short read or write through read, write or write_vectored clears the
  /// readiness of its direction.
  Poll<io::ReadyEvent> poll_read_ready(Context& cx) { return registration_.poll_read_ready(cx); }
  /// Ready once the socket may be writable.
  Poll<io::ReadyEvent> poll_write_ready(Context& cx) { return registration_.poll_write_ready(cx); }
  /// Forgets the readiness `event` reported (see TcpStream::clear_readiness).
  void clear_readiness(const io::ReadyEvent& event) noexcept { registration_.clear_readiness(event); }

  /// One non-blocking read: `std::errc::operation_would_block` when nothing is there.
  io::Result<std::size_t> try_read(std::span<std::byte> buffer) noexcept;
  /// One non-blocking write.
  io::Result<std::size_t> try_write(std::span<const std::byte> data) noexcept;

  /// Runs `op`, a non-blocking system call of the caller's on native_handle() (a sendmsg passing
  /// descriptors with SCM_RIGHTS, say), whenever `direction` is ready: io::Registration::try_io.
  template <class Op, class Drained = io::NeverDrained>
  Poll<std::invoke_result_t<Op&>> try_io(Context& cx, io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.try_io(cx, direction, std::forward<Op>(op), std::move(drained));
  }
  /// try_io as a future (io::Registration::async_io): owns `op`, borrows the stream.
  template <class Op, class Drained = io::NeverDrained>
  auto async_io(io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.async_io(direction, std::forward<Op>(op), std::move(drained));
  }

  /// The socket's descriptor (-1 once moved from). Closing it breaks the stream.
  [[nodiscard]] int native_handle() const noexcept { return registration_.native_handle(); }

  /// Sets a socket option: any Asio settable socket option that applies to a Unix stream socket
  /// (asio::socket_base::send_buffer_size, receive_buffer_size, ...).
  template <class Option>
  io::Result<void> set_option(const Option& option) noexcept {
    const asio::local::stream_protocol protocol;
    if (::setsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol),
                     static_cast<socklen_t>(option.size(protocol))) != 0) {
      return io::last_error();
    }
    return {};
  }

  /// Reads a socket option into `option` (any Asio gettable socket option).
  template <class Option>
  io::Result<void> get_option(Option& option) const {
    const asio::local::stream_protocol protocol;
    auto size = static_cast<socklen_t>(option.size(protocol));
    if (::getsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol), &size) !=
        0) {
      return io::last_error();
    }
    option.resize(protocol, static_cast<std::size_t>(size));
    return {};
  }

  /// Shuts down one or both directions (after a write shutdown the peer reads EOF).
  io::Result<void> shutdown(asio::socket_base::shutdown_type what) noexcept;
  /// The peer's process, user and group at connect time (SO_PEERCRED).
  [[nodiscard]] io::Result<PeerCredentials> peer_credentials() const noexcept;
  /// The local address (unnamed for a connecting client or a pair).
  [[nodiscard]] io::Result<UnixAddress> local_address() const noexcept;
  /// The peer's address (the listener's address, for a client; unnamed, for an accepted stream
  /// whose client never bound).
  [[nodiscard]] io::Result<UnixAddress> peer_address() const noexcept;

  /// The stream's readiness registration.
  [[nodiscard]] io::Registration& registration() noexcept { return registration_; }

 private:
  friend class UnixListener;
  // Registers a connected socket; on failure the descriptor is closed.
  static io::Result<UnixStream> open(asio::io_context& context, int descriptor);
  explicit UnixStream(io::Registration registration) noexcept : registration_(std::move(registration)) {}

  io::Registration registration_;
};

/// The future of UnixStream::read.
class [[nodiscard]] UnixStream::Read {
 public:
  /// The byte count (0 at EOF) or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return stream_->poll_read(cx, buffer_); }

 private:
  friend class UnixStream;
  Read(UnixStream& stream, std::span<std::byte> buffer) noexcept : stream_(&stream), buffer_(buffer) {}
  UnixStream* stream_;
  std::span<std::byte> buffer_;
};

/// The future of UnixStream::read_exact. Not cancel safe: dropped before it completes, the
/// bytes it read are lost.
class [[nodiscard]] UnixStream::ReadExact {
 public:
  /// Success once the buffer is full; `asio::error::eof` if the peer closed before.
  Poll<io::Result<void>> poll(Context& cx);

 private:
  friend class UnixStream;
  ReadExact(UnixStream& stream, std::span<std::byte> buffer) noexcept : stream_(&stream), rest_(buffer) {}
  UnixStream* stream_;
  std::span<std::byte> rest_;
};

/// The future of UnixStream::write.
class [[nodiscard]] UnixStream::Write {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return stream_->poll_write(cx, data_); }

 private:
  friend class UnixStream;
  Write(UnixStream& stream, std::span<const std::byte> data) noexcept : stream_(&stream), data_(data) {}
  UnixStream* stream_;
  std::span<const std::byte> data_;
};

/// The future of UnixStream::write_all. Not cancel safe: dropped before it completes, how much
/// was written is unknown.
class [[nodiscard]] UnixStream::WriteAll {
 public:
  /// Success once everything is written.
  Poll<io::Result<void>> poll(Context& cx);

 private:
  friend class UnixStream;
  WriteAll(UnixStream& stream, std::span<const std::byte> data) noexcept : stream_(&stream), rest_(data) {}
  UnixStream* stream_;
  std::span<const std::byte> rest_;
};

/// The future of UnixStream::write_vectored.
class [[nodiscard]] UnixStream::WriteVectored {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return stream_->poll_write_vectored(cx, buffers_); }

 private:
  friend class UnixStream;
  WriteVectored(UnixStream& stream, std::span<const asio::const_buffer> buffers) noexcept
      : stream_(&stream), buffers_(buffers) {}
  UnixStream* stream_;
  std::span<const asio::const_buffer> buffers_;
};

}  // namespace wakeful::net

namespace wakeful::io {
/// A UnixStream's directions are independent (one registration, a waker slot per direction).
template <>
inline constexpr bool enable_split<net::UnixStream> = true;
}  // namespace wakeful::io

namespace wakeful::net {

inline std::pair<io::OwnedReadHalf<UnixStream>, io::OwnedWriteHalf<UnixStream>> UnixStream::into_split() && {
  return io::into_split(std::move(*this));
}

}  // namespace wakeful::net
