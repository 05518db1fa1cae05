#pragma once
// oneshot: a channel for exactly one value (tokio::sync::oneshot).
//
// The shared state is one allocation with an atomic state word; no lock.
//   VALUE_SENT  the sender wrote the value; from then on only the receiver touches it.
//   TX_CLOSED   the sender was dropped without sending.
//   RX_CLOSED   the receiver closed or was dropped; a send after that is refused.
//   RX_WAKER    the waker slot holds the receiver's waker. The receiver writes the slot only
//               while RX_WAKER, VALUE_SENT and TX_CLOSED are all clear, and publishes it by
//               setting RX_WAKER; to replace it, it clears RX_WAKER first, which fails once
//               the sender has sent or closed. The sender only reads it (wake_by_ref), after
//               setting VALUE_SENT or TX_CLOSED. So no wake-up is lost: either the receiver
//               sees the value when it re-checks, or the sender sees the published waker.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "wakeful/coop.hpp"
#include "wakeful/future.hpp"
#include "wakeful/waker.hpp"

namespace wakeful::oneshot {

namespace detail {

inline constexpr std::uint32_t value_sent = 1U << 0U;
inline constexpr std::uint32_t tx_closed = 1U << 1U;
inline constexpr std::uint32_t rx_closed = 1U << 2U;
inline constexpr std::uint32_t rx_waker = 1U << 3U;

template <class T>
struct Shared {
  std::atomic<std::uint32_t> state{0};
  std::optional<T> value;
  Waker waker;
};

}  // namespace detail

template <class T>
class Sender;
template <class T>
class Receiver;

/// Creates a connected sender and receiver.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
  auto shared = std::make_shared<detail::Shared<T>>();
  return {Sender<T>(shared), Receiver<T>(std::move(shared))};
}

/// Sends the one value. Dropping it unsent makes the receiver complete with std::nullopt.
template <class T>
class Sender {
 public:
  /// Takes `other`'s place as the channel's sender.
  Sender(Sender&&) noexcept = default;
  /// Drops the channel held (the receiver then sees it closed) and takes `other`'s place.
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      close_unsent();
      shared_ = std::move(other.shared_);
    }
    return *this;
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender() { close_unsent(); }

  /// Sends `value` and wakes the receiver. Returns std::nullopt when delivered, or `value`
  /// back if the receiver is gone. Throws std::logic_error if this sender already sent.
  std::optional<T> send(T value) {
    if (!shared_) {
      throw std::logic_error("wakeful: oneshot::Sender used after send");
    }
    std::shared_ptr<detail::Shared<T>> shared = std::move(shared_);
    std::uint32_t state = shared->state.load(std::memory_order_acquire);
    if ((state & detail::rx_closed) != 0) {
      return std::optional<T>(std::move(value));
    }
    shared->value.emplace(std::move(value));
    for (;;) {
      if ((state & detail::rx_closed) != 0) {  // closed while we wrote: the value is still ours
        std::optional<T> back = std::move(shared->value);
        shared->value.reset();
        return back;
      }
      if (shared->state.compare_exchange_weak(state, state | detail::value_sent, std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
        break;
      }
    }
    if ((state & detail::rx_waker) != 0) {
      shared->waker.wake_by_ref();
    }
    return std::nullopt;
  }

  /// True once the receiver was dropped or closed: a send would be refused.
  [[nodiscard]] bool is_closed() const noexcept {
    return !shared_ || (shared_->state.load(std::memory_order_acquire) & detail::rx_closed) != 0;
  }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>();
  explicit Sender(std::shared_ptr<detail::Shared<T>> shared) noexcept : shared_(std::move(shared)) {}

  void close_unsent() noexcept {
    if (!shared_) {
      return;
    }
    const std::uint32_t state = shared_->state.fetch_or(detail::tx_closed, std::memory_order_acq_rel);
    if ((state & detail::rx_waker) != 0 && (state & detail::rx_closed) == 0) {
      shared_->waker.wake_by_ref();
    }
    shared_.reset();
  }

  std::shared_ptr<detail::Shared<T>> shared_;
};

/// Receives the one value. The receiver is itself a Future of `std::optional<T>`: the value, or
/// std::nullopt if the sender was dropped without sending. Dropping it drops a value already
/// sent and makes later sends fail.
template <class T>
class [[nodiscard]] Receiver {
 public:
  /// Takes `other`'s place as the channel's receiver.
  Receiver(Receiver&&) noexcept = default;
  /// Closes the channel held (if any) and takes `other`'s place.
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      drop();
      shared_ = std::move(other.shared_);
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { drop(); }

  /// Ready with the value (or std::nullopt) once the sender has sent (or was dropped). Spends
  /// one unit of cooperative budget. Throws std::logic_error if polled after completion.
  Poll<std::optional<T>> poll(Context& cx) {
    if (!shared_) {
      throw std::logic_error("wakeful: oneshot::Receiver polled after completion");
    }
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    detail::Shared<T>& shared = *shared_;
    std::uint32_t state = shared.state.load(std::memory_order_acquire);
    for (;;) {
      if ((state & (detail::value_sent | detail::tx_closed)) != 0) {
        return Poll<std::optional<T>>(std::in_place, complete(state));
      }
      if ((state & detail::rx_waker) != 0) {
        if (shared.waker.will_wake(cx.waker())) {
          coop::refund();
          return Pending;
        }
        // Take the slot back before rewriting it; fails if the sender got there first.
        if (!shared.state.compare_exchange_weak(state, state & ~detail::rx_waker, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
          continue;
        }
        state &= ~detail::rx_waker;
      }
      shared.waker = cx.waker();
      if (shared.state.compare_exchange_strong(state, state | detail::rx_waker, std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
        coop::refund();
        return Pending;
      }
      // The sender sent or closed meanwhile; the loop reads what it left.
    }
  }

  /// The value if it has been sent, without waiting; std::nullopt otherwise.
  std::optional<T> try_recv() {
    if (!shared_) {
      return std::nullopt;
    }
    const std::uint32_t state = shared_->state.load(std::memory_order_acquire);
    if ((state & detail::value_sent) == 0) {
      return std::nullopt;
    }
    return complete(state);
  }

  /// Refuses any later send; a value already sent can still be received.
  void close() noexcept {
    if (shared_) {
      shared_->state.fetch_or(detail::rx_closed, std::memory_order_acq_rel);
    }
  }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>();
  explicit Receiver(std::shared_ptr<detail::Shared<T>> shared) noexcept : shared_(std::move(shared)) {}

  // The sender is done with the state: take the value, if any, and let go of the channel.
  std::optional<T> complete(std::uint32_t state) {
    std::optional<T> value;
    if ((state & detail::value_sent) != 0) {
      value.emplace(std::move(*shared_->value));
    }
    shared_.reset();
    return value;
  }

  void drop() noexcept {
    if (!shared_) {
      return;
    }
    const std::uint32_t state = shared_->state.fetch_or(detail::rx_closed, std::memory_order_acq_rel);
    if ((state & detail::value_sent) != 0) {
      shared_->value.reset();
    }
    shared_.reset();
  }

  std::shared_ptr<detail::Shared<T>> shared_;
};

}  // namespace wakeful::oneshot
