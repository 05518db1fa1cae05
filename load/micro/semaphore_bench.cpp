// Workload 8, semaphore: one permit, 16 tasks; each acquires, yields once holding it (the
// hand-written self-wake of workload 5) and releases, K times. Every acquire after the first
// round waits in line, and every release hands the permit to the next waiter.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "self_wake_yield.hpp"
#include "wakeful/async.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/semaphore.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

Async<void> holder(std::shared_ptr<Semaphore> sem, std::shared_ptr<std::atomic<std::uint64_t>> inside,
                   std::uint64_t k) {
  for (std::uint64_t i = 0; i < k; ++i) {
    const SemaphorePermit permit = co_await sem->acquire();
    // the critical section: one relaxed increment, checked below, and a yield
    inside->fetch_add(1, std::memory_order_relaxed);
    co_await SelfWakeYield();
  }
}

Async<Sample> semaphore_once(std::uint64_t tasks, std::uint64_t k) {
  auto sem = std::make_shared<Semaphore>(1);
  auto inside = std::make_shared<std::atomic<std::uint64_t>>(0);
  const auto t0 = now();
  std::vector<JoinHandle<void>> handles;
  handles.reserve(tasks);
  for (std::uint64_t t = 0; t < tasks; ++t) {
    handles.push_back(spawn(holder(sem, inside, k)));
  }
  for (auto& handle : handles) {
    co_await handle;
  }
  const std::uint64_t ns = elapsed_ns(t0);
  const std::uint64_t want = tasks * k;
  if (inside->load(std::memory_order_relaxed) != want) {
    std::fprintf(stderr, "semaphore: %llu acquisitions, expected %llu\n",
                 static_cast<unsigned long long>(inside->load()), static_cast<unsigned long long>(want));
    std::abort();
  }
  co_return Sample{ns, want, 0};
}

}  // namespace

void semaphore_bench(const Options& options) {
  constexpr std::uint64_t tasks = 16;
  const std::uint64_t k = options.quick ? 1'000 : 100'000;
  for (const std::size_t threads : {1U, 2U}) {
    const std::string flavour = threads == 1 ? "1thread" : "2threads";
    if (!options.runs(flavour)) {
      continue;
    }
    Runtime rt = make_runtime(threads);
    report("semaphore", "one_permit_16tasks/" + flavour, tasks,
           options.harness.measure([&] { return rt.block_on(semaphore_once(tasks, k)); }), "op=one acquire+release");
  }
}

}  // namespace wakeful::micro
