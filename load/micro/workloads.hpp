#pragma once
// The workloads of WORKLOADS.md that wakeful-micro implements.

#include <cstddef>
#include <string>
#include <vector>

#include "harness.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::micro {

/// Options shared by every workload (as the reference's command line).
struct Options {
  Harness harness;
  bool quick = false;        ///< tiny sizes, for a smoke test
  std::string only_runtime;  ///< "1thread" or "2threads": run only that flavour (empty: all)
  std::size_t only_n = 0;    ///< joinset workloads: this N only (0: 1,000, 10,000 and 100,000)
  /// tcp: Asio's locking on the workers. Every socket of that benchmark stays on its worker, so
  /// it runs without the per-socket lock unless asked to keep it (--asio-locking per_socket).
  AsioLocking tcp_locking = AsioLocking::worker_thread_only;

  /// The N of the joinset workloads.
  [[nodiscard]] std::vector<std::size_t> sizes() const {
    if (only_n != 0) {
      return {only_n};
    }
    if (quick) {
      return {1'000};
    }
    return {1'000, 10'000, 100'000};
  }

  /// Whether the flavour named `name` is to be run.
  [[nodiscard]] bool runs(const std::string& name) const { return only_runtime.empty() || only_runtime == name; }
};

/// The runtime behind a flavour name: "1thread" is the counterpart of tokio's current_thread
/// runtime (one worker running on the calling thread, a single-threaded process), "2threads"
/// of its two-worker runtime.
inline Runtime make_runtime(std::size_t threads) {
  if (threads == 1) {
    return Runtime::current_thread();
  }
  return Runtime(threads);
}

/// 1. joinset_wake_one with a hand-driven FuturesUnordered and the naive poll-all set.
void joinset_manual_bench(const Options& options);
/// 2. joinset_wake_one with a JoinSet of spawned tasks woken through oneshot channels.
void joinset_runtime_bench(const Options& options);
/// 3. spawn_throughput: joinhandles and counter_notify, on 1 and 2 threads.
void spawn_bench(const Options& options);
/// 4. ping_pong: mpsc_cap1 and notify round trips between two tasks, on 1 thread.
void pingpong_bench(const Options& options);
/// 5. yield_many: yield_now and a hand-written self wake, on 1 thread.
void yield_bench(const Options& options);
/// 6. timer: spawned sleeps of random length; create, register and cancel costs.
void timer_bench(const Options& options);
/// 7. tcp_echo_loopback: 100 clients x 10,000 round trips of 64 bytes, on 1 and 2 threads.
void tcp_bench(const Options& options);
/// 8. semaphore: one permit, 16 tasks each acquiring, yielding and releasing K times.
void semaphore_bench(const Options& options);
/// 9. broadcast: one sender, 16 receivers, M values through a channel of capacity M.
void broadcast_bench(const Options& options);
/// 10. fanout: 64 CPU-bound children spawned by one task and joined in order, on 1 and 2 threads.
void fanout_bench(const Options& options);
/// 11. udp_pingpong: 100,000 round trips of a 64-byte datagram between two sockets, on 1 thread.
void udp_bench(const Options& options);
/// 12. proxy_copy: 1 GiB through a copy_bidirectional proxy to a counting sink, on 1 and 2 threads.
void proxy_bench(const Options& options);

}  // namespace wakeful::micro
