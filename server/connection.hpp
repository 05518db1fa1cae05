#pragma once
// A connection: reads requests, has its Session answer them, writes the answers, and keeps the
// timeouts (see Limits). It owns the socket and closes it when done.
//
// Most connections are idle most of the time (keep-alive between requests), so the idle state is
// what a connection costs. It is kept to what must outlive a request: the socket, the worker's
// link for the drain, the one timer, and the count of requests answered. Everything a request
// needs while it is read and answered (the parser, the read buffer, the output, the write in
// flight) lives in the frame of a coroutine, serve_requests, that exists only from the moment the
// socket has bytes until the answers are written and nothing more is there to read; on a
// connection the client reuses, it stays for Limits::warm_time more, so that a burst of
// requests sets it up once and not once per request.
//
//   Connection (the future a worker drives)        serve_requests (a coroutine, while busy)
//   | stream | link | timer | requests | busy | ---> | Session (llhttp) | InputBuffer | Output |
//
// Driven as a task, a Connection is one allocation of the task's header and this object; the
// busy coroutine's frame is one more, from the first byte of a request until its answer is out.

#include <cstddef>
#include <cstdint>

#include "deadline.hpp"
#include "wakeful/async.hpp"
#include "wakeful/net/tcp_listener.hpp"
#include "wakeful/time/sleep.hpp"
#include "worker.hpp"

namespace httpd {

/// Serves one accepted connection until it closes: a Future of void that never throws (failures
/// end the connection). Made, moved, polled and dropped on its worker's thread: it is in the
/// worker's list of connections (for the drain) from construction to destruction, and a move
/// takes its place there. Not moved once polled.
class Connection {
 public:
  Connection(wakeful::net::Accepted accepted, Worker& worker) noexcept;
  Connection(Connection&& other) noexcept;
  /// The worker the connection belongs to (its socket is registered with that worker's reactor).
  [[nodiscard]] Worker& worker() const noexcept { return *worker_; }
  Connection& operator=(Connection&&) = delete;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  /// Closes the socket and counts the connection closed.
  ~Connection();

  /// Ready once the connection is closed.
  wakeful::Poll<void> poll(wakeful::Context& cx);

 private:
  /// How a busy period ended.
  enum class BusyEnd : std::uint8_t {
    idle,   ///< everything answered and nothing more to read: wait for the next request
    close,  ///< the connection is done (closed by the client, an error, a timeout, or the drain)
  };

  /// Reads, answers and writes until everything is answered and the socket has nothing more.
  wakeful::Async<BusyEnd> serve_requests();
  /// When a connection idle since `idle_since`, after `answered` requests, times out.
  [[nodiscard]] Clock::time_point idle_deadline(Clock::time_point idle_since, std::size_t answered) const noexcept;
  /// Waits for the idle deadline; true once it has passed.
  bool idle_expired(wakeful::Context& cx);

  wakeful::net::TcpStream stream_;
  Worker* worker_;                // null once moved from
  ConnectionEntry entry_;         // in the worker's list from construction to destruction
  wakeful::time::Sleep timer_;    // every deadline of the connection: idle, header, body, write
  wakeful::Async<BusyEnd> busy_;  // while busy: the frame that holds the request state
  Clock::time_point idle_deadline_;
  std::uint32_t requests_ = 0;  // answered so far, carried from one busy period to the next
};

}  // namespace httpd
