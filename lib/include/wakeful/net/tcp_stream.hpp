#pragma once
// TcpStream: a connected TCP socket driven by readiness (tokio::net::TcpStream).

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "wakeful/asio.hpp"

#include "wakeful/async.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/split.hpp"
#include "wakeful/poll.hpp"
#include "wakeful/time/timeout.hpp"

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
/// worker's reactor (its io::Registration). Each operation spends one unit of the task's
/// cooperative budget. No Asio object is exposed: an Asio operation started behind the
/// registration would wait in the reactor queue it owns and never run.
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

  /// As connect, giving up after `timeout` of the runtime's clock (time::now(), so a paused
  /// clock bounds it too): then the attempt is dropped (its socket closed) and the result is
  /// `std::errc::timed_out`. The deadline is taken when this is called.
  static ConnectTimeout connect(const asio::ip::tcp::endpoint& endpoint, std::chrono::steady_clock::duration timeout);

  /// Connects to each of `endpoints` in turn until one connects: the stream, or, when every one
  /// failed, the last one's error (`std::errc::invalid_argument` for none). Throws
  /// std::logic_error outside a runtime worker.
  static Async<io::Result<TcpStream>> connect(std::vector<asio::ip::tcp::endpoint> endpoints);
  /// As above, giving each endpoint `timeout` to connect (then `std::errc::timed_out` is its
  /// error, and the next one is tried).
  static Async<io::Result<TcpStream>> connect(std::vector<asio::ip::tcp::endpoint> endpoints,
                                              std::chrono::steady_clock::duration timeout);

  /// Resolves `host` (a name or a numeric address) with the worker's Asio resolver and connects
  /// to each address it gives in turn, until one connects: the stream, the resolver's error
  /// (`asio::error::host_not_found`, ...), or, when every address failed, the last address's
  /// error. Resolution runs on Asio's resolver thread, not the worker. Throws std::logic_error
  /// outside a runtime worker. Dropping the future cancels the resolution or drops the attempt
  /// in progress (its socket closed).
  static Async<io::Result<TcpStream>> connect(std::string host, std::uint16_t port);
  /// As above, giving each address `timeout` to connect (an attempt that runs out fails with
  /// `std::errc::timed_out`, and the next address is tried). The resolution itself is not
  /// bounded by it: wrap the whole in time::timeout to bound the total.
  static Async<io::Result<TcpStream>> connect(std::string host, std::uint16_t port,
                                              std::chrono::steady_clock::duration timeout);

  /// Adopts a connected Asio socket: its descriptor leaves the socket's reactor and is
  /// registered with the io_context the socket was bound to (two epoll_ctl calls). The socket
  /// must have no operation in flight. The stream's system calls are non-blocking whatever the
  /// socket's mode. Turns on the kernel's receive-queue hint (TCP_INQ, see poll_read_ready).
  /// Throws std::system_error when the descriptor cannot be registered.
  explicit TcpStream(TcpSocket socket);

  /// Takes over `other`'s connection; `other` is left without one.
  TcpStream(TcpStream&& other) noexcept = default;
  /// Closes this stream's connection, then takes over `other`'s.
  TcpStream& operator=(TcpStream&& other) noexcept = default;
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  /// Closes the socket.
  ~TcpStream() = default;

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
  /// Ready at once: the stream buffers nothing of its own (io::AsyncWrite).
  Poll<io::Result<void>> poll_flush(Context& /*cx*/) noexcept { return Poll<io::Result<void>>(std::in_place); }
  /// Shuts the write direction down at once (the peer reads EOF; reads carry on): the
  /// io::AsyncWrite form of shutdown(shutdown_send).
  Poll<io::Result<void>> poll_shutdown(Context& /*cx*/) noexcept {
    return Poll<io::Result<void>>(std::in_place, shutdown(asio::socket_base::shutdown_send));
  }

  /// Splits the stream into a read half and a write half that two tasks (on any workers) can
  /// use at once; io::reunite puts them back together. See wakeful/io/split.hpp.
  std::pair<io::OwnedReadHalf<TcpStream>, io::OwnedWriteHalf<TcpStream>> into_split() &&;

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

  /// Runs `op`, a non-blocking system call of the caller's on native_handle() (a sendfile, a
  /// splice, a recvmsg with flags of its own), whenever `direction` is ready: the stream's
  /// io::Registration::try_io, with its budget, readiness clearing and gone-runtime error.
  template <class Op, class Drained = io::NeverDrained>
  Poll<std::invoke_result_t<Op&>> try_io(Context& cx, io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.try_io(cx, direction, std::forward<Op>(op), std::move(drained));
  }
  /// try_io as a future (io::Registration::async_io): owns `op`, borrows the stream.
  template <class Op, class Drained = io::NeverDrained>
  auto async_io(io::Direction direction, Op&& op, Drained drained = {}) {
    return registration_.async_io(direction, std::forward<Op>(op), std::move(drained));
  }

  /// Moves the connection to another worker's reactor (the io_context of that worker), so that
  /// a task there can own it without cross-thread wake-ups: accept on one worker, serve on
  /// another. Costs two epoll_ctl calls (and a dup under AsioLocking::worker_thread_only when
  /// called off the stream's worker). The stream must not be in use (no pending operation).
  io::Result<TcpStream> move_to(asio::io_context& context) &&;

  /// The socket's descriptor (-1 once moved from), for system calls of the caller's own. Closing
  /// it, or handing it to Asio, breaks the stream.
  [[nodiscard]] int native_handle() const noexcept { return registration_.native_handle(); }

  /// Sets a socket option: any Asio settable socket option (asio::ip::tcp::no_delay,
  /// asio::socket_base::keep_alive, receive_buffer_size, ...).
  template <class Option>
  io::Result<void> set_option(const Option& option) noexcept {
    const asio::ip::tcp protocol = this->protocol();
    if (::setsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol),
                     static_cast<socklen_t>(option.size(protocol))) != 0) {
      return io::last_error();
    }
    return {};
  }

  /// Reads a socket option into `option` (any Asio gettable socket option).
  template <class Option>
  io::Result<void> get_option(Option& option) const {
    const asio::ip::tcp protocol = this->protocol();
    auto size = static_cast<socklen_t>(option.size(protocol));
    if (::getsockopt(native_handle(), option.level(protocol), option.name(protocol), option.data(protocol), &size) !=
        0) {
      return io::last_error();
    }
    option.resize(protocol, static_cast<std::size_t>(size));
    return {};
  }

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

  /// The stream's readiness registration.
  [[nodiscard]] io::Registration& registration() noexcept { return registration_; }

 private:
  friend class TcpListener;
  enum class State : bool { connecting, connected };
  // Registers a socket wakeful created or accepted (which has the receive-queue hint on
  // already). A stream whose connect is in progress starts not writable: writability means
  // connected. On failure the descriptor is closed.
  static io::Result<TcpStream> open(asio::io_context& context, int descriptor, bool v6, State state);
  TcpStream(io::Registration registration, bool v6) noexcept : registration_(std::move(registration)), v6_(v6) {}
  [[nodiscard]] asio::ip::tcp protocol() const noexcept { return v6_ ? asio::ip::tcp::v6() : asio::ip::tcp::v4(); }

  io::Registration registration_;
  bool v6_ = false;
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
      : attempt_(time::timeout(timeout, std::move(connect))) {}
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

namespace wakeful::io {
/// A TcpStream's directions are independent (one registration, a waker slot per direction).
template <>
inline constexpr bool enable_split<net::TcpStream> = true;
}  // namespace wakeful::io

namespace wakeful::net {

/// The read half of a split TcpStream.
using TcpReadHalf = io::OwnedReadHalf<TcpStream>;
/// The write half of a split TcpStream.
using TcpWriteHalf = io::OwnedWriteHalf<TcpStream>;

inline std::pair<TcpReadHalf, TcpWriteHalf> TcpStream::into_split() && { return io::into_split(std::move(*this)); }

}  // namespace wakeful::net
