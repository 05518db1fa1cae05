#pragma once
// Mutex: a small lock for the short critical sections of channels and worker inboxes.
//
// The uncontended path is one compare-and-swap to lock and one exchange to unlock, all inline:
// a few instructions against the fifty or so of pthread_mutex_lock/unlock, which matters on
// paths taken several times per message. Under contention it spins briefly (the sections it
// guards are a few dozen instructions long), then sleeps on the futex behind C++20 atomic wait.
// States: 0 unlocked, 1 locked, 2 locked and someone may be sleeping (unlock must notify).

#include <atomic>
#include <cstdint>

#include "wakeful/detail/cpu_relax.hpp"

namespace wakeful::detail {

class Mutex {
 public:
  Mutex() noexcept = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  ~Mutex() = default;

  void lock() noexcept {
    std::uint32_t expected = unlocked;
    if (!state_.compare_exchange_strong(expected, locked, std::memory_order_acquire, std::memory_order_relaxed)) {
      lock_contended();
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = unlocked;
    return state_.compare_exchange_strong(expected, locked, std::memory_order_acquire, std::memory_order_relaxed);
  }

  void unlock() noexcept {
    if (state_.exchange(unlocked, std::memory_order_release) == contended) {
      state_.notify_one();
    }
  }

 private:
  static constexpr std::uint32_t unlocked = 0;
  static constexpr std::uint32_t locked = 1;
  static constexpr std::uint32_t contended = 2;

  void lock_contended() noexcept {
    for (int spin = 0; spin < 100; ++spin) {
      std::uint32_t state = state_.load(std::memory_order_relaxed);
      if (state == unlocked &&
          state_.compare_exchange_weak(state, locked, std::memory_order_acquire, std::memory_order_relaxed)) {
        return;
      }
      if (state == contended) {
        break;  // others already sleep: join them rather than compete
      }
      cpu_relax();
    }
    while (state_.exchange(contended, std::memory_order_acquire) != unlocked) {
      state_.wait(contended, std::memory_order_relaxed);
    }
  }

  std::atomic<std::uint32_t> state_{unlocked};
};

}  // namespace wakeful::detail
