#pragma once
// WakeList: wakers gathered under a lock and woken after it is released, in a fixed array so
// that releasing a permit or publishing a value allocates nothing. A producer that has more
// waiters to wake than fit wakes the batch, relocks and goes on.

#include <array>
#include <cstddef>
#include <utility>

#include "wakeful/waker.hpp"

namespace wakeful::detail {

class WakeList {
 public:
  static constexpr std::size_t capacity = 32;

  WakeList() = default;
  WakeList(const WakeList&) = delete;
  WakeList& operator=(const WakeList&) = delete;
  /// Wakes whatever is still held: a list that goes out of scope loses no wake-up.
  ~WakeList() { wake_all(); }

  [[nodiscard]] bool full() const noexcept { return size_ == capacity; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// Takes `waker`; the list must not be full.
  void push(Waker&& waker) noexcept { wakers_[size_++] = std::move(waker); }  // NOLINT: bounds held by full()

  /// Wakes every waker held, in the order pushed, and empties the list. Call it unlocked.
  void wake_all() {
    for (std::size_t i = 0; i < size_; ++i) {
      std::move(wakers_[i]).wake();  // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
    }
    size_ = 0;
  }

 private:
  std::array<Waker, capacity> wakers_;
  std::size_t size_ = 0;
};

}  // namespace wakeful::detail
