#pragma once
// ScheduledIo: the readiness of one socket, and the tasks waiting for it.
//
// How readiness reaches us
// ------------------------
// Asio registers every socket with its epoll reactor once, edge-triggered, when the socket is
// opened or accepted. For each direction (read, write) that a task ever had to wait for, the
// ScheduledIo queues one ReadinessOp on the socket's reactor queue: a reactor operation that
// never completes. Whenever epoll reports an edge for that direction, Asio's reactor runs the
// operation's perform(), which records the readiness, wakes the waiting task, and answers
// "not done", so the operation stays queued for the next edge. One operation per direction is
// ever in flight, it costs one epoll_ctl when first queued, and nothing per wait afterwards.
// (socket.async_wait would cost an EPOLL_CTL_MOD per wait: Asio re-arms the descriptor each
// time a wait is queued on an empty queue.)
//
// The state word
// --------------
//   READABLE, WRITABLE   the direction may make progress. Set by the reactor (perform) on every
//                        edge; cleared only by clear_readiness after an operation actually
//                        returned would_block, and only if no newer edge arrived since the
//                        readiness was observed (the tick below). A new socket starts readable
//                        and writable: the first operation finds out.
//   READ_WAITING,        a waker is stored in that direction's slot (set under the mutex by
//   WRITE_WAITING        poll_ready, cleared by whoever takes the waker).
//   READ_QUEUED,         that direction's ReadinessOp sits in Asio's reactor queue.
//   WRITE_QUEUED
//   GONE                 Asio dropped an operation without the socket being closed by us
//                        (the io_context was destroyed): no readiness will ever come again.
//   READ_CLOSED          an edge reported EPOLLRDHUP: the peer closed its side (or the
//                        connection broke), so a read can never block again. Never cleared, and
//                        while it is set READABLE is not cleared either. Only for a ScheduledIo
//                        made with PeerClose::watch, whose descriptor registers EPOLLRDHUP.
//   bits 8..31           the tick: incremented by every edge.
//
// Why no wake-up is lost
// ----------------------
// A task that finds its direction not ready stores its waker and sets the WAITING bit under
// the mutex, then reads the state word again. The reactor sets the readiness bit first and
// then, if the WAITING bit was set, takes the waker under the mutex. Either the task's second
// read sees the readiness, or the reactor sees the WAITING bit and the stored waker. Readiness
// is cleared with a compare-and-swap that fails when the tick moved, so an edge that lands
// between a would_block result and the clear is never erased. Queuing a ReadinessOp makes Asio
// re-arm the descriptor (EPOLL_CTL_MOD), which reports an edge if data is already there.
//
// Drained without would_block
// ---------------------------
// With edge-triggered epoll, a read that returned fewer bytes than asked for (or a write that
// took fewer than offered) shows that the socket is drained in that direction, so poll_io clears
// the readiness at once instead of paying for the call that would return would_block (tokio does
// the same). A FIN that came with the last data is consumed by that read and raises no later
// edge; READ_CLOSED is what keeps such a stream readable, so its EOF is read at once. A read
// that filled its buffer can show the same when the kernel reports that it left nothing queued
// (TCP_INQ, see TcpStream::poll_read; after a FIN the kernel reports a byte, so the EOF is read).
// Data that arrives after that report raises an edge of its own.
//
// Which thread touches Asio
// -------------------------
// Queuing an operation and closing the socket touch Asio's per-descriptor state, which the
// reactor also touches on every edge. With AsioLocking::per_socket Asio locks it; with
// worker_thread_only it does not, and both must then happen on the socket's worker: from any
// other thread, queue_op posts the queuing to the worker (the wait is only armed a little later,
// and the re-arm still reports an edge that came meanwhile), and the owning I/O object posts its
// close (close_on_owner in socket_internals.hpp). A posted queuing that finds the socket already
// released does not touch Asio; one that never runs (the io_context is destroyed) counts as the
// runtime gone.
//
// Lifetime
// --------
// Reference counted: one reference for the owning I/O object, one per queued ReadinessOp. The
// reactor only touches the ScheduledIo from a queued operation, which holds its reference until
// Asio releases it (closing the socket aborts queued operations; destroying the io_context
// destroys them), so closing a socket or dropping a future while a wait is in flight is safe.

#include <atomic>
#include <cstdint>

#include <asio/detail/reactor_op.hpp>
#include <asio/io_context.hpp>

#include "wakeful/context.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io::detail {

class ScheduledIo;

/// Whether a ScheduledIo asks epoll to report the peer's close (EPOLLRDHUP), which lets a read
/// that drained a stream clear its readiness without a would_block call.
enum class PeerClose : std::uint8_t { ignore, watch };

/// The reactor operation that stands for one direction of a ScheduledIo in Asio's queue.
class ReadinessOp final : public asio::detail::reactor_op {
 public:
  ReadinessOp(ScheduledIo& owner, Direction direction) noexcept;

 private:
  static status perform(asio::detail::reactor_op* base);
  static void complete(void* owner, asio::detail::operation* base, const asio::error_code& ec, std::size_t bytes);

  ScheduledIo* owner_;
  Direction direction_;
};

/// The state word a ScheduledIo's poll_ready_state saw: 0 when the direction was not ready (the
/// waker is stored then), otherwise the word with the direction's readiness or GONE set.
class ReadyState {
 public:
  static constexpr std::uint32_t gone = 1U << 6U;
  static constexpr unsigned tick_shift = 8;  // the state word's bits 8..31

  constexpr explicit ReadyState(std::uint32_t word) noexcept : word_(word) {}
  [[nodiscard]] constexpr bool is_ready() const noexcept { return word_ != 0; }
  [[nodiscard]] constexpr bool runtime_gone() const noexcept { return (word_ & gone) != 0; }
  [[nodiscard]] constexpr std::uint32_t tick() const noexcept { return word_ >> tick_shift; }
  [[nodiscard]] constexpr ReadyEvent event(Direction direction) const noexcept {
    return ReadyEvent{direction, tick(), runtime_gone()};
  }

 private:
  std::uint32_t word_;
};

class ScheduledIo {
 public:
  /// A ScheduledIo for a socket of `context` whose descriptor and reactor data are given, and
  /// the readiness it starts with; the caller holds the one reference it starts with. With
  /// PeerClose::watch, the descriptor is re-armed with EPOLLRDHUP at the first queued wait;
  /// call it before any wait was queued on the socket.
  ScheduledIo(asio::io_context& context, int descriptor, void* reactor_data, bool readable, bool writable,
              PeerClose peer_close) noexcept;
  ScheduledIo(const ScheduledIo&) = delete;
  ScheduledIo& operator=(const ScheduledIo&) = delete;

  /// Ready when `direction` may make progress (or the socket's runtime is gone); otherwise the
  /// waker is stored and the direction's ReadinessOp queued if it was not.
  Poll<ReadyEvent> poll_ready(Context& cx, Direction direction) {
    const ReadyState state = poll_ready_state(cx, direction);
    if (!state.is_ready()) {
      return Pending;
    }
    return state.event(direction);
  }

  /// poll_ready for the hot path (poll_io): the state word, which travels back in a register
  /// where a returned Poll<ReadyEvent> is assembled in memory field by field and read back whole,
  /// a store-forwarding stall measured at a third of poll_ready's time.
  ReadyState poll_ready_state(Context& cx, Direction direction);

  /// Clears the readiness reported by `event`, unless a newer edge arrived since or (for reads)
  /// the peer has closed its side.
  void clear_readiness(const ReadyEvent& event) noexcept { clear_readiness(event.direction, event.tick); }
  /// As above, for the readiness of `direction` that `state` reported.
  void clear_readiness(Direction direction, ReadyState state) noexcept { clear_readiness(direction, state.tick()); }

  /// The owning I/O object is closing the socket: drops its reference. Queued operations keep
  /// theirs until Asio aborts them.
  void release() noexcept;

  /// True when the calling thread must leave Asio calls on this socket to its worker: the
  /// runtime runs with AsioLocking::worker_thread_only and this is not the worker's thread.
  [[nodiscard]] bool must_defer_to_owner() const noexcept;

 private:
  friend class ReadinessOp;
  friend class QueueOnOwner;
  ~ScheduledIo() = default;

  static constexpr std::uint32_t readable = 1U << 0U;
  static constexpr std::uint32_t writable = 1U << 1U;
  static constexpr std::uint32_t read_waiting = 1U << 2U;
  static constexpr std::uint32_t write_waiting = 1U << 3U;
  static constexpr std::uint32_t read_queued = 1U << 4U;
  static constexpr std::uint32_t write_queued = 1U << 5U;
  static constexpr std::uint32_t gone = ReadyState::gone;
  static constexpr std::uint32_t read_closed = 1U << 7U;
  static constexpr std::uint32_t tick_one = 1U << ReadyState::tick_shift;

  static constexpr std::uint32_t ready_bit(Direction d) noexcept { return d == Direction::read ? readable : writable; }
  static constexpr std::uint32_t waiting_bit(Direction d) noexcept {
    return d == Direction::read ? read_waiting : write_waiting;
  }
  static constexpr std::uint32_t queued_bit(Direction d) noexcept {
    return d == Direction::read ? read_queued : write_queued;
  }
  static constexpr std::uint32_t tick(std::uint32_t state) noexcept { return state >> ReadyState::tick_shift; }

  // The reactor's side, on the io_context's thread.
  void on_edge(Direction direction);
  void on_op_released(Direction direction, bool context_destroyed) noexcept;

  void clear_readiness(Direction direction, std::uint32_t observed_tick) noexcept;
  void queue_op(Direction direction);
  void start_op(Direction direction);
  void unref() noexcept;
  Waker& slot(Direction direction) noexcept { return direction == Direction::read ? reader_ : writer_; }

  std::atomic<std::uint32_t> state_;
  std::atomic<std::uint32_t> refs_{1};
  asio::io_context* context_;
  int descriptor_;
  void* reactor_data_;                 // Asio's per-descriptor data of the socket
  bool owner_thread_only_;             // AsioLocking::worker_thread_only: Asio calls on the worker only
  std::atomic<bool> released_{false};  // the owning object let go (the socket is closed or closing)
  wakeful::detail::Mutex mutex_;
  Waker reader_;  // guarded by mutex_
  Waker writer_;  // guarded by mutex_
  ReadinessOp read_op_;
  ReadinessOp write_op_;
};

}  // namespace wakeful::io::detail
