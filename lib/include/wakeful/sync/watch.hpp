#pragma once
// watch: a channel that holds only the latest value (tokio::sync::watch).
//
// The value sits behind a reader-writer lock; a version counter (bumped by 2 under the write
// lock, bit 0 set once the sender is gone) tells a receiver whether there is a value it has not
// seen. Waiting is a Notify: the sender calls notify_waiters() after every change, and a
// receiver's changed() creates its Notified *before* reading the version, so a change made
// between the read and the wait still completes the wait (a Notified counts notify_waiters()
// calls from its creation on). Receivers see the latest value, never a queue of them.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <utility>

#include "wakeful/detail/pinned.hpp"
#include "wakeful/future.hpp"
#include "wakeful/sync/notify.hpp"

namespace wakeful::watch {

template <class T>
class Sender;
template <class T>
class Receiver;

namespace detail {

inline constexpr std::uint64_t closed_bit = 1;
inline constexpr std::uint64_t version_step = 2;

template <class T>
struct Shared {
  explicit Shared(T initial) : value(std::move(initial)) {}

  std::shared_mutex lock;
  T value;                                // guarded by lock
  std::atomic<std::uint64_t> version{0};  // changed under the write lock, or by the closing sender
  std::atomic<std::size_t> receivers{1};
  Notify changed;
};

}  // namespace detail

/// Creates a channel holding `initial`, which the receiver counts as already seen.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(T initial) {
  auto shared = std::make_shared<detail::Shared<T>>(std::move(initial));
  return {Sender<T>(shared), Receiver<T>(std::move(shared), 0)};
}

/// Read access to the channel's current value; holds the value's read lock, so the sender waits
/// while a Ref lives. Keep it short and never hold it across an await.
template <class T>
class [[nodiscard]] Ref {
 public:
  Ref(Ref&&) noexcept = default;
  Ref& operator=(Ref&&) noexcept = default;
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref() = default;

  /// The borrowed value.
  const T& operator*() const noexcept { return *value_; }
  /// Member access to the borrowed value.
  const T* operator->() const noexcept { return value_; }
  /// True when the value was new to the receiver that borrowed it (always false from a sender).
  [[nodiscard]] bool has_changed() const noexcept { return changed_; }

 private:
  friend class Sender<T>;
  friend class Receiver<T>;
  Ref(std::shared_lock<std::shared_mutex> lock, const T& value, bool changed) noexcept
      : lock_(std::move(lock)), value_(&value), changed_(changed) {}

  std::shared_lock<std::shared_mutex> lock_;
  const T* value_;
  bool changed_;
};

/// The sending half: publishes new values. Move-only. Dropping it closes the channel; receivers
/// can still borrow the last value.
template <class T>
class Sender {
 public:
  Sender(Sender&&) noexcept = default;
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      close();
      shared_ = std::move(other.shared_);
    }
    return *this;
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  /// Closes the channel and wakes every waiting receiver.
  ~Sender() { close(); }

  /// Replaces the value and wakes every waiting receiver. Returns std::nullopt, or `value` back
  /// (the channel unchanged) when no receiver is left.
  std::optional<T> send(T value) {
    require_shared();
    if (shared_->receivers.load(std::memory_order_acquire) == 0) {
      return std::optional<T>(std::move(value));
    }
    {
      const std::unique_lock lock(shared_->lock);
      shared_->value = std::move(value);
      shared_->version.fetch_add(detail::version_step, std::memory_order_release);
    }
    shared_->changed.notify_waiters();
    return std::nullopt;
  }

  /// Changes the value in place with `modify(T&)`, under the write lock, and wakes every waiting
  /// receiver, whether or not any receiver is left. If `modify` throws, receivers are not told.
  template <class F>
  void send_modify(F&& modify) {
    require_shared();
    {
      const std::unique_lock lock(shared_->lock);
      std::forward<F>(modify)(shared_->value);
      shared_->version.fetch_add(detail::version_step, std::memory_order_release);
    }
    shared_->changed.notify_waiters();
  }

  /// The current value.
  Ref<T> borrow() const {
    require_shared();
    return Ref<T>(std::shared_lock(shared_->lock), shared_->value, false);
  }

  /// A new receiver, which counts the current value as seen.
  Receiver<T> subscribe() const {
    require_shared();
    shared_->receivers.fetch_add(1, std::memory_order_relaxed);
    std::shared_lock lock(shared_->lock);
    return Receiver<T>(shared_, shared_->version.load(std::memory_order_acquire) & ~detail::closed_bit);
  }

  /// The number of receivers.
  [[nodiscard]] std::size_t receiver_count() const noexcept {
    return shared_ ? shared_->receivers.load(std::memory_order_acquire) : 0;
  }
  /// True when no receiver is left (send() would give its value back).
  [[nodiscard]] bool is_closed() const noexcept { return receiver_count() == 0; }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(T);
  explicit Sender(std::shared_ptr<detail::Shared<T>> shared) noexcept : shared_(std::move(shared)) {}

  void require_shared() const {
    if (!shared_) {
      throw std::logic_error("wakeful: watch::Sender used after being moved from");
    }
  }

  void close() noexcept {
    if (!shared_) {
      return;
    }
    shared_->version.fetch_or(detail::closed_bit, std::memory_order_release);
    shared_->changed.notify_waiters();
    shared_.reset();
  }

  std::shared_ptr<detail::Shared<T>> shared_;
};

/// The receiving half: sees the latest value. Copy it for another receiver (the copy has seen
/// what this one has seen). Thread-safe to move between tasks; one receiver is used by one task
/// at a time.
template <class T>
class Receiver {
 public:
  class Changed;

  Receiver(const Receiver& other) : shared_(other.shared_), seen_(other.seen_) {
    if (shared_) {
      shared_->receivers.fetch_add(1, std::memory_order_relaxed);
    }
  }
  Receiver(Receiver&& other) noexcept : shared_(std::move(other.shared_)), seen_(other.seen_) {}
  Receiver& operator=(Receiver other) noexcept {
    std::swap(shared_, other.shared_);
    seen_ = other.seen_;
    return *this;
  }
  ~Receiver() {
    if (shared_) {
      shared_->receivers.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  /// The current value, without marking it seen.
  Ref<T> borrow() const {
    require_shared();
    std::shared_lock lock(shared_->lock);
    const bool changed = version() != seen_;
    return Ref<T>(std::move(lock), shared_->value, changed);
  }

  /// The current value, marking it seen (a later changed() waits for a newer one).
  Ref<T> borrow_and_update() {
    require_shared();
    std::shared_lock lock(shared_->lock);
    const std::uint64_t now = version();
    const bool changed = now != seen_;
    seen_ = now;
    return Ref<T>(std::move(lock), shared_->value, changed);
  }

  /// True when there is a value this receiver has not seen.
  [[nodiscard]] bool has_changed() const {
    require_shared();
    return version() != seen_;
  }

  /// True once the sender is gone (the last value can still be borrowed).
  [[nodiscard]] bool is_closed() const {
    require_shared();
    return (shared_->version.load(std::memory_order_acquire) & detail::closed_bit) != 0;
  }

  /// A future that waits for a value this receiver has not seen; see Changed.
  Changed changed() { return Changed(*this); }

  /// The future of Receiver::changed(): ready with true once there is a value newer than the
  /// last one seen (which it marks seen; borrow() then shows the latest of however many sends),
  /// or with false once the sender is gone and nothing new is left. The receiver must outlive
  /// it, and is not to be used for anything else while it waits.
  ///
  /// Cancel safety: dropping it loses nothing; the value stays unseen for the next changed().
  /// Once polled while waiting it must not be moved (that aborts with a message, in every build).
  class [[nodiscard]] Changed {
   public:
    /// Waiting links it into a list, so combinators holding it must not move it once polled.
    static constexpr bool pinned_once_polled = true;
    /// Moving is allowed before the first poll only.
    Changed(Changed&& other) noexcept : receiver_(other.receiver_) {
      if (other.notified_) {
        wakeful::detail::moved_after_first_poll("watch::Receiver::Changed");
      }
    }
    Changed& operator=(Changed&&) = delete;
    Changed(const Changed&) = delete;
    Changed& operator=(const Changed&) = delete;
    ~Changed() = default;

    /// Ready with true (a new value) or false (the sender is gone).
    Poll<bool> poll(Context& cx) {
      Receiver& rx = *receiver_;
      rx.require_shared();
      for (;;) {
        if (!notified_) {
          notified_.emplace(rx.shared_->changed);  // before reading the version
        }
        const std::uint64_t word = rx.shared_->version.load(std::memory_order_acquire);
        if ((word & ~detail::closed_bit) != rx.seen_) {
          rx.seen_ = word & ~detail::closed_bit;
          notified_.reset();
          return true;
        }
        if ((word & detail::closed_bit) != 0) {
          notified_.reset();
          return false;
        }
        if (notified_->notified.poll(cx).is_pending()) {
          return Pending;
        }
        notified_.reset();  // something changed: read the version again, with a fresh Notified
      }
    }

   private:
    friend class Receiver;
    explicit Changed(Receiver& receiver) noexcept : receiver_(&receiver) {}

    // Built in place (never moved), so that only Notify's guarantees matter here.
    struct Waiting {
      explicit Waiting(Notify& notify) noexcept : notified(notify.notified()) {}
      Notified notified;
    };

    Receiver* receiver_;
    std::optional<Waiting> notified_;  // engaged from the first Pending on: linked to the Notify
  };

 private:
  friend class Sender<T>;
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(T);
  Receiver(std::shared_ptr<detail::Shared<T>> shared, std::uint64_t seen) noexcept
      : shared_(std::move(shared)), seen_(seen) {}

  [[nodiscard]] std::uint64_t version() const noexcept {
    return shared_->version.load(std::memory_order_acquire) & ~detail::closed_bit;
  }

  void require_shared() const {
    if (!shared_) {
      throw std::logic_error("wakeful: watch::Receiver used after being moved from");
    }
  }

  std::shared_ptr<detail::Shared<T>> shared_;
  std::uint64_t seen_;
};

}  // namespace wakeful::watch
