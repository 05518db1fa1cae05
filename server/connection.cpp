// The I/O side of a connection: reads, writes, timeouts and the close.

#include "connection.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

/// The read that waits for a next request, for as long as the connection stays warm. The socket
/// was reported readable, but that may be stale (a socket starts readable; a read that filled the
/// buffer leaves it so), so it reads at once. When nothing is there, the read buffer goes back to
/// its pool, the connection is idle from that moment (`idle_since`), and the read waits for bytes
/// for `warm` more. Ready with nullopt once the connection has been without a request for all
/// that time: it then gives its request state back and waits as an idle connection.
///
/// Why wait here at all: a busy period costs setting up (the coroutine's frame, the pooled
/// state, a fresh Session), and on a keep-alive connection under load the next request comes
/// within microseconds; the warm time pays that set-up once per burst instead of per request.
/// The deadline shares the connection's one timer, lazily: under load it fires once per warm
/// time, not once per request.
class ReadWhileWarm {
 public:
  ReadWhileWarm(net::TcpStream& stream, http::InputBuffer& input, wakeful::time::Sleep& timer, Clock::duration warm,
                Clock::time_point& idle_since) noexcept
      : stream_(&stream), input_(&input), timer_(&timer), warm_(warm), idle_since_(&idle_since) {}

  Poll<std::optional<io::Result<std::size_t>>> poll(Context& cx) {
    std::size_t offered = 0;
    Poll<io::Result<std::size_t>> got = stream_->try_io(
        cx, io::Direction::read,
        [this, &offered] {
          const std::span<std::byte> space = input_->space();
          offered = space.size();
          return stream_->try_read(space);
        },
        [&offered](std::size_t moved) { return io::ShortTransfer{offered}(moved); });
    if (got.is_ready()) {
      return std::optional<io::Result<std::size_t>>(std::move(*got));
    }
    // Even a warm connection holds no read buffer while it waits: the buffer goes back to the
    // worker's pool, where the next connection with bytes to read takes it while it is still in
    // the cache. (Pending comes from a would-block read, or from the readiness a short read
    // cleared without one: both leave the buffer empty.)
    input_->release();
    if (!wakeful::coop::has_budget_remaining()) {
      return Pending;  // the budget is spent, not the socket: the task was woken to go on
    }
    if (!warm_end_) {
      *idle_since_ = Clock::now();
      warm_end_ = *idle_since_ + warm_;
      if (warm_ == Clock::duration::zero()) {
        return std::optional<io::Result<std::size_t>>();
      }
    }
    for (;;) {
      if (timer_->deadline() > *warm_end_) {
        timer_->reset(*warm_end_);
      }
      if (timer_->poll_unbudgeted(cx).is_pending()) {
        return Pending;  // the read above registered for readiness too
      }
      if (Clock::now() >= *warm_end_) {
        return std::optional<io::Result<std::size_t>>();
      }
      timer_->reset(*warm_end_);
    }
  }

 private:
  net::TcpStream* stream_;
  http::InputBuffer* input_;
  wakeful::time::Sleep* timer_;
  Clock::duration warm_;
  Clock::time_point* idle_since_;
  std::optional<Clock::time_point> warm_end_;
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

/// What a request in flight needs besides the busy coroutine's own locals: the Session (llhttp),
/// the read buffer and the output. Each worker keeps those its connections gave back when they
/// went idle and hands them to the next that becomes busy, so that a request-response round
/// allocates none of it (the output keeps its capacity in the pool, within a bound). The read
/// buffer goes back to its own pool (InputBuffer) whenever it is empty.
struct RequestState {
  explicit RequestState(std::size_t input_capacity) noexcept : input(input_capacity) {}

  std::optional<http::Session> session;  // made afresh for every busy period
  http::InputBuffer input;
  http::Output output;

  /// A state taken from the calling thread's pool, given back when the lease ends.
  class Lease;
};

class RequestState::Lease {
 public:
  explicit Lease(std::size_t input_capacity) {
    std::vector<std::unique_ptr<RequestState>>& free = pool();
    if (!free.empty() && free.back()->input.capacity() == input_capacity) {
      state_ = std::move(free.back());
      free.pop_back();
    } else {
      state_ = std::make_unique<RequestState>(input_capacity);
    }
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    state_->session.reset();
    state_->input.consume(state_->input.unread().size());
    state_->input.release();
    std::vector<std::unique_ptr<RequestState>>& free = pool();
    if (!state_->output.empty() || free.size() >= max_pooled) {
      return;  // unsent output dies with its connection; and the pool is bounded
    }
    if (state_->output.capacity_bytes() > max_kept_output) {
      state_->output.release();
    }
    try {
      free.push_back(std::move(state_));
    } catch (const std::bad_alloc&) {
    }
  }

  RequestState* operator->() const noexcept { return state_.get(); }

 private:
  // As many as were ever busy at once, up to this many, per worker.
  static constexpr std::size_t max_pooled = 256;
  // An output that grew for a large response gives its memory back.
  static constexpr std::size_t max_kept_output = std::size_t{8} * 1024;

  static std::vector<std::unique_ptr<RequestState>>& pool() {
    thread_local std::vector<std::unique_ptr<RequestState>> free;
    return free;
  }

  std::unique_ptr<RequestState> state_;
};

// The time `bytes` of a body earn it: one second per body_min_rate bytes.
Clock::duration body_credit(std::size_t bytes, const Limits& limits) {
  if (limits.body_min_rate == 0) {
    return Clock::duration::zero();
  }
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(limits.body_min_rate)));
}

// The client's address for the access log, asked of the socket (an idle connection does not keep
// it): "-" once the connection is gone.
std::string peer_text(const net::TcpStream& stream) {
  const io::Result<asio::ip::tcp::endpoint> peer = stream.peer_endpoint();
  if (!peer.ok()) {
    return "-";
  }
  const asio::ip::tcp::endpoint& endpoint = *peer;
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

Connection::Connection(net::Accepted accepted, Worker& worker) noexcept
    : stream_(std::move(accepted.stream)),
      worker_(&worker),
      timer_(Clock::now() + worker.config().limits.header_timeout) {
  (void)stream_.set_nodelay(true);  // responses are whole when written: no reason to hold them
  idle_deadline_ = timer_.deadline();
  entry_.fd = stream_.native_handle();
  worker_->link(entry_);
}

Connection::Connection(Connection&& other) noexcept
    : stream_(std::move(other.stream_)),
      worker_(std::exchange(other.worker_, nullptr)),
      timer_(std::move(other.timer_)),
      busy_(std::move(other.busy_)),
      idle_deadline_(other.idle_deadline_),
      requests_(other.requests_) {
  assert(busy_.is_done());  // moved before its first poll: no frame refers to `other` yet
  if (worker_ != nullptr) {
    entry_.fd = other.entry_.fd;
    worker_->unlink(other.entry_);
    worker_->link(entry_);
  }
}

Connection::~Connection() {
  if (worker_ == nullptr) {
    return;  // moved from
  }
  busy_ = {};  // its frame refers to this connection
  worker_->unlink(entry_);
  worker_->stats().connections_closed.add();
  worker_->state().open_connections.fetch_sub(1, std::memory_order_relaxed);
}

Poll<void> Connection::poll(Context& cx) {
  for (;;) {
    if (!busy_.is_done()) {
      Poll<BusyEnd> end = busy_.poll(cx);  // never throws: serve_requests catches
      if (end.is_pending()) {
        return Pending;
      }
      busy_ = {};  // the request state goes with the frame; serve_requests set idle_deadline_
      if (*end == BusyEnd::close) {
        return wakeful::Ready;
      }
    }
    if (worker_->grace_over()) {
      // Draining, and the grace for a next request is over: shutting the read side makes the
      // socket readable, so what the client sent already is still answered (with Connection:
      // close) and then the read finds EOF. Worker::end_grace does this for the connections idle
      // when the grace ends; this is for those that go idle after it.
      (void)stream_.shutdown(asio::socket_base::shutdown_receive);
    }
    entry_.idle = true;
    if (stream_.poll_read_ready(cx).is_pending()) {
      if (idle_expired(cx)) {
        return wakeful::Ready;  // idle too long: closed without a word (RFC 9112 section 9.6)
      }
      return Pending;
    }
    entry_.idle = false;
    busy_ = serve_requests();
  }
}

Clock::time_point Connection::idle_deadline(Clock::time_point idle_since, std::size_t answered) const noexcept {
  // The first request has header_timeout to arrive whole; a next one, idle_timeout to begin.
  const Limits& limits = worker_->config().limits;
  return idle_since + (answered == 0 ? limits.header_timeout : limits.idle_timeout);
}

bool Connection::idle_expired(Context& cx) {
  // The timer moves lazily, as in WithDeadline: a later deadline waits until it fires.
  for (;;) {
    if (timer_.deadline() > idle_deadline_) {
      timer_.reset(idle_deadline_);
    }
    if (timer_.poll_unbudgeted(cx).is_pending()) {
      return false;
    }
    if (Clock::now() >= idle_deadline_) {
      return true;
    }
    timer_.reset(idle_deadline_);
  }
}

wakeful::Async<Connection::BusyEnd> Connection::serve_requests() {
  Worker& worker = *worker_;
  const Config& config = worker.config();
  const Limits& limits = config.limits;
  WorkerStats& stats = worker.stats();
  try {
    RequestState::Lease state(worker.input_capacity());
    http::Session& session = state->session.emplace(
        http::SessionOptions{&limits, &worker.router(), &stats, &worker.drain(), config.access_log,
                             config.access_log ? peer_text(stream_) : std::string(), requests_});
    http::InputBuffer& input = state->input;
    http::Output& output = state->output;
    Clock::time_point deadline;    // for the request head, or body, under way: set by the first read
    Clock::time_point idle_since;  // when the last response was out and nothing more was there
    bool flushed = true;

    for (;;) {
      const bool idle = session.idle(input);
      std::optional<io::Result<std::size_t>> got;
      if (idle) {
        if (worker.grace_over()) {
          // As in Connection::poll: what the client sent already is answered, then EOF.
          (void)stream_.shutdown(asio::socket_base::shutdown_receive);
        }
        // The first read after a response usually finds nothing: the connection is idle from
        // then on (its idle timeout counts from there), and warm for a while first, once the
        // client has shown that it reuses it (a second request): a connection that made one
        // request and went quiet, the common idle one, keeps nothing, also in a surge of them.
        const Clock::duration warm = session.requests() < 2
                                         ? Clock::duration::zero()
                                         : std::min<Clock::duration>(limits.warm_time, limits.idle_timeout);
        entry_.idle = true;  // for the drain: a warm connection is an idle one
        got = co_await ReadWhileWarm(stream_, input, timer_, warm, idle_since);
        entry_.idle = false;
        if (!got) {
          requests_ = static_cast<std::uint32_t>(
              std::min<std::size_t>(session.requests(), std::numeric_limits<std::uint32_t>::max()));
          idle_deadline_ = idle_deadline(idle_since, requests_);
          co_return BusyEnd::idle;  // nothing more to read: the frame goes, the connection waits
        }
      } else {
        if (input.space().empty()) {
          break;  // cannot happen: the session refuses a head that fills the buffer
        }
        got = co_await with_deadline(stream_.read(input.space()), timer_, deadline);
      }

      const std::size_t answered = session.requests();
      http::SessionStatus status = http::SessionStatus::close;
      bool reading_body = false;  // this read brought bytes of a body
      if (!got) {
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
        flushed = co_await Flush(stream_, output, timer_, limits.write_timeout, stats);
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
      co_await linger(stream_, input, timer_, limits.header_timeout);
    }
  } catch (const std::exception& error) {
    log(LogLevel::warn, std::string("connection failed: ") + error.what());
  }
  co_return BusyEnd::close;
}

}  // namespace httpd
