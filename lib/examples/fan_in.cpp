// Fan-out and fan-in on a two-worker runtime: tasks on both workers compute parts of a sum and
// report through one channel; a oneshot carries the total back; the runtime's counters show the
// work each worker did.
//
//   build/release/lib/examples/fan_in [tasks]

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <wakeful/wakeful.hpp>

namespace {

// One part of the sum: the squares of [from, to), yielding now and then so parts interleave.
wakeful::Async<void> part(std::uint64_t from, std::uint64_t to, wakeful::mpsc::Sender<std::uint64_t> out) {
  std::uint64_t sum = 0;
  for (std::uint64_t i = from; i < to; ++i) {
    sum += i * i;
    if (i % 1000 == 0) {
      co_await wakeful::yield_now();
    }
  }
  (void)co_await out.send(sum);
}

wakeful::Async<std::uint64_t> sum_of_squares(std::uint64_t n, std::uint64_t tasks) {
  auto [tx, rx] = wakeful::mpsc::channel<std::uint64_t>(16);
  const std::uint64_t step = (n + tasks - 1) / tasks;
  for (std::uint64_t t = 0; t < tasks; ++t) {
    // Alternate the workers; each part stays on the worker it was spawned on.
    wakeful::spawn_on(t % 2, part(t * step, std::min(n, (t + 1) * step), tx)).detach();
  }
  { auto drop = std::move(tx); }  // the channel ends once every part has reported
  std::uint64_t total = 0;
  while (auto value = co_await rx.recv()) {
    total += *value;
  }
  co_return total;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t tasks = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64;
  const std::uint64_t n = 1'000'000;
  wakeful::Runtime runtime(2);
  const std::uint64_t total = runtime.block_on(sum_of_squares(n, tasks == 0 ? 1 : tasks));
  std::printf("sum of i*i for i < %llu, in %llu tasks: %llu\n", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(total));
  const auto metrics = runtime.metrics();
  for (std::size_t w = 0; w < metrics.size(); ++w) {
    std::printf(
        "worker %zu: %llu tasks, %llu polls, %llu local wakes, %llu remote wakes, %llu parks\n", w,
        static_cast<unsigned long long>(metrics[w].tasks_spawned), static_cast<unsigned long long>(metrics[w].polls),
        static_cast<unsigned long long>(metrics[w].wakes_local),
        static_cast<unsigned long long>(metrics[w].wakes_remote), static_cast<unsigned long long>(metrics[w].parks));
  }
}
