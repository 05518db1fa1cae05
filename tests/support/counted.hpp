#pragma once
// Counting helpers: objects that count their constructions and destructions, and futures that
// count their polls and are opened by hand.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "wakeful/future.hpp"

namespace wakeful::test {

/// Counts the lives of Tracked objects.
struct Lifetimes {
  std::atomic<int> constructed{0};
  std::atomic<int> destroyed{0};
  [[nodiscard]] int alive() const noexcept { return constructed.load() - destroyed.load(); }
};

/// Counts itself in a Lifetimes on construction (also copy and move) and destruction, and
/// remembers the thread that destroyed it last.
class Tracked {
 public:
  explicit Tracked(Lifetimes& lifetimes, int value = 0) noexcept : lifetimes_(&lifetimes), value_(value) {
    lifetimes_->constructed.fetch_add(1);
  }
  Tracked(const Tracked& other) noexcept : lifetimes_(other.lifetimes_), value_(other.value_) {
    lifetimes_->constructed.fetch_add(1);
  }
  Tracked(Tracked&& other) noexcept : lifetimes_(other.lifetimes_), value_(other.value_) {
    lifetimes_->constructed.fetch_add(1);
  }
  Tracked& operator=(const Tracked&) = delete;
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() { lifetimes_->destroyed.fetch_add(1); }

  [[nodiscard]] int value() const noexcept { return value_; }

 private:
  Lifetimes* lifetimes_;
  int value_;
};

/// The shared side of a GateFuture: open it (from any thread) to make the future ready.
class Gate {
 public:
  /// Opens the gate and wakes the future's latest waker.
  void open() {
    Waker waker;
    {
      const std::lock_guard lock(mutex_);
      open_ = true;
      waker = std::move(waker_);
    }
    std::move(waker).wake();
  }

  /// Wakes the future's latest waker without opening the gate (a spurious wake-up).
  void wake() {
    Waker waker;
    {
      const std::lock_guard lock(mutex_);
      waker = waker_;
    }
    waker.wake_by_ref();
  }

  /// A clone of the waker the future stored last (the no-op waker before the first poll).
  [[nodiscard]] Waker stored_waker() {
    const std::lock_guard lock(mutex_);
    return waker_;
  }

  [[nodiscard]] int polls() const noexcept { return polls_.load(); }
  [[nodiscard]] bool was_polled() const noexcept { return polls_.load() > 0; }

 private:
  friend class GateFuture;
  std::mutex mutex_;
  bool open_ = false;
  Waker waker_;
  std::atomic<int> polls_{0};
};

/// A future of void that is pending until its Gate is opened; counts its polls.
class GateFuture {
 public:
  explicit GateFuture(std::shared_ptr<Gate> gate) noexcept : gate_(std::move(gate)) {}

  Poll<void> poll(Context& cx) {
    gate_->polls_.fetch_add(1);
    const std::lock_guard lock(gate_->mutex_);
    if (gate_->open_) {
      return Ready;
    }
    gate_->waker_ = cx.waker();
    return Pending;
  }

 private:
  std::shared_ptr<Gate> gate_;
};

/// Spins (with short sleeps) until `done()` holds or `timeout` passes; true if it held.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace wakeful::test
