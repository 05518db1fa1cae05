// Workload 10, fanout: the benchmark task spawns C CPU-bound children and awaits them in order.
// On two workers the idle one takes children the busy one spawned and has not polled yet (the
// runtime's balance), so the two-thread figure should approach half the one-thread one.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

constexpr std::uint64_t children = 64;

// The child's work: `iters` SplitMix64 steps from `seed`, XOR-ed, as the reference's spin().
std::uint64_t spin(std::uint64_t seed, std::uint64_t iters) noexcept {
  SplitMix64 rng(seed);
  std::uint64_t acc = 0;
  for (std::uint64_t i = 0; i < iters; ++i) {
    acc ^= rng.next();
  }
  asm volatile("" : : "r"(acc));  // NOLINT(hicpp-no-assembler): keep the loop, like black_box
  return acc;
}

Async<Sample> fanout(std::uint64_t iters, std::uint64_t expected) {
  const auto t0 = now();
  std::vector<JoinHandle<std::uint64_t>> handles;
  handles.reserve(children);
  for (std::uint64_t c = 0; c < children; ++c) {
    handles.push_back(spawn(poll_fn([c, iters](Context&) -> Poll<std::uint64_t> { return spin(c, iters); })));
  }
  std::uint64_t x = 0;
  for (auto& handle : handles) {
    x ^= co_await handle;
  }
  const std::uint64_t ns = elapsed_ns(t0);
  if (x != expected) {
    std::fprintf(stderr, "fanout: wrong result %llu\n", static_cast<unsigned long long>(x));
    std::abort();
  }
  co_return Sample{ns, children, 0};
}

}  // namespace

void fanout_bench(const Options& options) {
  const std::uint64_t iters = options.quick ? 10'000 : 1'000'000;
  std::uint64_t expected = 0;  // computed once, outside every timed region
  for (std::uint64_t c = 0; c < children; ++c) {
    expected ^= spin(c, iters);
  }
  for (std::size_t threads : {1U, 2U}) {
    const std::string flavour = threads == 1 ? "1thread" : "2threads";
    if (!options.runs(flavour)) {
      continue;
    }
    Runtime rt = make_runtime(threads);
    report("fanout", "cpu_children/" + flavour, children,
           options.harness.measure([&] { return rt.block_on(fanout(iters, expected)); }),
           "op=one child of " + std::to_string(iters) + " SplitMix64 steps");
  }
}

}  // namespace wakeful::micro
