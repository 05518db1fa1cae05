// Workload 3, spawn_throughput: spawn N tasks and observe every completion.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

void check_sum(std::uint64_t sum, std::uint64_t n) {
  if (sum != n * (n - 1) / 2) {
    std::fprintf(stderr, "spawn_throughput: wrong sum %llu\n", static_cast<unsigned long long>(sum));
    std::abort();
  }
}

// The task body is a hand-written future, like the reference's `async move { i as u64 }`: a
// state machine stored inline in the task, so one allocation per task.
Async<Sample> joinhandles(std::uint64_t n) {
  const auto t0 = now();
  std::vector<JoinHandle<std::uint64_t>> handles;
  handles.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    handles.push_back(spawn(poll_fn([i](Context&) -> Poll<std::uint64_t> { return i; })));
  }
  std::uint64_t sum = 0;
  for (auto& handle : handles) {
    sum += co_await handle;
  }
  handles = std::vector<JoinHandle<std::uint64_t>>();  // freed inside the timed region, as in Rust
  const std::uint64_t ns = elapsed_ns(t0);
  check_sum(sum, n);
  co_return Sample{ns, n, 0};
}

Async<std::uint64_t> identity(std::uint64_t v) { co_return v; }

// The same with a coroutine as the task body. Still one allocation per task: spawn(fn, args) makes
// the frame with the task's room in front (lib/include/wakeful/detail/task_room.hpp), but the
// frame is larger than the hand-written future and the coroutine resumes through its frame.
Async<Sample> joinhandles_async(std::uint64_t n) {
  const auto t0 = now();
  std::vector<JoinHandle<std::uint64_t>> handles;
  handles.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    handles.push_back(spawn(identity, i));
  }
  std::uint64_t sum = 0;
  for (auto& handle : handles) {
    sum += co_await handle;
  }
  handles = std::vector<JoinHandle<std::uint64_t>>();  // freed inside the timed region, as in Rust
  const std::uint64_t ns = elapsed_ns(t0);
  check_sum(sum, n);
  co_return Sample{ns, n, 0};
}

struct CounterState {
  explicit CounterState(std::uint64_t n) : left(n) {}
  std::atomic<std::uint64_t> left;
  Notify done;
};

Async<Sample> counter_notify(std::uint64_t n) {
  const auto t0 = now();
  auto state = std::make_shared<CounterState>(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    spawn(poll_fn([state](Context&) -> Poll<void> {
      if (state->left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        state->done.notify_one();
      }
      return Ready;
    })).detach();
  }
  co_await state->done.notified();
  co_return Sample{elapsed_ns(t0), n, 0};
}

}  // namespace

void spawn_bench(const Options& options) {
  const std::uint64_t n = options.quick ? 10'000 : 1'000'000;
  for (std::size_t threads : {1U, 2U}) {
    const std::string flavour = threads == 1 ? "1thread" : "2threads";
    if (!options.runs(flavour)) {
      continue;
    }
    Runtime rt = make_runtime(threads);
    report("spawn_throughput", "joinhandles/" + flavour, n,
           options.harness.measure([&] { return rt.block_on(joinhandles(n)); }),
           "op=one task spawned+completed+joined");
    report("spawn_throughput", "counter_notify/" + flavour, n,
           options.harness.measure([&] { return rt.block_on(counter_notify(n)); }), "op=one task spawned+completed");
    report("spawn_throughput", "joinhandles_async/" + flavour, n,
           options.harness.measure([&] { return rt.block_on(joinhandles_async(n)); }),
           "op=one task spawned+completed+joined; body=coroutine (task in the frame block, 1 allocation)");
  }
}

}  // namespace wakeful::micro
