// ScheduledIo: readiness from Asio's reactor to the waiting task, shared by both backends. The
// protocol is described in scheduled_io.hpp.

#include "scheduled_io.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "runtime/worker.hpp"

namespace wakeful::io::detail {

namespace {

// Work posted to the descriptor's worker from another thread (see "Which thread touches Asio").
// It carries a reference to the ScheduledIo; one that never runs (the io_context is destroyed)
// gives it back through `abandon`.
template <class Run, class Abandon>
class OnOwner {
 public:
  OnOwner(ScheduledIo& io, Run run, Abandon abandon) noexcept : io_(&io), run_(run), abandon_(abandon) {}
  OnOwner(OnOwner&& other) noexcept
      : io_(std::exchange(other.io_, nullptr)), run_(other.run_), abandon_(other.abandon_) {}
  OnOwner(const OnOwner&) = delete;
  OnOwner& operator=(const OnOwner&) = delete;
  OnOwner& operator=(OnOwner&&) = delete;
  ~OnOwner() {
    if (io_ != nullptr) {
      abandon_(*io_);
    }
  }

  void operator()() { run_(*std::exchange(io_, nullptr)); }

 private:
  ScheduledIo* io_;
  Run run_;
  Abandon abandon_;
};

template <class Run, class Abandon>
void post_to_owner(ScheduledIo& io, Run run, Abandon abandon) {
  asio::post(io.context(), OnOwner<Run, Abandon>(io, run, abandon));
}

}  // namespace

Result<ScheduledIo*> ScheduledIo::create(asio::io_context& context, int descriptor, Ownership ownership,
                                         const RegisterOptions& options) {
  std::unique_ptr<ScheduledIo, void (*)(ScheduledIo*)> io(nullptr, [](ScheduledIo* p) { delete p; });
  try {
    io.reset(new ScheduledIo(context, descriptor, ownership, options, wakeful::detail::worker_thread_only(context)));
  } catch (...) {
    if (ownership == Ownership::owned) {
      ::close(descriptor);
    }
    throw;
  }
  asio_error_code error;
  io->descriptor_.assign(descriptor, error);
  if (error) {
    if (ownership == Ownership::owned) {
      ::close(descriptor);
    }
    return std::error_code(error);
  }
  io->backend_.attach(*io, options.peer_close);
  return io.release();
}

ScheduledIo::ScheduledIo(asio::io_context& context, int /*descriptor*/, Ownership ownership,
                         const RegisterOptions& options, bool owner_thread_only) noexcept
    : state_((options.readable ? readable : 0U) | (options.writable ? writable : 0U)),
      context_(&context),
      ownership_(ownership),
      owner_thread_only_(owner_thread_only),
      descriptor_(context.get_executor()),
      backend_(*this) {}

// Only reached with the descriptor still open when the registration's posted close never ran
// (the io_context was destroyed first).
ScheduledIo::~ScheduledIo() {
  if (descriptor_.is_open() && ownership_ == Ownership::borrowed) {
    (void)descriptor_.release();
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
  if ((state & armed_bit(direction)) == 0) {
    request_arm(direction);
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

bool ScheduledIo::must_defer_to_owner() const noexcept {
  if (!owner_thread_only_) {
    return false;
  }
  wakeful::detail::Worker* worker = wakeful::detail::current_worker;
  return worker == nullptr || &worker->io() != context_;
}

void ScheduledIo::request_arm(Direction direction) {
  if ((state_.fetch_or(armed_bit(direction), std::memory_order_acq_rel) & armed_bit(direction)) != 0) {
    return;  // someone else armed it
  }
  refs_.fetch_add(1, std::memory_order_relaxed);  // for what gets armed
  if (!must_defer_to_owner()) {
    arm(direction);
    return;
  }
  auto arm_later = [direction](ScheduledIo& io) {
    if (io.released()) {
      io.on_disarmed(direction, false);  // closed meanwhile: the descriptor's reactor state is gone
    } else {
      io.arm(direction);
    }
  };
  post_to_owner(*this, arm_later, [direction](ScheduledIo& io) { io.on_disarmed(direction, true); });
}

void ScheduledIo::arm(Direction direction) { backend_.arm(*this, direction); }

void ScheduledIo::on_edge(Direction direction, bool still_armed, bool peer_closed) {
  const std::uint32_t closed = peer_closed && direction == Direction::read ? read_closed : 0U;
  const std::uint32_t spent = still_armed ? 0U : armed_bit(direction);
  std::uint32_t state = state_.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint32_t next = ((state | ready_bit(direction) | closed) & ~(waiting_bit(direction) | spent)) + tick_one;
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      break;
    }
  }
  wake_waiter(state, direction);
}

void ScheduledIo::on_disarmed(Direction direction, bool context_destroyed) noexcept {
  // A later wait arms the direction again, or finds the runtime gone.
  std::uint32_t state = state_.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint32_t next =
        (state & ~(armed_bit(direction) | waiting_bit(direction))) | (context_destroyed ? gone : 0);
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      break;
    }
  }
  wake_waiter(state, direction);
  unref();
}

void ScheduledIo::wake_waiter(std::uint32_t previous_state, Direction direction) {
  if ((previous_state & waiting_bit(direction)) == 0) {
    return;
  }
  Waker waker;
  {
    const std::lock_guard lock(mutex_);
    waker = std::move(slot(direction));
  }
  std::move(waker).wake();
}

// Closing an owned descriptor (or releasing a borrowed one) makes Asio abort whatever is armed,
// which gives back the references arming took once the worker runs the abort.
void ScheduledIo::let_go_now() noexcept {
  if (!descriptor_.is_open()) {
    return;
  }
  if (ownership_ == Ownership::owned) {
    asio_error_code ignored;
    descriptor_.close(ignored);
  } else {
    (void)descriptor_.release();
  }
}

void ScheduledIo::close(DeferredClose deferred) noexcept {
  released_.store(true, std::memory_order_release);
  if (must_defer_to_owner()) {
    if (ownership_ == Ownership::owned && deferred == DeferredClose::shut_down) {
      ::shutdown(descriptor_.native_handle(), SHUT_RDWR);  // the peer sees the end now, not later
    }
    try {
      post_to_owner(
          *this,
          [](ScheduledIo& io) {
            io.let_go_now();
            io.unref();
          },
          [](ScheduledIo& io) { io.unref(); });
    } catch (...) {
      // Out of memory for the post: the closure gave the reference back as it went, and the
      // descriptor is closed when the last reference goes.
    }
    return;
  }
  let_go_now();
  unref();
}

Result<int> ScheduledIo::into_descriptor() noexcept {
  const int descriptor = descriptor_.native_handle();
  if (must_defer_to_owner()) {
    if (ownership_ == Ownership::borrowed) {
      close();
      return make_error_code(errc::not_on_worker);
    }
    // Taking the descriptor off its reactor is for its worker to do: carry on with a duplicate
    // and leave the original to be closed there.
    const int duplicate = ::fcntl(descriptor, F_DUPFD_CLOEXEC, 0);
    const int error = errno;
    close(DeferredClose::keep_connection);
    if (duplicate < 0) {
      return std::error_code(error, std::system_category());
    }
    return duplicate;
  }
  released_.store(true, std::memory_order_release);
  const int released = descriptor_.release();  // leaves the reactor; armed waits abort
  unref();
  return released;
}

void ScheduledIo::unref() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete this;
  }
}

// --- the functions io::Registration reaches the backend through ----------------------------------

ReadyState poll_ready_state(ScheduledIo& io, Context& cx, Direction direction) {
  return io.poll_ready_state(cx, direction);
}

void clear_readiness(ScheduledIo& io, Direction direction, std::uint32_t tick) noexcept {
  io.clear_readiness(direction, tick);
}

}  // namespace wakeful::io::detail
