// ScheduledIo: readiness from Asio's reactor to the waiting task. The protocol is described in
// scheduled_io.hpp.

#include "scheduled_io.hpp"

#include <sys/epoll.h>

#include <utility>

#include <asio/detail/reactor.hpp>
#include <asio/detail/scheduler.hpp>
#include <asio/post.hpp>
#include <asio/version.hpp>

#include "epoll_state.hpp"
#include "runtime/worker.hpp"

#if ASIO_VERSION >= 103300
#include <asio/config.hpp>
#endif

// The bridge queues its own operations on Asio's epoll reactor (see scheduled_io.hpp). Which
// Asio releases it is built with is the build's decision (WAKEFUL_IO_BACKEND in CMake: only the
// releases CI checks); the reactor itself it cannot do without.
#if !defined(ASIO_HAS_EPOLL) || defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#error "wakeful's readiness bridge needs Asio's epoll reactor"
#endif

namespace wakeful::io::detail {

namespace {
using Reactor = asio::detail::reactor;

// Whether the reactor locks each descriptor's state (AsioLocking::per_socket) or leaves that to
// the io_context's one thread (worker_thread_only). Asio 1.33 replaced the scheduler's
// concurrency_hint() with a configuration that the reactor itself reads.
bool reactor_io_locking(asio::io_context& context) {
#if ASIO_VERSION >= 103300
  return asio::config(context).get("reactor", "io_locking", true);
#else
  return ASIO_CONCURRENCY_HINT_IS_LOCKING(REACTOR_IO,
                                          asio::use_service<asio::detail::scheduler>(context).concurrency_hint());
#endif
}
}  // namespace

// --- ReadinessOp ------------------------------------------------------------------------------

ReadinessOp::ReadinessOp(ScheduledIo& owner, Direction direction) noexcept
    : asio::detail::reactor_op(asio::error_code(), &ReadinessOp::perform, &ReadinessOp::complete),
      owner_(&owner),
      direction_(direction) {}

// Asio's reactor calls this for every edge of the direction: record it, stay queued.
asio::detail::reactor_op::status ReadinessOp::perform(asio::detail::reactor_op* base) {
  auto* op = static_cast<ReadinessOp*>(base);
  op->owner_->on_edge(op->direction_);
  return not_done;
}

// Asio lets go of the operation: the socket was closed or cancelled (owner set, the operation
// completes with operation_aborted), or the io_context is being destroyed (owner null).
void ReadinessOp::complete(void* owner, asio::detail::operation* base, const asio::error_code& /*ec*/,
                           std::size_t /*bytes*/) {
  auto* op = static_cast<ReadinessOp*>(base);
  op->owner_->on_op_released(op->direction_, owner == nullptr);
}

// --- QueueOnOwner -----------------------------------------------------------------------------

// The queuing of a direction's operation, posted to the socket's worker from another thread. It
// carries the reference queue_op took for the operation.
class QueueOnOwner {
 public:
  QueueOnOwner(ScheduledIo& io, Direction direction) noexcept : io_(&io), direction_(direction) {}
  QueueOnOwner(QueueOnOwner&& other) noexcept : io_(std::exchange(other.io_, nullptr)), direction_(other.direction_) {}
  QueueOnOwner(const QueueOnOwner&) = delete;
  QueueOnOwner& operator=(const QueueOnOwner&) = delete;
  QueueOnOwner& operator=(QueueOnOwner&&) = delete;
  // Never run: the io_context is being destroyed, so no readiness will come.
  ~QueueOnOwner() {
    if (io_ != nullptr) {
      io_->on_op_released(direction_, true);
    }
  }

  void operator()() {
    ScheduledIo* io = std::exchange(io_, nullptr);
    if (io->released_.load(std::memory_order_acquire)) {
      io->on_op_released(direction_, false);  // closed meanwhile: its descriptor state is gone
    } else {
      io->start_op(direction_);
    }
  }

 private:
  ScheduledIo* io_;
  Direction direction_;
};

// --- ScheduledIo ------------------------------------------------------------------------------

ScheduledIo::ScheduledIo(asio::io_context& context, int descriptor, void* reactor_data, bool readable, bool writable,
                         PeerClose peer_close) noexcept
    : state_((readable ? ScheduledIo::readable : 0U) | (writable ? ScheduledIo::writable : 0U)),
      context_(&context),
      descriptor_(descriptor),
      reactor_data_(reactor_data),
      owner_thread_only_(!reactor_io_locking(context)),
      read_op_(*this, Direction::read),
      write_op_(*this, Direction::write) {
  if (peer_close == PeerClose::watch) {
    add_registered_events(reactor_data_, EPOLLRDHUP);
  }
}

ReadyState ScheduledIo::poll_ready_state(Context& cx, Direction direction) {
  std::uint32_t state = state_.load(std::memory_order_acquire);
  if ((state & (ready_bit(direction) | gone)) != 0) {
    return ReadyState(state);
  }
  {
    const std::lock_guard lock(mutex_);
    Waker& waker = slot(direction);
    if (!waker.will_wake(cx.waker())) {
      waker = cx.waker();
    }
    state = state_.fetch_or(waiting_bit(direction), std::memory_order_acq_rel) | waiting_bit(direction);
  }
  if ((state & queued_bit(direction)) == 0) {
    queue_op(direction);
  }
  return ReadyState((state & (ready_bit(direction) | gone)) != 0 ? state : 0U);
}

void ScheduledIo::clear_readiness(Direction direction, std::uint32_t observed_tick) noexcept {
  std::uint32_t state = state_.load(std::memory_order_acquire);
  const std::uint32_t sticky = direction == Direction::read ? read_closed : 0U;
  while (tick(state) == observed_tick && (state & sticky) == 0) {
    if (state_.compare_exchange_weak(state, state & ~ready_bit(direction), std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return;
    }
  }
}

void ScheduledIo::release() noexcept {
  released_.store(true, std::memory_order_release);
  unref();
}

bool ScheduledIo::must_defer_to_owner() const noexcept {
  if (!owner_thread_only_) {
    return false;
  }
  wakeful::detail::Worker* worker = wakeful::detail::current_worker;
  return worker == nullptr || &worker->io() != context_;
}

void ScheduledIo::on_edge(Direction direction) {
  const std::uint32_t closed =
      direction == Direction::read && (dispatched_events(reactor_data_) & EPOLLRDHUP) != 0 ? read_closed : 0U;
  std::uint32_t state = state_.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint32_t next = ((state | ready_bit(direction) | closed) & ~waiting_bit(direction)) + tick_one;
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      break;
    }
  }
  if ((state & waiting_bit(direction)) != 0) {
    Waker waker;
    {
      const std::lock_guard lock(mutex_);
      waker = std::move(slot(direction));
    }
    std::move(waker).wake();
  }
}

void ScheduledIo::on_op_released(Direction direction, bool context_destroyed) noexcept {
  // A later wait queues the operation again (after a cancel), or finds the runtime gone.
  std::uint32_t state = state_.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint32_t next =
        (state & ~(queued_bit(direction) | waiting_bit(direction))) | (context_destroyed ? gone : 0);
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      break;
    }
  }
  if ((state & waiting_bit(direction)) != 0) {
    Waker waker;
    {
      const std::lock_guard lock(mutex_);
      waker = std::move(slot(direction));
    }
    std::move(waker).wake();
  }
  unref();
}

void ScheduledIo::queue_op(Direction direction) {
  if ((state_.fetch_or(queued_bit(direction), std::memory_order_acq_rel) & queued_bit(direction)) != 0) {
    return;  // someone else queued it
  }
  refs_.fetch_add(1, std::memory_order_relaxed);
  if (must_defer_to_owner()) {
    asio::post(*context_, QueueOnOwner(*this, direction));
    return;
  }
  start_op(direction);
}

void ScheduledIo::start_op(Direction direction) {
  auto& reactor = asio::use_service<Reactor>(*context_);
  auto descriptor_data = static_cast<Reactor::per_descriptor_data>(reactor_data_);
  ReadinessOp& op = direction == Direction::read ? read_op_ : write_op_;
  // Not speculative: with its queue empty, Asio re-arms the descriptor (EPOLL_CTL_MOD), which
  // reports an edge at once if the socket became ready since our would_block.
  reactor.start_op(direction == Direction::read ? Reactor::read_op : Reactor::write_op, descriptor_, descriptor_data,
                   &op, false, false);
}

void ScheduledIo::unref() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete this;
  }
}

}  // namespace wakeful::io::detail
