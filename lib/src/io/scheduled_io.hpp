#pragma once
// ScheduledIo: the state behind an io::Registration: one descriptor's readiness, the tasks
// waiting for it, and the Asio object that registers the descriptor with the reactor.
//
// How readiness reaches us
// ------------------------
// The descriptor is registered with the io_context's epoll reactor, edge-triggered, through an
// Asio posix descriptor. For each direction a task ever had to wait for, the backend "arms" the
// direction: it queues something on the descriptor's reactor queue that reports the next edge.
//   reactor_op (reactor_op_backend.hpp): a ReadinessOp, a reactor operation that never
//     completes. Every edge runs its perform(), which records the edge and stays queued. Armed
//     once per direction, ever: one epoll_ctl when first queued, nothing per wait afterwards.
//   async_wait (async_wait_backend.hpp): descriptor.async_wait(), Asio's public API. Each wait
//     completes at one edge and must be armed again for the next: Asio re-arms the descriptor
//     (EPOLL_CTL_MOD) every time, which also reports readiness that is already there.
// Everything below is shared by both.
//
// The state word
// --------------
//   READABLE, WRITABLE   the direction may make progress. Set by every edge; cleared only by
//                        clear_readiness after an operation actually returned would_block (or
//                        showed the descriptor drained), and only if no newer edge arrived since
//                        the readiness was observed (the tick below).
//   READ_WAITING,        a waker is stored in that direction's slot (set under the mutex by
//   WRITE_WAITING        poll_ready_state, cleared by whoever takes the waker).
//   READ_ARMED,          the backend has something queued for the direction that will report
//   WRITE_ARMED          its next edge.
//   GONE                 Asio dropped what was armed without the descriptor being closed by us
//                        (the io_context was destroyed): no readiness will ever come again.
//   READ_CLOSED          an edge reported EPOLLRDHUP: the peer closed its side, so a read can
//                        never block again. Never cleared, and while it is set READABLE is not
//                        cleared either (reactor_op with PeerClose::watch only; see
//                        reactor_op_backend.hpp for why async_wait does not need it).
//   bits 8..31           the tick: incremented by every edge (ReadyState::tick_shift).
//
// Why no wake-up is lost
// ----------------------
// A task that finds its direction not ready stores its waker and sets the WAITING bit under
// the mutex, then reads the state word again. An edge sets the readiness bit first and then,
// if the WAITING bit was set, takes the waker under the mutex. Either the task's second read
// sees the readiness, or the edge sees the WAITING bit and the stored waker. Readiness is
// cleared with a compare-and-swap that fails when the tick moved, so an edge that lands between
// a would_block result and the clear is never erased. Arming re-arms the descriptor
// (EPOLL_CTL_MOD), which reports an edge if the descriptor became ready meanwhile.
//
// Which thread touches Asio
// -------------------------
// Arming and closing touch Asio's per-descriptor state, which the reactor also touches on every
// edge. With AsioLocking::worker_thread_only Asio does not lock it, so both must then happen on
// the descriptor's worker: from any other thread, arming is posted to the worker (the wait is
// armed a little later, and the re-arm still reports an edge that came meanwhile), and so is
// the close. A posted arming that finds the registration closed does nothing; one that never
// runs (the io_context is destroyed) counts as the runtime gone.
//
// Lifetime
// --------
// Reference counted: one reference for the Registration, one per armed direction, one per
// posted closure. The reactor only touches the ScheduledIo through what is armed, which holds
// its reference until Asio lets go of it (closing the descriptor aborts it; destroying the
// io_context destroys it), so closing a descriptor or dropping a future while a wait is in
// flight is safe.

#include <atomic>
#include <cstdint>

#include "wakeful/asio.hpp"
#include "wakeful/config.hpp"
#include "wakeful/context.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/poll.hpp"

#if WAKEFUL_IO_BACKEND_REACTOR_OP
#include "reactor_op_backend.hpp"
#else
#include "async_wait_backend.hpp"
#endif

namespace wakeful::io::detail {

/// The Asio object that registers a descriptor with a worker's reactor.
using Descriptor = asio::posix::basic_stream_descriptor<asio::io_context::executor_type>;

/// What a close made off the registration's worker does at once, before the worker closes the
/// descriptor.
enum class DeferredClose : std::uint8_t {
  /// Shut the connection down (a plain system call), so the peer sees it end now.
  shut_down,
  /// Nothing: a duplicate of the descriptor carries on (into_descriptor).
  keep_connection,
};

class ScheduledIo {
 public:
  /// Registers `descriptor` with `context`'s reactor. The caller holds the one reference the
  /// ScheduledIo starts with. On failure an owned descriptor is closed.
  static Result<ScheduledIo*> create(asio::io_context& context, int descriptor, Ownership ownership,
                                     const RegisterOptions& options);
  ScheduledIo(const ScheduledIo&) = delete;
  ScheduledIo& operator=(const ScheduledIo&) = delete;

  /// Ready (a non-zero word) when `direction` may make progress or the runtime is gone;
  /// otherwise the waker is stored, the direction armed if it was not, and the word is 0.
  ReadyState poll_ready_state(Context& cx, Direction direction);

  /// Clears `direction`'s readiness unless a newer edge arrived since `observed_tick` or (for
  /// reads) the peer has closed its side.
  void clear_readiness(Direction direction, std::uint32_t observed_tick) noexcept;

  /// The registration lets go: the descriptor is closed (owned) or taken off the reactor
  /// (borrowed), on the worker when must_defer_to_owner(); drops the registration's reference.
  void close(DeferredClose deferred = DeferredClose::shut_down) noexcept;

  /// The registration lets go and keeps the descriptor: see Registration::into_descriptor.
  /// Drops the registration's reference, whatever the outcome.
  Result<int> into_descriptor() noexcept;

  /// True when the calling thread must leave Asio calls on this descriptor to its worker: the
  /// io_context belongs to a worker of a runtime with AsioLocking::worker_thread_only and this
  /// is not the worker's thread.
  [[nodiscard]] bool must_defer_to_owner() const noexcept;

  [[nodiscard]] asio::io_context& context() const noexcept { return *context_; }
  [[nodiscard]] Descriptor& descriptor() noexcept { return descriptor_; }

  // The backend's side, on the io_context's thread.

  /// An edge of `direction`. `still_armed` is false when what reported it is spent (an
  /// async_wait completed); `peer_closed` when the edge carried EPOLLRDHUP.
  void on_edge(Direction direction, bool still_armed, bool peer_closed);
  /// What was armed for `direction` was let go without an edge: aborted (the descriptor was
  /// closed or released), or destroyed with the io_context (`context_destroyed`). Drops the
  /// reference arming took.
  void on_disarmed(Direction direction, bool context_destroyed) noexcept;
  /// True once the registration has let go (the descriptor is closed or closing).
  [[nodiscard]] bool released() const noexcept { return released_.load(std::memory_order_acquire); }
  /// Arms `direction` on the reactor (the backend's part); on the owner's thread.
  void arm(Direction direction);
  /// Drops one reference.
  void unref() noexcept;

 private:
  ScheduledIo(asio::io_context& context, int descriptor, Ownership ownership, const RegisterOptions& options,
              bool owner_thread_only) noexcept;
  ~ScheduledIo();

  static constexpr std::uint32_t readable = 1U << 0U;
  static constexpr std::uint32_t writable = 1U << 1U;
  static constexpr std::uint32_t read_waiting = 1U << 2U;
  static constexpr std::uint32_t write_waiting = 1U << 3U;
  static constexpr std::uint32_t read_armed = 1U << 4U;
  static constexpr std::uint32_t write_armed = 1U << 5U;
  static constexpr std::uint32_t gone = ReadyState::gone;
  static constexpr std::uint32_t read_closed = 1U << 7U;
  static constexpr std::uint32_t tick_one = 1U << ReadyState::tick_shift;

  static constexpr std::uint32_t ready_bit(Direction d) noexcept { return d == Direction::read ? readable : writable; }
  static constexpr std::uint32_t waiting_bit(Direction d) noexcept {
    return d == Direction::read ? read_waiting : write_waiting;
  }
  static constexpr std::uint32_t armed_bit(Direction d) noexcept {
    return d == Direction::read ? read_armed : write_armed;
  }
  static constexpr std::uint32_t tick(std::uint32_t state) noexcept { return state >> ReadyState::tick_shift; }

  void request_arm(Direction direction);
  void let_go_now() noexcept;
  void wake_waiter(std::uint32_t previous_state, Direction direction);
  Waker& slot(Direction direction) noexcept { return direction == Direction::read ? reader_ : writer_; }

  std::atomic<std::uint32_t> state_;
  std::atomic<std::uint32_t> refs_{1};
  asio::io_context* context_;
  Ownership ownership_;
  bool owner_thread_only_;             // AsioLocking::worker_thread_only: Asio calls on the worker only
  std::atomic<bool> released_{false};  // the registration let go (the descriptor is closed or closing)
  wakeful::detail::Mutex mutex_;
  Waker reader_;  // guarded by mutex_
  Waker writer_;  // guarded by mutex_
  Descriptor descriptor_;
  Backend backend_;  // the backend's own per-descriptor state
};

}  // namespace wakeful::io::detail
