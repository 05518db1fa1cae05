// Workload 5, yield_many: one task yields M times with nothing else to run.

#include <cstdint>

#include "self_wake_yield.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

Async<Sample> yield_library(std::uint64_t m) {
  const std::uint64_t p0 = task_polls;
  const auto t0 = now();
  for (std::uint64_t i = 0; i < m; ++i) {
    co_await yield_now();
  }
  co_return Sample{elapsed_ns(t0), m, task_polls - p0};
}

Async<Sample> yield_self_wake(std::uint64_t m) {
  const std::uint64_t p0 = task_polls;
  const auto t0 = now();
  for (std::uint64_t i = 0; i < m; ++i) {
    co_await SelfWakeYield();
  }
  co_return Sample{elapsed_ns(t0), m, task_polls - p0};
}

}  // namespace

void yield_bench(const Options& options) {
  const std::uint64_t m = options.quick ? 100'000 : 10'000'000;
  if (!options.runs("1thread")) {
    return;
  }
  Runtime rt = make_runtime(1);
  report("yield_many", "yield_now/1thread", 1,
         options.harness.measure([&] { return rt.block_on(counted(yield_library(m))); }), "op=one yield");
  report("yield_many", "self_wake_by_ref/1thread", 1,
         options.harness.measure([&] { return rt.block_on(counted(yield_self_wake(m))); }), "op=one yield");
}

}  // namespace wakeful::micro
