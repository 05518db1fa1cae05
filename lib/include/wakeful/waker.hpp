#pragma once
// Waker: a handle that tells an executor to poll a task again (Rust's std::task::Waker).
//
// A Waker is two words: a data pointer and a vtable with clone, wake, wake_by_ref and drop.
// Copying a Waker clones it, destroying it drops it. Executors build their own wakers from a
// RawWaker; a future only stores, clones and wakes the waker its Context hands it.
//
// A waker may be woken from any thread, any number of times, at any time: after its task has
// finished, after its runtime has stopped, or during the task's own poll. Every vtable in
// wakeful honours that.

#include <new>
#include <utility>

namespace wakeful {

struct RawWakerVTable;

/// The data pointer and vtable behind a Waker. Unsafe to use directly: the vtable's functions
/// decide what `data` means.
struct RawWaker {
  const void* data;              ///< Executor-defined (a task, a join-set node, a parker).
  const RawWakerVTable* vtable;  ///< How to clone, wake and drop `data`.
};

/// The four operations every waker implements.
struct RawWakerVTable {
  /// Returns a new RawWaker for the same target; the original is untouched.
  RawWaker (*clone)(const void* data);
  /// Wakes the target and releases this RawWaker (wake by value).
  void (*wake)(const void* data);
  /// Wakes the target and keeps this RawWaker.
  void (*wake_by_ref)(const void* data);
  /// Releases this RawWaker without waking.
  void (*drop)(const void* data);
};

namespace detail {
inline RawWaker noop_clone(const void* /*data*/) noexcept;
inline void noop_op(const void* /*data*/) noexcept {}
inline constexpr RawWakerVTable noop_vtable{&noop_clone, &noop_op, &noop_op, &noop_op};
inline RawWaker noop_clone(const void* /*data*/) noexcept { return RawWaker{nullptr, &noop_vtable}; }
}  // namespace detail

/// Wakes a task when the future that stored it can make progress.
///
/// A default-constructed or moved-from Waker is the no-op waker: waking it does nothing.
class Waker {
 public:
  /// The no-op waker.
  constexpr Waker() noexcept : raw_{nullptr, &detail::noop_vtable} {}

  /// Takes ownership of `raw` (it will be dropped with this Waker).
  static Waker from_raw(RawWaker raw) noexcept { return Waker(raw); }

  /// A waker that does nothing when woken: for polling futures outside any executor.
  static const Waker& noop() noexcept {
    static const Waker noop_waker;  // constant-initialized: the constructor is constexpr
    return noop_waker;
  }

  /// Clones `other`.
  Waker(const Waker& other) : raw_(other.raw_.vtable->clone(other.raw_.data)) {}
  /// Takes `other`'s reference; `other` becomes the no-op waker.
  Waker(Waker&& other) noexcept : raw_(std::exchange(other.raw_, RawWaker{nullptr, &detail::noop_vtable})) {}

  /// Clones `other` in place of this waker (skips the clone when both wake the same task).
  Waker& operator=(const Waker& other) {
    if (!will_wake(other)) {
      Waker copy(other);
      swap(copy);
    }
    return *this;
  }
  /// Takes `other`'s reference and drops the one held before.
  Waker& operator=(Waker&& other) noexcept {
    Waker moved(std::move(other));
    swap(moved);
    return *this;
  }

  ~Waker() { raw_.vtable->drop(raw_.data); }

  /// Wakes the task and releases this waker's reference; the waker becomes the no-op waker.
  void wake() && {
    RawWaker raw = std::exchange(raw_, RawWaker{nullptr, &detail::noop_vtable});
    raw.vtable->wake(raw.data);
  }

  /// Wakes the task and keeps this waker.
  void wake_by_ref() const { raw_.vtable->wake_by_ref(raw_.data); }

  /// True when both wakers would wake the same task (same data and vtable). A false answer
  /// does not mean they differ; it only means cloning is needed to be sure.
  [[nodiscard]] bool will_wake(const Waker& other) const noexcept {
    return raw_.data == other.raw_.data && raw_.vtable == other.raw_.vtable;
  }

  /// The underlying RawWaker; still owned by this Waker.
  [[nodiscard]] const RawWaker& as_raw() const noexcept { return raw_; }

  /// Releases ownership of the RawWaker to the caller; this waker becomes the no-op waker.
  [[nodiscard]] RawWaker into_raw() && noexcept { return std::exchange(raw_, RawWaker{nullptr, &detail::noop_vtable}); }

  /// Exchanges two wakers without touching reference counts.
  void swap(Waker& other) noexcept { std::swap(raw_, other.raw_); }

 private:
  constexpr explicit Waker(RawWaker raw) noexcept : raw_(raw) {}

  RawWaker raw_;
};

namespace detail {

/// A Waker borrowed from a RawWaker that someone else owns: executors use it to hand a task's
/// waker to `poll` without touching the reference count. Never dropped.
class BorrowedWaker {
 public:
  explicit BorrowedWaker(RawWaker raw) noexcept { new (&storage_.waker) Waker(Waker::from_raw(raw)); }
  BorrowedWaker(const BorrowedWaker&) = delete;
  BorrowedWaker& operator=(const BorrowedWaker&) = delete;
  ~BorrowedWaker() = default;  // deliberately does not destroy storage_.waker

  [[nodiscard]] const Waker& get() const noexcept { return storage_.waker; }

 private:
  union Storage {
    Storage() noexcept {}  // NOLINT(modernize-use-equals-default): would be deleted (non-trivial member)
    ~Storage() {}          // NOLINT(modernize-use-equals-default): a union with a non-trivial member
    Waker waker;
  } storage_;
};

}  // namespace detail
}  // namespace wakeful
