// The reactor_op backend: a persistent ReadinessOp per direction in Asio's epoll reactor (see
// reactor_op_backend.hpp).

#include <sys/epoll.h>

#include <asio/io_context.hpp>
// After io_context: the reactor header needs the scheduler complete.
#include <asio/detail/reactor.hpp>

#include "reactor_op_backend.hpp"

#include "epoll_state.hpp"
#include "scheduled_io.hpp"

#if !defined(ASIO_HAS_EPOLL) || defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#error "the reactor_op backend needs Asio's epoll reactor: configure with WAKEFUL_IO_BACKEND=async_wait"
#endif

namespace wakeful::io::detail {

namespace {
using Reactor = asio::detail::reactor;
}  // namespace

// --- ReadinessOp ------------------------------------------------------------------------------

ReadinessOp::ReadinessOp(ScheduledIo& owner, Direction direction) noexcept
    : asio::detail::reactor_op(asio::error_code(), &ReadinessOp::perform, &ReadinessOp::complete),
      owner_(&owner),
      direction_(direction) {}

// Asio's reactor calls this for every edge of the direction: record it, stay queued.
asio::detail::reactor_op::status ReadinessOp::perform(asio::detail::reactor_op* base) {
  auto* op = static_cast<ReadinessOp*>(base);
  const bool peer_closed = op->watch_peer_close_ && (dispatched_events(op->reactor_data_) & EPOLLRDHUP) != 0;
  op->owner_->on_edge(op->direction_, true, peer_closed);
  return not_done;
}

// Asio lets go of the operation: the descriptor was closed or released (owner set, the
// operation completes with operation_aborted), or the io_context is being destroyed (owner null).
void ReadinessOp::complete(void* owner, asio::detail::operation* base, const asio::error_code& /*ec*/,
                           std::size_t /*bytes*/) {
  auto* op = static_cast<ReadinessOp*>(base);
  op->owner_->on_disarmed(op->direction_, owner == nullptr);
}

// --- Backend ----------------------------------------------------------------------------------

void Backend::attach(ScheduledIo& owner, PeerClose peer_close) noexcept {
  reactor_data_ = descriptor_reactor_data(owner.descriptor());
  const bool watch = peer_close == PeerClose::watch;
  if (watch) {
    add_registered_events(reactor_data_, EPOLLRDHUP);
  }
  read_op_.attach(reactor_data_, watch);
  write_op_.attach(reactor_data_, false);
}

void Backend::arm(ScheduledIo& owner, Direction direction) {
  auto& reactor = asio::use_service<Reactor>(owner.context());
  auto descriptor_data = static_cast<Reactor::per_descriptor_data>(reactor_data_);
  ReadinessOp& op = direction == Direction::read ? read_op_ : write_op_;
  // Not speculative: with its queue empty, Asio re-arms the descriptor (EPOLL_CTL_MOD), which
  // reports an edge at once if it became ready since our would_block.
  reactor.start_op(direction == Direction::read ? Reactor::read_op : Reactor::write_op,
                   owner.descriptor().native_handle(), descriptor_data, &op, false, false);
}

}  // namespace wakeful::io::detail
