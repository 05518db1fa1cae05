// Workload 9, broadcast: one sender, 16 receiving tasks, M values through a channel of capacity
// M (so no receiver can lag); each receiver sums what it gets and the sums are checked.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/broadcast.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

Async<std::uint64_t> receive_all(broadcast::Receiver<std::uint64_t> rx, std::uint64_t m) {
  std::uint64_t sum = 0;
  for (std::uint64_t got = 0; got < m; ++got) {
    broadcast::RecvResult<std::uint64_t> r = co_await rx.recv();
    if (!r.ok()) {
      std::fprintf(stderr, "broadcast: receiver: %s\n", broadcast::RecvError(r.status(), r.missed()).what());
      std::abort();
    }
    sum += r.value();  // wrapping, as the reference's wrapping_add
  }
  co_return sum;
}

Async<Sample> broadcast_once(std::uint64_t receivers, std::uint64_t m) {
  auto [tx, unused] = broadcast::channel<std::uint64_t>(m);
  std::vector<JoinHandle<std::uint64_t>> handles;
  handles.reserve(receivers);
  for (std::uint64_t r = 0; r < receivers; ++r) {
    handles.push_back(spawn(receive_all(tx.subscribe(), m)));
  }
  { const broadcast::Receiver<std::uint64_t> dropped = std::move(unused); }  // as the reference's `_`
  const auto t0 = now();
  for (std::uint64_t i = 0; i < m; ++i) {
    if (tx.send(i)) {
      std::fprintf(stderr, "broadcast: no receiver\n");
      std::abort();
    }
  }
  const std::uint64_t want = m * (m - 1) / 2;
  for (auto& handle : handles) {
    const std::uint64_t sum = co_await handle;
    if (sum != want) {
      std::fprintf(stderr, "broadcast: sum %llu, expected %llu\n", static_cast<unsigned long long>(sum),
                   static_cast<unsigned long long>(want));
      std::abort();
    }
  }
  co_return Sample{elapsed_ns(t0), m * receivers, 0};
}

}  // namespace

void broadcast_bench(const Options& options) {
  constexpr std::uint64_t receivers = 16;
  const std::uint64_t m = options.quick ? 1'000 : 100'000;
  for (const std::size_t threads : {1U, 2U}) {
    const std::string flavour = threads == 1 ? "1thread" : "2threads";
    if (!options.runs(flavour)) {
      continue;
    }
    Runtime rt = make_runtime(threads);
    report("broadcast", "16rx/" + flavour, m,
           options.harness.measure([&] { return rt.block_on(broadcast_once(receivers, m)); }),
           "op=one message delivered to one receiver");
  }
}

}  // namespace wakeful::micro
