// The I/O side of a connection: reads, writes, timeouts and the close.

#include "connection.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>

#include "deadline.hpp"
#include "http/input_buffer.hpp"
#include "http/output.hpp"
#include "http/session.hpp"
#include "log.hpp"
#include "worker.hpp"

namespace httpd {

namespace {

using wakeful::Context;
using wakeful::Pending;
using wakeful::Poll;
namespace io = wakeful::io;
namespace net = wakeful::net;

// After the last response, the client may still be sending (a pipeline cut short by an error):
// closing with unread bytes would make the kernel send a reset that can destroy the response in
// flight. So the server half-closes and reads what comes, for a bounded time and amount.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = std::size_t{256} * 1024;

// One sendfile call sends at most this much, so one connection cannot hold its worker long.
constexpr std::size_t sendfile_chunk = std::size_t{1024} * 1024;

// Vectored writes gather at most this many pieces.
constexpr std::size_t max_iovecs = 64;

/// Reads some bytes into the input. While the connection is idle the read buffer is taken only
/// once the socket has bytes, so an idle connection holds none. One future for both cases, so
/// that the connection's coroutine frame holds one read in flight, not one per call site.
class ReadSome {
 public:
  ReadSome(net::TcpStream& stream, http::InputBuffer& input, bool idle) noexcept
      : stream_(&stream), input_(&input), idle_(idle) {}

  Poll<io::Result<std::size_t>> poll(Context& cx) {
    if (!idle_) {
      return stream_->poll_read(cx, input_->space());
    }
    // The buffer is taken once the socket is readable, and given back when it was not after all.
    std::size_t offered = 0;
    return stream_->try_io(
        cx, io::Direction::read,
        [this, &offered] {
          const std::span<std::byte> space = input_->space();
          offered = space.size();
          io::Result<std::size_t> got = stream_->try_read(space);
          if (!got.ok() && got.error() == std::errc::operation_would_block) {
            input_->release();
          }
          return got;
        },
        [&offered](std::size_t got) { return io::ShortTransfer{offered}(got); });
  }

 private:
  net::TcpStream* stream_;
  http::InputBuffer* input_;
  bool idle_;
};

/// Writes the whole output: vectored writes for bytes, sendfile for file ranges. Ready with
/// true once all is written, false on an error or when no byte could be written for `timeout`.
class Flush {
 public:
  Flush(net::TcpStream& stream, http::Output& output, wakeful::time::Sleep& timer, Clock::duration timeout,
        WorkerStats& stats) noexcept
      : stream_(&stream), output_(&output), timer_(&timer), timeout_(timeout), stats_(&stats) {}

  Poll<bool> poll(Context& cx) {
    while (!output_->empty()) {
      Poll<io::Result<std::size_t>> wrote = write_some(cx);
      if (wrote.is_pending()) {
        return wait(cx);
      }
      if (!wrote->ok() || **wrote == 0) {
        return false;
      }
      output_->consume(**wrote);
      stats_->bytes_sent.add(**wrote);
      deadline_.reset();  // progress: the stall clock starts again at the next wait
    }
    return true;
  }

 private:
  Poll<io::Result<std::size_t>> write_some(Context& cx) {
    const http::Output::Piece& first = *output_->front();
    if (first.kind == http::Output::Piece::Kind::file) {
      const std::size_t length = std::min(first.length, sendfile_chunk);
      const int socket = stream_->native_handle();
      return stream_->try_io(cx, io::Direction::write, [socket, &first, length]() -> io::Result<std::size_t> {
        for (;;) {
          auto offset = static_cast<off_t>(first.offset);
          const ssize_t sent = ::sendfile(socket, first.file->fd, &offset, length);
          if (sent >= 0) {
            return static_cast<std::size_t>(sent);  // 0: the file shrank
          }
          if (errno != EINTR) {
            return io::last_error();
          }
        }
      });  // a short sendfile may be the file's end, not a full socket: only EAGAIN clears
    }
    std::array<asio::const_buffer, max_iovecs> buffers;
    std::size_t count = 0;
    net::MoreToSend more = net::MoreToSend::no;
    for (const http::Output::Piece& piece : *output_) {
      if (piece.kind == http::Output::Piece::Kind::file) {
        // The head of a file's response: let it leave with the file's first bytes. Sent alone,
        // a small segment before a large body keeps the client's receive window small.
        more = net::MoreToSend::yes;
        break;
      }
      if (count == buffers.size()) {
        break;
      }
      const std::string_view bytes = output_->bytes(piece);
      buffers[count++] = asio::const_buffer(bytes.data(), bytes.size());
    }
    return stream_->poll_write_vectored(cx, std::span(buffers.data(), count), more);
  }

  Poll<bool> wait(Context& cx) {
    if (!deadline_) {
      deadline_ = Clock::now() + timeout_;
    }
    for (;;) {
      if (timer_->deadline() > *deadline_) {
        timer_->reset(*deadline_);
      }
      if (timer_->poll_unbudgeted(cx).is_pending()) {
        return Pending;
      }
      if (Clock::now() >= *deadline_) {
        return false;  // stalled: the client does not read
      }
      timer_->reset(*deadline_);
    }
  }

  net::TcpStream* stream_;
  http::Output* output_;
  wakeful::time::Sleep* timer_;
  Clock::duration timeout_;
  WorkerStats* stats_;
  std::optional<Clock::time_point> deadline_;
};

/// Links the connection into its worker for the drain, and counts it closed when it ends.
class WorkerLink {
 public:
  WorkerLink(Worker& worker, int fd) noexcept : worker_(worker) {
    entry.fd = fd;
    worker_.link(entry);
  }
  WorkerLink(const WorkerLink&) = delete;
  WorkerLink& operator=(const WorkerLink&) = delete;
  ~WorkerLink() {
    worker_.unlink(entry);
    worker_.stats().connections_closed.add();
    worker_.state().open_connections.fetch_sub(1, std::memory_order_relaxed);
  }

  ConnectionEntry entry;

 private:
  Worker& worker_;
};

// The time `bytes` of a body earn it: one second per body_min_rate bytes.
Clock::duration body_credit(std::size_t bytes, const Limits& limits) {
  if (limits.body_min_rate == 0) {
    return Clock::duration::zero();
  }
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(limits.body_min_rate)));
}

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// Lingering close: FIN first, then drain what the client still sends. A coroutine of its own,
// so that its frame exists only while a connection closes.
wakeful::Async<void> linger(net::TcpStream& stream, http::InputBuffer& input, wakeful::time::Sleep& timer,
                            Clock::duration header_timeout) {
  (void)stream.shutdown(asio::socket_base::shutdown_send);
  const Clock::time_point linger_end = Clock::now() + std::min<Clock::duration>(linger_time, header_timeout);
  std::size_t drained = 0;
  while (drained < linger_bytes) {
    input.consume(input.unread().size());
    auto got = co_await with_deadline(stream.read(input.space()), timer, linger_end);
    if (!got || !got->ok() || **got == 0) {
      break;
    }
    drained += **got;
  }
  input.consume(input.unread().size());
}

}  // namespace

wakeful::Async<void> serve_connection(net::Accepted accepted, Worker& worker) {
  net::TcpStream& stream = accepted.stream;  // the parameter lives in the frame: no second copy
  WorkerLink link(worker, stream.native_handle());
  const Config& config = worker.config();
  const Limits& limits = config.limits;
  WorkerStats& stats = worker.stats();
  try {
    (void)stream.set_nodelay(true);  // responses are whole when written: no reason to hold them
    http::Session session(http::SessionOptions{&limits, &worker.router(), &stats, &worker.state().draining,
                                               config.access_log,
                                               config.access_log ? endpoint_text(accepted.peer) : std::string()});
    http::InputBuffer input(worker.input_capacity());
    http::Output output;
    wakeful::time::Sleep timer(Clock::now() + limits.header_timeout);
    Clock::time_point deadline = timer.deadline();  // for the request head, or body, under way
    bool flushed = true;

    for (;;) {
      const bool idle = session.idle(input);
      Clock::time_point read_deadline = deadline;
      if (idle) {
        input.release();
        output.release();
        if (worker.grace_over()) {
          // Draining, and the grace for a next request is over: what the client has sent already
          // is still answered (with Connection: close); then the read finds EOF.
          (void)stream.shutdown(asio::socket_base::shutdown_receive);
        }
        read_deadline = Clock::now() + (session.requests() == 0 ? limits.header_timeout : limits.idle_timeout);
      } else if (input.space().empty()) {
        break;  // cannot happen: the session refuses a head that fills the buffer
      }
      link.entry.idle = idle;
      const std::optional<io::Result<std::size_t>> got =
          co_await with_deadline(ReadSome(stream, input, idle), timer, read_deadline);
      link.entry.idle = false;

      const std::size_t answered = session.requests();
      http::SessionStatus status = http::SessionStatus::close;
      bool reading_body = false;  // this read brought bytes of a body
      if (!got) {
        if (idle) {
          break;  // idle too long: closed without a word (RFC 9112 section 9.6)
        }
        session.timed_out(input, output);  // 408 if a request was under way
      } else {
        if (!got->ok() || **got == 0) {
          break;  // reset, or the client closed its side: nothing is left to answer
        }
        if (idle) {
          deadline = Clock::now() + limits.header_timeout;  // a request begins
        }
        input.commit(**got);
        stats.bytes_received.add(**got);
        reading_body = !session.in_head();
        if (reading_body) {
          deadline += body_credit(**got, limits);
        }
        status = session.process(input, output);
      }
      for (;;) {
        flushed = co_await Flush(stream, output, timer, limits.write_timeout, stats);
        if (!flushed || status != http::SessionStatus::output_full) {
          break;
        }
        status = session.process(input, output);
      }
      if (!flushed || status == http::SessionStatus::close) {
        break;
      }
      if (!session.in_head()) {
        // A body is arriving: it has body_timeout from its start, and one second more for every
        // body_min_rate bytes it brings (above), so a body that trickles in is cut however often
        // its bytes come.
        if (session.requests() != answered) {
          deadline = Clock::now() + limits.body_timeout;
        }
      } else if (session.requests() != answered || reading_body) {
        // A new request began, or the next one follows a body: the read deadline starts again.
        // A head that trickles in keeps the deadline its first byte set (slowloris).
        deadline = Clock::now() + limits.header_timeout;
      }
    }

    if (flushed && session.closing()) {
      co_await linger(stream, input, timer, limits.header_timeout);
    }
  } catch (const std::exception& error) {
    log(LogLevel::warn, std::string("connection failed: ") + error.what());
  }
}

}  // namespace httpd
