#pragma once
// RwLock<T>: an asynchronous reader-writer lock that owns the value it guards
// (tokio::sync::RwLock).
//
// It is a Semaphore of max_readers permits: a reader takes one, a writer takes them all. The
// semaphore hands permits out strictly in order, so a writer waits only for the readers ahead
// of it, collecting their permits as they leave, and readers that come after it queue behind
// it: a stream of readers cannot starve a writer, nor a stream of writers the readers.

#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "wakeful/detail/pinned.hpp"
#include "wakeful/future.hpp"
#include "wakeful/sync/semaphore.hpp"

namespace wakeful {

template <class T>
class RwLock;

/// Shared, read-only access to a RwLock's value, released when the guard is destroyed.
/// Move-only; a moved-from guard holds nothing and must not be dereferenced.
template <class T>
class [[nodiscard]] RwLockReadGuard {
 public:
  RwLockReadGuard(RwLockReadGuard&&) noexcept = default;
  RwLockReadGuard& operator=(RwLockReadGuard&&) noexcept = default;
  RwLockReadGuard(const RwLockReadGuard&) = delete;
  RwLockReadGuard& operator=(const RwLockReadGuard&) = delete;
  ~RwLockReadGuard() = default;

  /// The guarded value.
  const T& operator*() const noexcept {
    assert(permit_.num_permits() != 0 && "wakeful: RwLockReadGuard used after being moved from");
    return *value_;
  }
  /// Member access to the guarded value.
  const T* operator->() const noexcept { return &**this; }

 private:
  friend class RwLock<T>;
  RwLockReadGuard(SemaphorePermit permit, const T& value) noexcept : permit_(std::move(permit)), value_(&value) {}

  SemaphorePermit permit_;
  const T* value_;
};

/// Exclusive access to a RwLock's value, released when the guard is destroyed. Move-only; a
/// moved-from guard holds nothing and must not be dereferenced.
template <class T>
class [[nodiscard]] RwLockWriteGuard {
 public:
  RwLockWriteGuard(RwLockWriteGuard&&) noexcept = default;
  RwLockWriteGuard& operator=(RwLockWriteGuard&&) noexcept = default;
  RwLockWriteGuard(const RwLockWriteGuard&) = delete;
  RwLockWriteGuard& operator=(const RwLockWriteGuard&) = delete;
  ~RwLockWriteGuard() = default;

  /// The guarded value.
  T& operator*() const noexcept {
    assert(permit_.num_permits() != 0 && "wakeful: RwLockWriteGuard used after being moved from");
    return *value_;
  }
  /// Member access to the guarded value.
  T* operator->() const noexcept { return &**this; }

 private:
  friend class RwLock<T>;
  RwLockWriteGuard(SemaphorePermit permit, T& value) noexcept : permit_(std::move(permit)), value_(&value) {}

  SemaphorePermit permit_;
  T* value_;
};

/// A value that many tasks may read at once, or one task may write, across awaits; requests
/// are served in arrival order. Thread-safe; the lock must outlive its guards and futures.
template <class T>
class RwLock {
 public:
  /// How many read guards may be held at once (later readers wait).
  static constexpr std::size_t max_readers = std::numeric_limits<std::uint32_t>::max() >> 3U;

  class Read;
  class Write;

  /// A lock holding a value-initialised T.
  RwLock() : value_() {}
  /// A lock holding `value`.
  explicit RwLock(T value) : value_(std::move(value)) {}
  /// A lock holding a T built from `args`.
  template <class... Args>
  explicit RwLock(std::in_place_t /*unused*/, Args&&... args) : value_(std::forward<Args>(args)...) {}
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;
  ~RwLock() = default;

  /// A future of shared access; see Read.
  Read read() noexcept { return Read(*this); }
  /// A future of exclusive access; see Write.
  Write write() noexcept { return Write(*this); }

  /// Shared access if no writer holds the lock or waits for it, else std::nullopt.
  std::optional<RwLockReadGuard<T>> try_read() {
    std::optional<SemaphorePermit> permit = semaphore_.try_acquire(1);
    if (!permit) {
      return std::nullopt;
    }
    return RwLockReadGuard<T>(std::move(*permit), value_);
  }

  /// Exclusive access if nobody holds the lock or waits for it, else std::nullopt.
  std::optional<RwLockWriteGuard<T>> try_write() {
    std::optional<SemaphorePermit> permit = semaphore_.try_acquire(max_readers);
    if (!permit) {
      return std::nullopt;
    }
    return RwLockWriteGuard<T>(std::move(*permit), value_);
  }

  /// The future of RwLock::read(): ready with a read guard in its turn.
  ///
  /// Cancel safety: dropping it loses nothing (its place goes to the next in line, and access
  /// already handed to it is passed on). Once polled while waiting it must not be moved (that
  /// aborts with a message, in every build).
  class [[nodiscard]] Read {
   public:
    /// Waiting links it into a list, so combinators holding it must not move it once polled.
    static constexpr bool pinned_once_polled = true;
    /// Moving is allowed before the first poll only.
    Read(Read&& other) noexcept : lock_(other.lock_), acquire_(check_movable(other)) {}
    Read& operator=(Read&&) = delete;
    Read(const Read&) = delete;
    Read& operator=(const Read&) = delete;
    ~Read() = default;

    /// Ready with the guard; throws std::logic_error when polled after completion.
    Poll<RwLockReadGuard<T>> poll(Context& cx) {
      Poll<SemaphorePermit> permit = acquire_.poll(cx);
      if (permit.is_pending()) {
        return Pending;
      }
      return RwLockReadGuard<T>(std::move(permit).value(), lock_->value_);
    }

   private:
    friend class RwLock;
    explicit Read(RwLock& lock) noexcept : lock_(&lock), acquire_(lock.semaphore_.acquire(1)) {}

    static Semaphore::Acquire&& check_movable(Read& other) noexcept {
      if (other.acquire_.is_waiting()) {
        detail::moved_after_first_poll("RwLock::Read");
      }
      return std::move(other.acquire_);
    }

    RwLock* lock_;
    Semaphore::Acquire acquire_;
  };

  /// The future of RwLock::write(): ready with a write guard in its turn.
  ///
  /// Cancel safety: dropping it loses nothing; the read permits it had collected while waiting
  /// go back to the line in order. Once polled while waiting it must not be moved (that aborts
  /// with a message, in every build).
  class [[nodiscard]] Write {
   public:
    /// Waiting links it into a list, so combinators holding it must not move it once polled.
    static constexpr bool pinned_once_polled = true;
    /// Moving is allowed before the first poll only.
    Write(Write&& other) noexcept : lock_(other.lock_), acquire_(check_movable(other)) {}
    Write& operator=(Write&&) = delete;
    Write(const Write&) = delete;
    Write& operator=(const Write&) = delete;
    ~Write() = default;

    /// Ready with the guard; throws std::logic_error when polled after completion.
    Poll<RwLockWriteGuard<T>> poll(Context& cx) {
      Poll<SemaphorePermit> permit = acquire_.poll(cx);
      if (permit.is_pending()) {
        return Pending;
      }
      return RwLockWriteGuard<T>(std::move(permit).value(), lock_->value_);
    }

   private:
    friend class RwLock;
    explicit Write(RwLock& lock) noexcept : lock_(&lock), acquire_(lock.semaphore_.acquire(max_readers)) {}

    static Semaphore::Acquire&& check_movable(Write& other) noexcept {
      if (other.acquire_.is_waiting()) {
        detail::moved_after_first_poll("RwLock::Write");
      }
      return std::move(other.acquire_);
    }

    RwLock* lock_;
    Semaphore::Acquire acquire_;
  };

 private:
  Semaphore semaphore_{max_readers};
  T value_;
};

}  // namespace wakeful
