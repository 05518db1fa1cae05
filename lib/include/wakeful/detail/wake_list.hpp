#pragma once
// WakeList: wakers gathered under a lock and woken after it is released, in a fixed array so
// that releasing a permit or publishing a value allocates nothing. A producer that has more
// waiters to wake than fit wakes the batch, relocks and goes on.
//
// The slots are raw storage: a Waker is constructed in a slot only when pushed. A list is made
// for every release of a Semaphore (so every Mutex unlock) and every broadcast send, and most
// wake one waiter or none: default-constructing and destroying 32 no-op wakers each time (64
// indirect calls) cost more than the rest of a release.

#include <array>
#include <cstddef>
#include <memory>
#include <utility>

#include "wakeful/waker.hpp"

namespace wakeful::detail {

class WakeList {
 public:
  static constexpr std::size_t capacity = 32;

  WakeList() noexcept {}  // NOLINT(modernize-use-equals-default): leaves the slots unconstructed
  WakeList(const WakeList&) = delete;
  WakeList& operator=(const WakeList&) = delete;
  /// Wakes whatever is still held: a list that goes out of scope loses no wake-up.
  ~WakeList() { wake_all(); }

  [[nodiscard]] bool full() const noexcept { return size_ == capacity; }
  [[nodiscard]] bool empty() const noexcept { return size_ == woken_; }

  /// Takes `waker`; the list must not be full.
  void push(Waker&& waker) noexcept {
    std::construct_at(&slots_[size_].waker, std::move(waker));  // NOLINT: bounds held by full()
    ++size_;
  }

  /// Wakes every waker held, in the order pushed, and empties the list. Call it unlocked. Each
  /// slot is emptied before its waker runs, so a wake that throws loses no other wake-up (the
  /// destructor goes on from the next one) and wakes nobody twice.
  void wake_all() {
    while (woken_ < size_) {
      Waker& held = slots_[woken_].waker;  // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
      Waker waker(std::move(held));
      std::destroy_at(&held);
      ++woken_;
      std::move(waker).wake();
    }
    size_ = 0;
    woken_ = 0;
  }

 private:
  union Slot {
    Slot() noexcept {}  // NOLINT(modernize-use-equals-default): would be deleted (non-trivial member)
    ~Slot() {}          // NOLINT(modernize-use-equals-default): a union with a non-trivial member
    Waker waker;
  };

  std::array<Slot, capacity> slots_;
  std::size_t size_ = 0;   // slots constructed, from the front
  std::size_t woken_ = 0;  // of those, already woken (and destroyed)
};

}  // namespace wakeful::detail
