// The async_wait backend: one descriptor.async_wait() per wait (see async_wait_backend.hpp).

#include "async_wait_backend.hpp"

#include <utility>

#include "scheduled_io.hpp"

namespace wakeful::io::detail {

namespace {

// The completion handler of one wait. It holds the reference arming took. Asio destroys a
// handler it never invoked when the io_context is destroyed: then no readiness will come again.
class WaitDone {
 public:
  WaitDone(ScheduledIo& io, Direction direction) noexcept : io_(&io), direction_(direction) {}
  WaitDone(WaitDone&& other) noexcept : io_(std::exchange(other.io_, nullptr)), direction_(other.direction_) {}
  WaitDone(const WaitDone&) = delete;
  WaitDone& operator=(const WaitDone&) = delete;
  WaitDone& operator=(WaitDone&&) = delete;
  ~WaitDone() {
    if (io_ != nullptr) {
      io_->on_disarmed(direction_, true);
    }
  }

  void operator()(const asio_error_code& error) {
    ScheduledIo* io = std::exchange(io_, nullptr);
    if (error == asio::error::operation_aborted) {
      io->on_disarmed(direction_, false);  // the descriptor was closed or released
      return;
    }
    // Any other outcome (an error or hang-up included) is an edge: the operation finds out.
    io->on_edge(direction_, false, false);
    io->unref();
  }

 private:
  ScheduledIo* io_;
  Direction direction_;
};

}  // namespace

void Backend::attach(ScheduledIo& owner, PeerClose /*peer_close*/) noexcept {
  asio_error_code ignored;  // on failure each wait tries again, and its completion reports it
  owner.descriptor().non_blocking(true, ignored);
}

void Backend::arm(ScheduledIo& owner, Direction direction) {
  owner.descriptor().async_wait(direction == Direction::read ? Descriptor::wait_read : Descriptor::wait_write,
                                WaitDone(owner, direction));
}

}  // namespace wakeful::io::detail
