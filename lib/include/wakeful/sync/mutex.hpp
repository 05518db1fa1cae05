#pragma once
// Mutex<T>: an asynchronous mutex that owns the value it guards (tokio::sync::Mutex).
//
// It is a Semaphore of one permit: the lock is the permit, so waiters are served first come,
// first served, a task that unlocks and locks again goes behind the others, and the cancel
// safety of Semaphore::Acquire carries over. Use it when the lock must be held across an await;
// for short sections that never await, a plain std::mutex is cheaper.

#include <cassert>
#include <optional>
#include <utility>

#include "wakeful/detail/pinned.hpp"
#include "wakeful/future.hpp"
#include "wakeful/sync/semaphore.hpp"

namespace wakeful {

template <class T>
class Mutex;

/// Exclusive access to a Mutex's value, released when the guard is destroyed. Move-only; a
/// moved-from guard holds nothing and must not be dereferenced.
template <class T>
class [[nodiscard]] MutexGuard {
 public:
  MutexGuard(MutexGuard&&) noexcept = default;
  MutexGuard& operator=(MutexGuard&&) noexcept = default;
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;
  /// Unlocks: the next waiter in line gets the lock.
  ~MutexGuard() = default;

  /// The guarded value.
  T& operator*() const noexcept {
    assert(permit_.num_permits() == 1 && "wakeful: MutexGuard used after being moved from");
    return *value_;
  }
  /// Member access to the guarded value.
  T* operator->() const noexcept { return &**this; }

 private:
  friend class Mutex<T>;
  MutexGuard(SemaphorePermit permit, T& value) noexcept : permit_(std::move(permit)), value_(&value) {}

  SemaphorePermit permit_;
  T* value_;
};

/// A value that one task at a time may use, across awaits. Thread-safe; the mutex must outlive
/// its guards and lock futures.
template <class T>
class Mutex {
 public:
  class Lock;

  /// A mutex holding a value-initialised T.
  Mutex() : value_() {}
  /// A mutex holding `value`.
  explicit Mutex(T value) : value_(std::move(value)) {}
  /// A mutex holding a T built from `args`.
  template <class... Args>
  explicit Mutex(std::in_place_t /*unused*/, Args&&... args) : value_(std::forward<Args>(args)...) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  ~Mutex() = default;

  /// A future of the lock; see Lock.
  Lock lock() noexcept { return Lock(*this); }

  /// The lock if nobody holds it and nobody waits for it, else std::nullopt.
  std::optional<MutexGuard<T>> try_lock() {
    std::optional<SemaphorePermit> permit = semaphore_.try_acquire(1);
    if (!permit) {
      return std::nullopt;
    }
    return MutexGuard<T>(std::move(*permit), value_);
  }

  /// The future of Mutex::lock(): ready with a MutexGuard once the lock is this future's turn.
  ///
  /// Cancel safety: dropping it loses nothing. It leaves the line, and if the lock had already
  /// been handed to it, the lock goes on to the next in line. Once polled while waiting it is
  /// linked into the line and must not be moved (that aborts with a message, in every build).
  class [[nodiscard]] Lock {
   public:
    /// Waiting links it into a list, so combinators holding it must not move it once polled.
    static constexpr bool pinned_once_polled = true;
    /// Moving is allowed before the first poll only.
    Lock(Lock&& other) noexcept : mutex_(other.mutex_), acquire_(check_movable(other)) {}
    Lock& operator=(Lock&&) = delete;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock() = default;

    /// Ready with the guard once locked; throws std::logic_error when polled after completion.
    Poll<MutexGuard<T>> poll(Context& cx) {
      Poll<SemaphorePermit> permit = acquire_.poll(cx);
      if (permit.is_pending()) {
        return Pending;
      }
      return MutexGuard<T>(std::move(permit).value(), mutex_->value_);
    }

   private:
    friend class Mutex;
    explicit Lock(Mutex& mutex) noexcept : mutex_(&mutex), acquire_(mutex.semaphore_.acquire(1)) {}

    static Semaphore::Acquire&& check_movable(Lock& other) noexcept {
      if (other.acquire_.is_waiting()) {
        detail::moved_after_first_poll("Mutex::Lock");
      }
      return std::move(other.acquire_);
    }

    Mutex* mutex_;
    Semaphore::Acquire acquire_;
  };

 private:
  Semaphore semaphore_{1};
  T value_;
};

}  // namespace wakeful
