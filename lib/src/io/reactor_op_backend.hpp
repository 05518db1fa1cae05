#pragma once
// The reactor_op backend: readiness from a persistent operation in Asio's epoll reactor.
//
// For each direction a task ever waits for, the backend queues one ReadinessOp on the
// descriptor's reactor queue: a reactor operation that never completes. Whenever epoll reports
// an edge for that direction, Asio's reactor runs the operation's perform(), which records the
// edge in the ScheduledIo and answers "not done", so the operation stays queued for the next
// edge. One operation per direction is ever queued; it costs one epoll_ctl when first queued
// and nothing per wait afterwards (async_wait costs an EPOLL_CTL_MOD per wait).
//
// Drained without would_block
// ---------------------------
// A read that returned fewer bytes than asked for shows the stream drained, and try_io clears
// the readiness at once instead of paying for the call that would return would_block. But a FIN
// that came with the last data is consumed by that read and raises no later edge, and the
// persistent operation never re-arms the descriptor. So a stream socket registered with
// PeerClose::watch asks epoll for EPOLLRDHUP too, and an edge that carries it marks the read
// side closed for good (READ_CLOSED), which keeps the stream readable so its EOF is read at
// once. (async_wait needs none of this: its every wait re-arms the descriptor, which reports
// the EOF's readiness again.)
//
// The operation and the descriptor's event fields are Asio internals, so this backend is built
// only for the standalone Asio releases that CI builds and tests (WAKEFUL_IO_BACKEND=auto).

#include <cstdint>

#include <asio/detail/reactor_op.hpp>
#include <asio/io_context.hpp>

#include "wakeful/io/readiness.hpp"
#include "wakeful/io/registration.hpp"

namespace wakeful::io::detail {

class ScheduledIo;

/// The reactor operation that stands for one direction of a ScheduledIo in Asio's queue.
class ReadinessOp final : public asio::detail::reactor_op {
 public:
  ReadinessOp(ScheduledIo& owner, Direction direction) noexcept;

  /// Set once the descriptor is registered: Asio's per-descriptor data, and whether its edges'
  /// EPOLLRDHUP counts (reads only).
  void attach(void* reactor_data, bool watch_peer_close) noexcept {
    reactor_data_ = reactor_data;
    watch_peer_close_ = watch_peer_close;
  }

 private:
  static status perform(asio::detail::reactor_op* base);
  static void complete(void* owner, asio::detail::operation* base, const asio::error_code& ec, std::size_t bytes);

  ScheduledIo* owner_;
  void* reactor_data_ = nullptr;
  Direction direction_;
  bool watch_peer_close_ = false;
};

/// The backend's per-descriptor state: the two operations.
class Backend {
 public:
  explicit Backend(ScheduledIo& owner) noexcept
      : read_op_(owner, Direction::read), write_op_(owner, Direction::write) {}

  /// After the descriptor was registered, on the thread that registered it (no wait is queued
  /// yet): with PeerClose::watch, adds EPOLLRDHUP to the events Asio registers.
  void attach(ScheduledIo& owner, PeerClose peer_close) noexcept;

  /// Queues `direction`'s operation; on the owner's thread.
  void arm(ScheduledIo& owner, Direction direction);

 private:
  void* reactor_data_ = nullptr;
  ReadinessOp read_op_;
  ReadinessOp write_op_;
};

}  // namespace wakeful::io::detail
