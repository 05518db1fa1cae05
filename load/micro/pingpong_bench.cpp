// Workload 4, ping_pong: the latency from a wake to the poll it causes, between two tasks.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <utility>

#include "wakeful/async.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/mpsc.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

struct Timed {
  std::uint64_t ns;
  std::uint64_t polls;
};

Async<void> echo_back(mpsc::Receiver<std::uint64_t> in, mpsc::Sender<std::uint64_t> out) {
  while (std::optional<std::uint64_t> v = co_await in.recv()) {
    if (!co_await out.send(*v)) {  // refused: the other side is gone
      break;
    }
  }
}

Async<Timed> ping(std::uint64_t m, mpsc::Sender<std::uint64_t> out, mpsc::Receiver<std::uint64_t> in) {
  const std::uint64_t p0 = task_polls;
  const auto t0 = now();
  for (std::uint64_t i = 0; i < m; ++i) {
    (void)co_await out.send(i);
    const std::optional<std::uint64_t> v = co_await in.recv();
    if (!v || *v != i) {
      std::abort();
    }
  }
  co_return Timed{elapsed_ns(t0), task_polls - p0};
}

Async<Sample> pingpong_mpsc(std::uint64_t m) {
  auto [tx_ab, rx_ab] = mpsc::channel<std::uint64_t>(1);
  auto [tx_ba, rx_ba] = mpsc::channel<std::uint64_t>(1);
  JoinHandle<void> b = spawn(counted(echo_back(std::move(rx_ab), std::move(tx_ba))));
  const Timed t = co_await counted(ping(m, std::move(tx_ab), std::move(rx_ba)));
  co_await b;
  co_return Sample{t.ns, m, t.polls};
}

Async<void> notify_back(std::uint64_t m, std::shared_ptr<Notify> in, std::shared_ptr<Notify> out) {
  for (std::uint64_t i = 0; i < m; ++i) {
    co_await in->notified();
    out->notify_one();
  }
}

Async<Timed> notify_ping(std::uint64_t m, std::shared_ptr<Notify> out, std::shared_ptr<Notify> in) {
  const std::uint64_t p0 = task_polls;
  const auto t0 = now();
  for (std::uint64_t i = 0; i < m; ++i) {
    out->notify_one();
    co_await in->notified();
  }
  co_return Timed{elapsed_ns(t0), task_polls - p0};
}

Async<Sample> pingpong_notify(std::uint64_t m) {
  auto to_b = std::make_shared<Notify>();
  auto to_a = std::make_shared<Notify>();
  JoinHandle<void> b = spawn(counted(notify_back(m, to_b, to_a)));
  const Timed t = co_await counted(notify_ping(m, to_b, to_a));
  co_await b;
  co_return Sample{t.ns, m, t.polls};
}

}  // namespace

void pingpong_bench(const Options& options) {
  const std::uint64_t m = options.quick ? 10'000 : 1'000'000;
  if (!options.runs("1thread")) {
    return;
  }
  Runtime rt = make_runtime(1);
  report("ping_pong", "mpsc_cap1/1thread", 2, options.harness.measure([&] { return rt.block_on(pingpong_mpsc(m)); }),
         "op=one round trip; polls=task polls of A+B");
  report("ping_pong", "notify/1thread", 2, options.harness.measure([&] { return rt.block_on(pingpong_notify(m)); }),
         "op=one round trip; polls=task polls of A+B");
}

}  // namespace wakeful::micro
