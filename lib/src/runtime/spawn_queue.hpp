#pragma once
// SpawnQueue: a worker's tasks that were spawned on it and never polled, which idle workers may
// take (the balance; see Runtime).
//
// A bounded ring with one producer and many consumers. Only the owning worker pushes (at
// `tail_`); the owner and thieves all pop at `head_` with a compare-exchange, so each task is
// taken exactly once. Both indices only grow, so there is no ABA. Why a consumer never takes a
// slot the producer is rewriting: the producer writes slot `t % capacity` only after it saw
// `head_ > t - capacity`, i.e. after the consumer of the slot's previous occupant advanced
// `head_` past it; a consumer that read the slot and then lost the race for `head_` discards
// what it read. Slots are atomics so that such a discarded read is no data race.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "wakeful/detail/task_header.hpp"

namespace wakeful::detail {

class SpawnQueue {
 public:
  static constexpr std::size_t capacity = 256;

  /// Appends a task; false when full. The owning worker's thread only.
  bool push(TaskHeader* task) noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) >= capacity) {
      return false;
    }
    slots_[tail % capacity].store(task, std::memory_order_relaxed);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  /// Takes the oldest task, or nullptr when empty. Any thread.
  TaskHeader* pop() noexcept {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      if (head == tail_.load(std::memory_order_acquire)) {
        return nullptr;
      }
      TaskHeader* task = slots_[head % capacity].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return task;
      }
    }
  }

  /// How many tasks are queued (a hint from any thread other than the owner).
  [[nodiscard]] std::size_t size() const noexcept {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    return tail > head ? static_cast<std::size_t>(tail - head) : 0;
  }

  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

 private:
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  std::array<std::atomic<TaskHeader*>, capacity> slots_{};
};

}  // namespace wakeful::detail
