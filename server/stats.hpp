#pragma once
// Counters of the server, per worker, and their Prometheus text exposition.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "wakeful/task/futures_unordered.hpp"

namespace wakeful {
class Runtime;
}  // namespace wakeful

namespace httpd {

/// A counter with one writer (its worker's thread): increments are a load and a store.
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// One worker's counters; written by that worker only.
struct alignas(64) WorkerStats {
  Counter connections_accepted;
  Counter connections_closed;
  Counter connections_rejected;      ///< closed at accept: over --max-connections
  std::array<Counter, 5> responses;  ///< by status class 1xx..5xx
  Counter bytes_received;
  Counter bytes_sent;
  // The worker's join-set, as last published by its accept loop (tasks: the JoinSet of
  // connection tasks; inline and naive: the set that polls the connections).
  Counter set_child_polls;
  Counter set_wakes;
  Counter set_coalesced_wakes;
  Counter set_yields;

  void count_response(int status) noexcept {
    const int index = status / 100 - 1;
    if (index >= 0 && index < 5) {
      responses[static_cast<std::size_t>(index)].add();
    }
  }

  /// Stores a join-set's counters (they only grow).
  void publish(const wakeful::JoinSetMetrics& m) noexcept {
    store(set_child_polls, m.child_polls);
    store(set_wakes, m.wakes);
    store(set_coalesced_wakes, m.coalesced_wakes);
    store(set_yields, m.yields);
  }

 private:
  static void store(Counter& counter, std::uint64_t value) noexcept {
    const std::uint64_t now = counter.get();
    if (value > now) {
      counter.add(value - now);
    }
  }
};

/// The Prometheus text format of everything: server counters and, when `runtime` is given, the
/// executor's.
std::string render_metrics(const std::vector<WorkerStats>& workers, const wakeful::Runtime* runtime, bool draining);

}  // namespace httpd
