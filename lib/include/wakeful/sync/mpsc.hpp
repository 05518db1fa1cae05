#pragma once
// mpsc: a bounded multi-producer, single-consumer channel (tokio::sync::mpsc::channel).
//
// One lock (detail::Mutex) guards the channel: the buffer (at most `capacity` messages), the receiver's
// waker, and a FIFO list of senders waiting for room. A waiting sender's message lives in its
// Send future; when the receiver takes a message out of a full buffer, it moves the oldest
// waiting message into the freed slot and wakes that sender. So senders are served in order,
// a full channel never loses a message, and a Send future dropped while it waits just leaves
// the list with its message. Wakers are always woken after the mutex is released.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "wakeful/coop.hpp"
#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/move_pin.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/detail/ring.hpp"
#include "wakeful/future.hpp"
#include "wakeful/waker.hpp"

namespace wakeful::mpsc {

template <class T>
class Sender;
template <class T>
class Receiver;

namespace detail {

/// A Send future's place in the channel's list of senders waiting for room.
template <class T>
struct SendWaiter {
  enum class State { unqueued, queued, delivered, refused };

  SendWaiter* prev = nullptr;
  SendWaiter* next = nullptr;
  std::optional<T> message;
  Waker waker;
  State state = State::unqueued;
};

inline constexpr char send_type_name[] = "mpsc::Send";

template <class T>
class Chan {
 public:
  explicit Chan(std::size_t capacity) : capacity_(capacity) {}

  // Everything below is guarded by mutex_.
  wakeful::detail::Mutex mutex_;
  const std::size_t capacity_;
  wakeful::detail::Ring<T> buffer_;
  std::size_t senders_ = 1;
  bool closed_ = false;  // the receiver closed or was dropped
  Waker rx_waker_;
  bool rx_waiting_ = false;
  wakeful::detail::IntrusiveList<SendWaiter<T>, &SendWaiter<T>::prev, &SendWaiter<T>::next> waiters_;  // FIFO

  [[nodiscard]] bool has_room() const noexcept { return buffer_.size() < capacity_ && waiters_.empty(); }

  void enqueue(SendWaiter<T>* waiter) noexcept {
    waiters_.push_back(waiter);
    waiter->state = SendWaiter<T>::State::queued;
  }

  void unlink(SendWaiter<T>* waiter) noexcept { waiters_.remove(waiter); }

  /// Takes the receiver's waker if it waits (to be woken after unlocking).
  Waker take_rx_waker() noexcept {
    if (!rx_waiting_) {
      return {};
    }
    rx_waiting_ = false;
    return std::move(rx_waker_);
  }

  /// Pops the oldest message and admits the oldest waiting sender into the freed slot; the
  /// returned waker belongs to that sender.
  T pop(Waker& admitted) {
    T message = buffer_.pop_front();
    if (SendWaiter<T>* waiter = waiters_.pop_front()) {
      buffer_.push_back(std::move(*waiter->message));
      waiter->message.reset();
      waiter->state = SendWaiter<T>::State::delivered;
      admitted = std::move(waiter->waker);
    }
    return message;
  }

  /// Refuses every waiting sender (their messages stay in their futures); returns their wakers.
  std::vector<Waker> refuse_waiters() {
    std::vector<Waker> wakers;
    while (SendWaiter<T>* waiter = waiters_.pop_front()) {
      waiter->state = SendWaiter<T>::State::refused;
      wakers.push_back(std::move(waiter->waker));
    }
    return wakers;
  }
};

}  // namespace detail

/// Creates a channel that buffers up to `capacity` messages (at least 1; throws
/// std::invalid_argument for 0). Senders wait while it is full.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
  if (capacity == 0) {
    throw std::invalid_argument("wakeful: mpsc::channel capacity must be at least 1");
  }
  auto chan = std::make_shared<detail::Chan<T>>(capacity);
  return {Sender<T>(chan), Receiver<T>(std::move(chan))};
}

/// The future returned by Sender::send: completes with std::nullopt once the message is in the
/// channel, or with the message back if the receiver is gone. Spends one unit of cooperative
/// budget. Dropping it while it waits for room withdraws the message. It borrows the channel
/// from its Sender (as Rust's `send(&self)` does): the Sender must outlive it.
///
/// Its first poll may link it into the channel's list of waiting senders, so from then on it
/// must not move: moving it after its first poll aborts, in every build (detail/move_pin.hpp).
template <class T>
class [[nodiscard]] Send {
  using Waiter = detail::SendWaiter<T>;
  using State = typename Waiter::State;

 public:
  /// Moving a polled Send is a bug that MovePin reports (see above).
  static constexpr bool pinned_once_polled = true;

  /// Created by Sender::send: holds `message` until the channel takes it.
  Send(detail::Chan<T>& chan, T message) : chan_(&chan) { waiter_.message.emplace(std::move(message)); }
  /// Moves a Send that was never polled; aborts for one that was.
  Send(Send&& other) noexcept : pin_(std::move(other.pin_)), chan_(other.chan_) {
    if (other.waiter_.message) {
      waiter_.message.emplace(std::move(*other.waiter_.message));
    }
  }
  Send& operator=(Send&&) = delete;
  Send(const Send&) = delete;
  Send& operator=(const Send&) = delete;
  ~Send() {
    if (waiter_.state == State::queued) {
      const std::lock_guard lock(chan_->mutex_);
      if (waiter_.state == State::queued) {
        chan_->unlink(&waiter_);
      }
    }
  }

  /// Ready once the message was accepted (std::nullopt) or refused (the message).
  Poll<std::optional<T>> poll(Context& cx) {
    pin_.polled();
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    Waker rx_waker;
    {
      const std::lock_guard lock(chan_->mutex_);
      switch (waiter_.state) {
        case State::delivered:
          return Poll<std::optional<T>>(std::in_place, std::nullopt);
        case State::refused:
          return Poll<std::optional<T>>(std::in_place, take_message());
        case State::queued:
          waiter_.waker = cx.waker();
          coop::refund();
          return Pending;
        case State::unqueued:
          break;
      }
      if (chan_->closed_) {
        waiter_.state = State::refused;
        return Poll<std::optional<T>>(std::in_place, take_message());
      }
      if (!chan_->has_room()) {
        waiter_.waker = cx.waker();
        chan_->enqueue(&waiter_);
        coop::refund();
        return Pending;
      }
      chan_->buffer_.push_back(std::move(*waiter_.message));
      waiter_.message.reset();
      waiter_.state = State::delivered;
      rx_waker = chan_->take_rx_waker();
    }
    std::move(rx_waker).wake();
    return Poll<std::optional<T>>(std::in_place, std::nullopt);
  }

 private:
  std::optional<T> take_message() {
    std::optional<T> message(std::move(waiter_.message));
    waiter_.message.reset();
    return message;
  }

  wakeful::detail::MovePin<detail::send_type_name> pin_;
  detail::Chan<T>* chan_;
  Waiter waiter_;
};

/// A sending half; copy it to add senders. The channel closes for the receiver when the last
/// sender is dropped (after the buffered messages are received).
template <class T>
class Sender {
 public:
  /// Another sender on the same channel (the channel stays open while any sender lives).
  Sender(const Sender& other) : chan_(other.chan_) {
    const std::lock_guard lock(chan_->mutex_);
    ++chan_->senders_;
  }
  /// Takes `other`'s place as a sender; `other` no longer counts.
  Sender(Sender&&) noexcept = default;
  /// Becomes another sender on `other`'s channel, releasing the one held.
  Sender& operator=(const Sender& other) {
    if (this != &other) {
      Sender copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  /// Releases the channel held and takes `other`'s place.
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      release();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  ~Sender() { release(); }

  /// A future that puts `message` in the channel, waiting for room if it is full. This sender
  /// must outlive the future.
  Send<T> send(T message) const {
    require_chan();
    return Send<T>(*chan_, std::move(message));
  }

  /// Puts `message` in the channel if there is room now. Returns std::nullopt when sent, or the
  /// message back when the channel is full or closed (`is_closed()` tells which).
  std::optional<T> try_send(T message) const {
    require_chan();
    Waker rx_waker;
    {
      const std::lock_guard lock(chan_->mutex_);
      if (chan_->closed_ || !chan_->has_room()) {
        return std::optional<T>(std::move(message));
      }
      chan_->buffer_.push_back(std::move(message));
      rx_waker = chan_->take_rx_waker();
    }
    std::move(rx_waker).wake();
    return std::nullopt;
  }

  /// True once the receiver was closed or dropped.
  [[nodiscard]] bool is_closed() const {
    require_chan();
    const std::lock_guard lock(chan_->mutex_);
    return chan_->closed_;
  }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::size_t);
  explicit Sender(std::shared_ptr<detail::Chan<T>> chan) noexcept : chan_(std::move(chan)) {}

  void require_chan() const {
    if (!chan_) {
      throw std::logic_error("wakeful: mpsc::Sender used after being moved from");
    }
  }

  void release() noexcept {
    if (!chan_) {
      return;
    }
    Waker rx_waker;
    {
      const std::lock_guard lock(chan_->mutex_);
      if (--chan_->senders_ == 0) {
        rx_waker = chan_->take_rx_waker();
      }
    }
    std::move(rx_waker).wake();
    chan_.reset();
  }

  std::shared_ptr<detail::Chan<T>> chan_;
};

/// The receiving half.
template <class T>
class Receiver {
 public:
  /// Takes `other`'s place as the channel's receiver.
  Receiver(Receiver&&) noexcept = default;
  /// Closes the channel held (if any) and takes `other`'s place.
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      release();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  /// Closes the channel and drops the messages still buffered.
  ~Receiver() { release(); }

  /// The future of the next message: ready with it, or with std::nullopt once every sender is
  /// gone (or the receiver closed) and the buffer is empty. Dropping it never loses a message.
  class [[nodiscard]] Recv {
   public:
    /// Created by Receiver::recv; borrows the receiver until it completes or is dropped.
    explicit Recv(Receiver& receiver) noexcept : receiver_(&receiver) {}
    /// Polls the receiver.
    Poll<std::optional<T>> poll(Context& cx) { return receiver_->poll_recv(cx); }

   private:
    Receiver* receiver_;
  };

  /// Waits for the next message; see Recv.
  Recv recv() noexcept { return Recv(*this); }

  /// The poll behind recv(): spends one unit of cooperative budget when it returns a message.
  Poll<std::optional<T>> poll_recv(Context& cx) {
    require_chan();
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    Waker admitted;
    std::optional<T> message;
    {
      const std::lock_guard lock(chan_->mutex_);
      if (!chan_->buffer_.empty()) {
        message.emplace(chan_->pop(admitted));
      } else if (chan_->senders_ == 0 || chan_->closed_) {
        return Poll<std::optional<T>>(std::in_place, std::nullopt);
      } else {
        if (!chan_->rx_waker_.will_wake(cx.waker())) {
          chan_->rx_waker_ = cx.waker();
        }
        chan_->rx_waiting_ = true;
        coop::refund();
        return Pending;
      }
    }
    std::move(admitted).wake();
    return Poll<std::optional<T>>(std::in_place, std::move(message));
  }

  /// The next message if one is buffered, without waiting.
  std::optional<T> try_recv() {
    require_chan();
    Waker admitted;
    std::optional<T> message;
    {
      const std::lock_guard lock(chan_->mutex_);
      if (chan_->buffer_.empty()) {
        return std::nullopt;
      }
      message.emplace(chan_->pop(admitted));
    }
    std::move(admitted).wake();
    return message;
  }

  /// Refuses further sends (waiting senders get their messages back); messages already
  /// buffered can still be received.
  void close() {
    require_chan();
    std::vector<Waker> refused;
    {
      const std::lock_guard lock(chan_->mutex_);
      chan_->closed_ = true;
      refused = chan_->refuse_waiters();
    }
    for (Waker& waker : refused) {
      std::move(waker).wake();
    }
  }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::size_t);
  explicit Receiver(std::shared_ptr<detail::Chan<T>> chan) noexcept : chan_(std::move(chan)) {}

  void require_chan() const {
    if (!chan_) {
      throw std::logic_error("wakeful: mpsc::Receiver used after being moved from");
    }
  }

  void release() noexcept {
    if (!chan_) {
      return;
    }
    std::vector<Waker> refused;
    wakeful::detail::Ring<T> dropped;
    {
      const std::lock_guard lock(chan_->mutex_);
      chan_->closed_ = true;
      refused = chan_->refuse_waiters();
      dropped.swap(chan_->buffer_);  // destroyed after unlocking
      chan_->rx_waker_ = Waker();
      chan_->rx_waiting_ = false;
    }
    for (Waker& waker : refused) {
      std::move(waker).wake();
    }
    chan_.reset();
  }

  std::shared_ptr<detail::Chan<T>> chan_;
};

}  // namespace wakeful::mpsc
