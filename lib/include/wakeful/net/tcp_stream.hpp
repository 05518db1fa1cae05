#pragma once
// TcpStream: a connected TCP socket driven by readiness (tokio::net::TcpStream).

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

#include "wakeful/asio.hpp"

#include "wakeful/context.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"
#include "wakeful/time/timeout.hpp"

namespace wakeful::io::detail {
class ScheduledIo;
}  // namespace wakeful::io::detail

namespace wakeful::net {

/// The Asio socket type under a TcpStream: a TCP stream socket on a worker's io_context.
using TcpSocket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

/// Whether more bytes follow a write at once. `yes` sends with MSG_MORE: the kernel holds back
/// a partial last segment to fill it with the next write (which, without the flag, sends it).
/// A small response head written just before a file it announces then leaves with the file's
/// first bytes instead of in a segment of its own, which on loopback also keeps a reading
/// peer's receive window from staying small.
enum class MoreToSend : bool { no = false, yes = true };

/// A connected TCP socket. Every operation is a future (or a `poll_` function) that tries the
/// system call at once and, when it would block, waits for the socket's readiness from the
/// worker's reactor. Each operation spends one unit of the task's cooperative budget.
///
/// Errors are `io::Result` values carrying the system's error code: a reset connection is
/// `std::errc::connection_reset`, a broken pipe `std::errc::broken_pipe` (writes never raise
/// SIGPIPE). A read of 0 bytes means the peer closed its side (EOF).
///
/// The futures returned by read, write and the like borrow the stream and the buffer: both
/// must outlive them. A TcpStream must be dropped before the runtime whose worker created it.
///
/// Under AsioLocking::worker_thread_only the stream leaves its Asio calls to its worker: dropped
/// on another thread, it shuts the connection down at once and its worker closes the socket; its
/// first wait in a direction, made from another thread, is armed by its worker (for a
/// current-thread runtime, at the next block_on); move_to from another thread carries on with a
/// duplicate descriptor and leaves the original to its worker.
class TcpStream {
 public:
  class Connect;
  class ConnectTimeout;
  class Read;
  class ReadExact;
  class Write;
  class WriteAll;
  class WriteVectored;

  /// Starts connecting to `endpoint` from the calling worker; the future completes with the
  /// stream or the error (`std::errc::connection_refused`, ...). Throws std::logic_error outside a
  /// runtime worker.
  static Connect connect(const asio::ip::tcp::endpoint& endpoint);

  /// As connect, giving up after `timeout`: then the attempt is dropped (its socket closed) and
  /// the result is `std::errc::timed_out`.
  static ConnectTimeout connect(const asio::ip::tcp::endpoint& endpoint, std::chrono::steady_clock::duration timeout);

  /// Adopts a connected Asio socket. The stream's system calls are non-blocking whatever the
  /// socket's mode. Turns on the kernel's receive-queue hint (TCP_INQ, see poll_read_ready).
  explicit TcpStream(TcpSocket socket);

  TcpStream(TcpStream&& other) noexcept;
  TcpStream& operator=(TcpStream&& other) noexcept;
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  /// Closes the socket.
  ~TcpStream();

  /// Reads into `buffer`: the byte count (0 at EOF) or the error.
  Read read(std::span<std::byte> buffer) noexcept;
  /// Reads until `buffer` is full; `asio::error::eof` if the peer closes first.
  ReadExact read_exact(std::span<std::byte> buffer) noexcept;
  /// Writes some of `data` (one system call once writable): the byte count or the error.
  Write write(std::span<const std::byte> data) noexcept;
  /// Writes all of `data`.
  WriteAll write_all(std::span<const std::byte> data) noexcept;
  /// Writes from several buffers in one system call (sendmsg): the byte count or the error.
  WriteVectored write_vectored(std::span<const asio::const_buffer> buffers, MoreToSend more = MoreToSend::no) noexcept;

  /// The poll behind read().
  Poll<io::Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer);
  /// The poll behind write().
  Poll<io::Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data);
  /// The poll behind write_vectored().
  Poll<io::Result<std::size_t>> poll_write_vectored(Context& cx, std::span<const asio::const_buffer> buffers,
                                                    MoreToSend more = MoreToSend::no);

  /// Ready once the socket may be readable (it may still turn out not to be: then
  /// clear_readiness and wait again). A short read or write through read, write or
  /// write_vectored clears the readiness of its direction, and so does a read that filled its
  /// buffer when the kernel reports nothing left queued behind it (TCP_INQ, which streams
  /// wakeful creates or accepts have on, and the adopting constructor turns on).
  Poll<io::ReadyEvent> poll_read_ready(Context& cx);
  /// Ready once the socket may be writable.
  Poll<io::ReadyEvent> poll_write_ready(Context& cx);
  /// Forgets the readiness `event` reported: after an operation returned would_block, or after
  /// a try_read or try_write moved fewer bytes than offered (the socket is drained then; read,
  /// write and write_vectored do this themselves). Read readiness stays once the peer has
  /// closed its side, so its EOF is never missed; a newer event is never forgotten.
  void clear_readiness(const io::ReadyEvent& event) noexcept;

  /// One non-blocking read: `std::errc::operation_would_block` when nothing is there.
  io::Result<std::size_t> try_read(std::span<std::byte> buffer) noexcept;
  /// One non-blocking write.
  io::Result<std::size_t> try_write(std::span<const std::byte> data) noexcept;

  /// Moves the connection to another worker's reactor (the io_context of that worker), so that
  /// a task there can own it without cross-thread wake-ups: accept on one worker, serve on
  /// another. Costs two epoll_ctl calls (and a dup under AsioLocking::worker_thread_only when
  /// called off the stream's worker). The stream must not be in use (no pending operation).
  io::Result<TcpStream> move_to(asio::io_context& context) &&;

  /// Shuts down one or both directions (a half-close sends FIN; the peer reads EOF).
  io::Result<void> shutdown(asio::socket_base::shutdown_type what) noexcept;
  /// Enables or disables Nagle's algorithm.
  io::Result<void> set_nodelay(bool enabled) noexcept;
  /// The address of the peer.
  [[nodiscard]] io::Result<asio::ip::tcp::endpoint> peer_endpoint() const noexcept;
  /// The local address.
  [[nodiscard]] io::Result<asio::ip::tcp::endpoint> local_endpoint() const noexcept;
  /// The CPU on which the kernel last processed a packet received for this socket
  /// (SO_INCOMING_CPU), or -1 before any. On loopback that is the CPU of the sending thread;
  /// behind a NIC, the CPU serving its receive queue. A server whose runtime pins its workers
  /// can serve the connection on the worker of that CPU (Runtime::worker_for_cpu), so that the
  /// socket is only ever touched by one core.
  [[nodiscard]] io::Result<int> incoming_cpu() const noexcept;

  /// The underlying Asio socket, for options and addresses. Do not start Asio asynchronous
  /// operations on it: the stream's readiness tracking owns its reactor queues. Closing or
  /// releasing it ends the stream: its reads and writes then fail with bad_file_descriptor
  /// (and poll_read_ready / poll_write_ready throw, as on a moved-from stream); reopening it is
  /// not supported.
  [[nodiscard]] TcpSocket& socket() noexcept { return socket_; }

 private:
  friend class TcpListener;
  enum class State : bool { connecting, connected };
  // For sockets wakeful created or accepted, which have the receive-queue hint on already. A
  // stream whose connect is in progress starts not writable: writability means connected.
  TcpStream(TcpSocket socket, State state);
  void close() noexcept;
  io::detail::ScheduledIo* live_io() noexcept;
  io::detail::ScheduledIo& live_io_for_readiness();

  TcpSocket socket_;
  io::detail::ScheduledIo* io_;
  bool last_read_filled_ = false;  // decides how the next read is made (see poll_read)
};

/// The future of TcpStream::connect.
class [[nodiscard]] TcpStream::Connect {
 public:
  /// The connected stream, or why it could not connect.
  Poll<io::Result<TcpStream>> poll(Context& cx);

 private:
  friend class TcpStream;
  explicit Connect(const asio::ip::tcp::endpoint& endpoint) : endpoint_(endpoint) {}

  asio::ip::tcp::endpoint endpoint_;
  std::optional<TcpStream> stream_;  // once the connect call has been made
  std::error_code error_;            // a failure found before waiting
  bool done_ = false;
};

/// The future of TcpStream::connect with a timeout.
class [[nodiscard]] TcpStream::ConnectTimeout {
 public:
  /// The connected stream, `std::errc::timed_out`, or why it could not connect.
  Poll<io::Result<TcpStream>> poll(Context& cx) {
    Poll<std::optional<io::Result<TcpStream>>> result = attempt_.poll(cx);
    if (result.is_pending()) {
      return Pending;
    }
    if (!*result) {
      return Poll<io::Result<TcpStream>>(std::in_place, std::make_error_code(std::errc::timed_out));
    }
    return Poll<io::Result<TcpStream>>(std::in_place, std::move(**result));
  }

 private:
  friend class TcpStream;
  ConnectTimeout(Connect connect, std::chrono::steady_clock::duration timeout)
      : attempt_(std::move(connect), std::chrono::steady_clock::now() + timeout) {}
  time::Timeout<Connect> attempt_;
};

/// The future of TcpStream::read.
class [[nodiscard]] TcpStream::Read {
 public:
  /// The byte count (0 at EOF) or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return stream_->poll_read(cx, buffer_); }

 private:
  friend class TcpStream;
  Read(TcpStream& stream, std::span<std::byte> buffer) noexcept : stream_(&stream), buffer_(buffer) {}
  TcpStream* stream_;
  std::span<std::byte> buffer_;
};

/// The future of TcpStream::read_exact.
class [[nodiscard]] TcpStream::ReadExact {
 public:
  /// Success once the buffer is full; `asio::error::eof` if the peer closed before.
  Poll<io::Result<void>> poll(Context& cx);

 private:
  friend class TcpStream;
  ReadExact(TcpStream& stream, std::span<std::byte> buffer) noexcept : stream_(&stream), rest_(buffer) {}
  TcpStream* stream_;
  std::span<std::byte> rest_;
};

/// The future of TcpStream::write.
class [[nodiscard]] TcpStream::Write {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return stream_->poll_write(cx, data_); }

 private:
  friend class TcpStream;
  Write(TcpStream& stream, std::span<const std::byte> data) noexcept : stream_(&stream), data_(data) {}
  TcpStream* stream_;
  std::span<const std::byte> data_;
};

/// The future of TcpStream::write_all.
class [[nodiscard]] TcpStream::WriteAll {
 public:
  /// Success once everything is written.
  Poll<io::Result<void>> poll(Context& cx);

 private:
  friend class TcpStream;
  WriteAll(TcpStream& stream, std::span<const std::byte> data) noexcept : stream_(&stream), rest_(data) {}
  TcpStream* stream_;
  std::span<const std::byte> rest_;
};

/// The future of TcpStream::write_vectored.
class [[nodiscard]] TcpStream::WriteVectored {
 public:
  /// The byte count or the error.
  Poll<io::Result<std::size_t>> poll(Context& cx) { return stream_->poll_write_vectored(cx, buffers_, more_); }

 private:
  friend class TcpStream;
  WriteVectored(TcpStream& stream, std::span<const asio::const_buffer> buffers, MoreToSend more) noexcept
      : stream_(&stream), buffers_(buffers), more_(more) {}
  TcpStream* stream_;
  std::span<const asio::const_buffer> buffers_;
  MoreToSend more_;
};

/// `bytes` viewed as the byte span the stream operations take.
inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};  // NOLINT: byte view of chars
}

}  // namespace wakeful::net
