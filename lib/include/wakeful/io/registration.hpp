#pragma once
// io::Registration: the readiness of one descriptor on a worker's reactor, and the only way to
// it (tokio's Registration, PollEvented and AsyncFd in one type).
//
// Every socket type in wakeful holds one, and so can user code: a pipe, an eventfd, a socket a
// third-party library made. A task asks for readiness in one direction; if the reactor has not
// reported any since the last would_block, the task's waker is stored and the reactor wakes it
// at the next event. Operations themselves are plain non-blocking system calls made by the
// caller, through try_io, which
//   - spends one unit of the task's cooperative budget (so a descriptor that is always ready
//     cannot starve the task's siblings), and gives it back when it returns Pending;
//   - runs the call only when the direction may be ready, and on would_block clears the
//     readiness it saw and waits again;
//   - clears readiness without that would_block call when `drained` says a successful result
//     shows the descriptor drained (a short read or write, see ShortTransfer);
//   - reports a runtime that is gone (its io_context destroyed) as io::errc::runtime_shut_down
//     instead of waiting forever.
//
// Clearing never erases an event newer than the one that allowed the call: every event bumps a
// tick, and readiness is cleared only if the tick is still the one the caller saw.
//
// Where readiness comes from is chosen when wakeful is configured (WAKEFUL_IO_BACKEND, see
// wakeful/config.hpp): a persistent operation in Asio's epoll reactor that records every edge
// (reactor_op: no system call per wait), or Asio's public async_wait (async_wait: Asio re-arms
// the descriptor with one epoll_ctl per wait). Both keep Asio as the reactor, so Asio timers,
// resolvers and third-party Asio code share the worker's io_context with registrations.
//
// Threads: one task may wait for reading while another waits for writing; two tasks waiting
// for the same direction replace each other's waker (the last one is woken). A Registration
// must be dropped before the runtime whose io_context it is registered with.

#include <cerrno>
#include <cstdint>
#include <system_error>
#include <type_traits>
#include <utility>

#include "wakeful/context.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/io/readiness.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"

#include "wakeful/asio_fwd.hpp"

namespace wakeful::io {

class Registration;

namespace detail {

class ScheduledIo;

/// Whether the backend asks epoll to report the peer's close (EPOLLRDHUP) for a stream socket,
/// which lets a read that drained it clear its readiness safely (see scheduled_io.hpp).
enum class PeerClose : std::uint8_t { ignore, watch };

/// How wakeful's own socket types register a descriptor.
struct RegisterOptions {
  bool readable = true;  ///< start readable: the first read finds out
  bool writable = true;  ///< start writable (false for a connect in progress)
  PeerClose peer_close = PeerClose::ignore;
};

/// The backend's readiness poll (see Registration::try_io).
ReadyState poll_ready_state(ScheduledIo& io, Context& cx, Direction direction);
/// Clears `direction`'s readiness unless an event newer than `tick` arrived.
void clear_readiness(ScheduledIo& io, Direction direction, std::uint32_t tick) noexcept;

/// True for EAGAIN / EWOULDBLOCK, compared by value: comparing an error_code with std::errc
/// goes through two virtual calls of the categories, on the hottest path there is.
inline bool would_block(const std::error_code& error) noexcept {
  static const std::error_category& system = std::system_category();
  return (error.value() == EAGAIN || error.value() == EWOULDBLOCK) && error.category() == system;
}

}  // namespace detail

/// Whether a Registration's descriptor is closed with it.
enum class Ownership : std::uint8_t {
  /// The registration closes the descriptor when it is dropped or closed.
  owned,
  /// The descriptor belongs to someone else (a third-party library): the registration only
  /// takes it off the reactor. Drop the registration before the owner closes the descriptor.
  borrowed,
};

/// The readiness of one descriptor on a worker's reactor; see the top of this header.
class Registration {
 public:
  template <class Op, class Drained>
  class AsyncIo;
  class Ready;

  /// An empty registration: is_open() is false, every readiness poll throws std::logic_error
  /// and try_io fails with std::errc::bad_file_descriptor.
  Registration() noexcept = default;

  /// Registers `descriptor` with the reactor of the calling worker. The descriptor must be in
  /// non-blocking mode (or every operation on it must not block, as with MSG_DONTWAIT); it
  /// starts readable and writable, so the first operation finds out. Fails with
  /// io::errc::not_on_worker outside a runtime worker, with std::errc::bad_file_descriptor
  /// for a negative descriptor, std::errc::operation_not_permitted for a regular file or a
  /// directory (epoll cannot watch them: they are always ready), or with the reactor's error.
  /// On failure an owned descriptor is closed.
  static Result<Registration> open(int descriptor, Ownership ownership = Ownership::owned);
  /// As above, with the reactor of `context` (a worker's io_context).
  static Result<Registration> open(asio::io_context& context, int descriptor, Ownership ownership = Ownership::owned);
  /// For wakeful's socket types, which know their descriptor is a socket: no check, and the
  /// starting readiness and peer-close watch of `options`.
  static Result<Registration> open(asio::io_context& context, int descriptor, Ownership ownership,
                                   const detail::RegisterOptions& options);

  /// Takes over `other`'s descriptor; `other` is left empty.
  Registration(Registration&& other) noexcept
      : io_(std::exchange(other.io_, nullptr)), descriptor_(std::exchange(other.descriptor_, -1)) {}
  /// Closes this registration, then takes over `other`'s descriptor.
  Registration& operator=(Registration&& other) noexcept;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  /// Same as close().
  ~Registration() { close(); }

  /// True until closed, moved from or released.
  [[nodiscard]] bool is_open() const noexcept { return io_ != nullptr; }
  /// The descriptor, or -1 when not open.
  [[nodiscard]] int native_handle() const noexcept { return descriptor_; }
  /// The io_context whose reactor reports this descriptor's readiness. Only when open.
  [[nodiscard]] asio::io_context& context() const noexcept;

  /// Ready once `direction` may make progress (it may still turn out not to: then
  /// clear_readiness and poll again), or once the runtime is gone (see ReadyEvent). Throws
  /// std::logic_error when not open.
  Poll<ReadyEvent> poll_ready(Context& cx, Direction direction);
  /// poll_ready for reading.
  Poll<ReadyEvent> poll_read_ready(Context& cx) { return poll_ready(cx, Direction::read); }
  /// poll_ready for writing.
  Poll<ReadyEvent> poll_write_ready(Context& cx) { return poll_ready(cx, Direction::write); }
  /// poll_read_ready as a future (borrows the registration).
  Ready readable() noexcept;
  /// poll_write_ready as a future (borrows the registration).
  Ready writable() noexcept;

  /// Forgets the readiness `event` reported, after the operation it allowed returned
  /// would_block (or showed the descriptor drained), unless a newer event arrived since. With
  /// the reactor_op backend, a stream socket's read readiness stays once its peer has closed,
  /// so the EOF is never missed.
  void clear_readiness(const ReadyEvent& event) noexcept {
    if (io_ != nullptr) {
      detail::clear_readiness(*io_, event.direction, event.tick);
    }
  }

  /// Runs `op`, one non-blocking system call returning an io::Result, whenever `direction` may
  /// be ready, until it does not return would_block; see the top of this header for the budget,
  /// the clearing and the gone runtime. `drained(value)` says whether a successful result shows
  /// the descriptor drained in that direction (ShortTransfer for byte transfers).
  template <class Op, class Drained = NeverDrained>
  Poll<std::invoke_result_t<Op&>> try_io(Context& cx, Direction direction, Op&& op, Drained drained = {});

  /// try_io as a future that owns `op` and `drained` and borrows the registration.
  template <class Op, class Drained = NeverDrained>
  AsyncIo<std::decay_t<Op>, Drained> async_io(Direction direction, Op&& op, Drained drained = {});

  /// Takes the descriptor off the reactor and, when owned, closes it. Idempotent. Under
  /// AsioLocking::worker_thread_only and off the registration's worker, the descriptor is shut
  /// down at once (sockets) and closed by the worker shortly after.
  void close() noexcept;

  /// Takes the descriptor off the reactor and hands it to the caller (who owns it from then on
  /// if it was owned). Under AsioLocking::worker_thread_only and off the registration's worker,
  /// an owned descriptor comes back as a duplicate and the worker closes the original;
  /// a borrowed one cannot be released there (io::errc::not_on_worker).
  Result<int> into_descriptor() &&;

 private:
  Registration(detail::ScheduledIo* io, int descriptor) noexcept : io_(io), descriptor_(descriptor) {}

  detail::ScheduledIo* io_ = nullptr;
  int descriptor_ = -1;
};

/// The future of Registration::readable and writable: the ReadyEvent.
class [[nodiscard]] Registration::Ready {
 public:
  /// Ready once the direction may make progress (or the runtime is gone).
  Poll<ReadyEvent> poll(Context& cx) { return registration_->poll_ready(cx, direction_); }

 private:
  friend class Registration;
  Ready(Registration& registration, Direction direction) noexcept
      : registration_(&registration), direction_(direction) {}
  Registration* registration_;
  Direction direction_;
};

/// The future of Registration::async_io: `op`'s result once it did not return would_block.
template <class Op, class Drained>
class [[nodiscard]] Registration::AsyncIo {
 public:
  /// See Registration::try_io.
  Poll<std::invoke_result_t<Op&>> poll(Context& cx) { return registration_->try_io(cx, direction_, op_, drained_); }

 private:
  friend class Registration;
  AsyncIo(Registration& registration, Direction direction, Op op, Drained drained)
      : registration_(&registration), op_(std::move(op)), drained_(std::move(drained)), direction_(direction) {}
  Registration* registration_;
  Op op_;
  Drained drained_;
  Direction direction_;
};

inline Registration::Ready Registration::readable() noexcept { return {*this, Direction::read}; }
inline Registration::Ready Registration::writable() noexcept { return {*this, Direction::write}; }

template <class Op, class Drained>
Poll<std::invoke_result_t<Op&>> Registration::try_io(Context& cx, Direction direction, Op&& op, Drained drained) {
  using Output = std::invoke_result_t<Op&>;
  if (io_ == nullptr) {
    return Poll<Output>(std::in_place, std::make_error_code(std::errc::bad_file_descriptor));
  }
  if (!coop::poll_proceed(cx)) {
    return Pending;
  }
  for (;;) {
    const detail::ReadyState ready = detail::poll_ready_state(*io_, cx, direction);
    if (!ready.is_ready()) {
      coop::refund();
      return Pending;
    }
    if (ready.runtime_gone()) {
      return Poll<Output>(std::in_place, make_error_code(errc::runtime_shut_down));
    }
    Output result = op();
    if (!result.ok() && detail::would_block(result.error())) {
      detail::clear_readiness(*io_, direction, ready.tick());
      continue;
    }
    if constexpr (!std::is_same_v<Drained, NeverDrained>) {
      if (result.ok() && drained(*result)) {
        detail::clear_readiness(*io_, direction, ready.tick());
      }
    }
    return Poll<Output>(std::in_place, std::move(result));
  }
}

template <class Op, class Drained>
Registration::AsyncIo<std::decay_t<Op>, Drained> Registration::async_io(Direction direction, Op&& op, Drained drained) {
  return {*this, direction, std::forward<Op>(op), std::move(drained)};
}

}  // namespace wakeful::io
