#pragma once
// A waker that counts what is done to it, for polling futures by hand in tests.

#include <atomic>

#include "wakeful/context.hpp"
#include "wakeful/waker.hpp"

namespace wakeful::test {

/// Every clone and drop is counted, so a test can prove a future released every waker it
/// took (`outstanding() == 0`). The counter must outlive every waker made from it.
class CountingWaker {
 public:
  CountingWaker() = default;
  CountingWaker(const CountingWaker&) = delete;
  CountingWaker& operator=(const CountingWaker&) = delete;
  ~CountingWaker() = default;

  /// A new waker (counted as a clone).
  [[nodiscard]] Waker waker() { return Waker::from_raw(clone(this)); }

  [[nodiscard]] int wakes() const noexcept { return wakes_.load(); }
  [[nodiscard]] int clones() const noexcept { return clones_.load(); }
  [[nodiscard]] int drops() const noexcept { return drops_.load(); }
  /// Wakers made from this counter and not yet dropped.
  [[nodiscard]] int outstanding() const noexcept { return clones_.load() - drops_.load(); }

 private:
  static CountingWaker* self(const void* data) noexcept { return static_cast<CountingWaker*>(const_cast<void*>(data)); }
  static RawWaker clone(const void* data) noexcept {
    self(data)->clones_.fetch_add(1);
    return RawWaker{data, &vtable};
  }
  static void wake(const void* data) noexcept {
    self(data)->wakes_.fetch_add(1);
    self(data)->drops_.fetch_add(1);
  }
  static void wake_by_ref(const void* data) noexcept { self(data)->wakes_.fetch_add(1); }
  static void drop(const void* data) noexcept { self(data)->drops_.fetch_add(1); }

  static constexpr RawWakerVTable vtable{&clone, &wake, &wake_by_ref, &drop};

  std::atomic<int> wakes_{0};
  std::atomic<int> clones_{0};
  std::atomic<int> drops_{0};
};

/// A Context whose waker counts its wakes, for polling futures by hand in tests.
struct Manual {
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx{waker};
};

}  // namespace wakeful::test
