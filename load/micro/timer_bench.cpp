// Workload 6, timer: 100,000 sleeps of random length, as spawned tasks; then the cost of creating,
// registering and cancelling sleeps inside one task.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <numeric>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/sleep.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

using time::Clock;

std::vector<std::uint64_t> draw_delays(std::size_t n, std::uint64_t max_us) {
  SplitMix64 rng;
  std::vector<std::uint64_t> delays(n);
  for (auto& d : delays) {
    d = rng.below(max_us + 1);
  }
  return delays;
}

struct TimerShared {
  explicit TimerShared(std::size_t tasks) : n(tasks), left(tasks) { late_us.reserve(tasks); }
  std::size_t n;
  Clock::time_point t0 = Clock::now();
  std::atomic<std::size_t> registered{0};
  std::atomic<std::uint64_t> reg_ns{0};
  std::atomic<std::size_t> left;
  Notify done;
  std::mutex late_mutex;
  std::vector<std::uint64_t> late_us;
};

// The reference's task: `FirstPoll(async { sleep(d).await; record lateness; count down })`,
// written as the state machine the Rust compiler makes of it: the Sleep lives in the task.
class SleepTask {
 public:
  SleepTask(std::uint64_t delay_us, std::shared_ptr<TimerShared> shared)
      : delay_(std::chrono::microseconds(delay_us)), shared_(std::move(shared)) {}

  Poll<void> poll(Context& cx) {
    Poll<void> result = poll_body(cx);
    if (first_) {
      first_ = false;
      if (shared_->registered.fetch_add(1, std::memory_order_acq_rel) + 1 == shared_->n) {
        shared_->reg_ns.store(static_cast<std::uint64_t>((Clock::now() - shared_->t0).count()),
                              std::memory_order_release);
      }
    }
    return result;
  }

 private:
  Poll<void> poll_body(Context& cx) {
    if (!sleep_) {
      sleep_.emplace(time::sleep_for(delay_));  // the deadline is set at the first poll
    }
    if (sleep_->poll(cx).is_pending()) {
      return Pending;
    }
    const auto late = Clock::now() - sleep_->deadline();
    {
      const std::lock_guard lock(shared_->late_mutex);
      shared_->late_us.push_back(static_cast<std::uint64_t>(
          std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(late).count())));
    }
    if (shared_->left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      shared_->done.notify_one();
    }
    return Ready;
  }

  Clock::duration delay_;
  std::shared_ptr<TimerShared> shared_;
  std::optional<time::Sleep> sleep_;
  bool first_ = true;
};

struct SpawnResult {
  std::uint64_t total_ns;
  std::uint64_t reg_ns;
  std::uint64_t max_delay_us;
  double late_mean_us;
  std::uint64_t late_p50_us;
  std::uint64_t late_p99_us;
  std::uint64_t late_max_us;
};

Async<SpawnResult> spawn_sleeps(std::size_t n, std::uint64_t max_us) {
  const std::vector<std::uint64_t> delays = draw_delays(n, max_us);
  auto shared = std::make_shared<TimerShared>(n);
  const auto t0 = shared->t0;
  for (std::uint64_t d : delays) {
    spawn(SleepTask(d, shared)).detach();
  }
  co_await shared->done.notified();
  const auto total = static_cast<std::uint64_t>((Clock::now() - t0).count());
  std::vector<std::uint64_t> late;
  {
    const std::lock_guard lock(shared->late_mutex);
    late = std::move(shared->late_us);
  }
  std::sort(late.begin(), late.end());
  const double mean = static_cast<double>(std::accumulate(late.begin(), late.end(), std::uint64_t{0})) /
                      static_cast<double>(late.size());
  co_return SpawnResult{total,
                        shared->reg_ns.load(std::memory_order_acquire),
                        *std::max_element(delays.begin(), delays.end()),
                        mean,
                        late[late.size() / 2],
                        late[late.size() * 99 / 100],
                        late.back()};
}

struct Phases {
  Sample create;
  Sample reg;
  Sample cancel;
};

Async<Phases> register_sleeps(std::size_t n, std::uint64_t max_us) {
  const std::vector<std::uint64_t> delays = draw_delays(n, max_us);
  std::vector<std::unique_ptr<time::Sleep>> sleeps;
  sleeps.reserve(n);
  auto t0 = now();
  for (std::uint64_t d : delays) {
    sleeps.push_back(std::make_unique<time::Sleep>(time::sleep_for(std::chrono::microseconds(10'000 + d))));
  }
  const Sample create{elapsed_ns(t0), n, 0};
  t0 = now();
  const std::uint64_t pending = co_await poll_fn([&sleeps](Context& cx) -> Poll<std::uint64_t> {
    std::uint64_t count = 0;
    for (auto& s : sleeps) {
      count += s->poll_unbudgeted(cx).is_pending() ? 1 : 0;
    }
    return count;
  });
  const Sample reg{elapsed_ns(t0), n, 0};
  if (pending != n) {
    std::abort();
  }
  t0 = now();
  sleeps.clear();
  const Sample cancel{elapsed_ns(t0), n, 0};
  co_return Phases{create, reg, cancel};
}

std::vector<Sample> as_samples(const std::vector<SpawnResult>& results, std::uint64_t SpawnResult::*field,
                               std::uint64_t ops) {
  std::vector<Sample> samples;
  samples.reserve(results.size());
  for (const auto& r : results) {
    samples.push_back(Sample{r.*field, ops, 0});
  }
  return samples;
}

template <class T>
double median_of(const std::vector<SpawnResult>& results, T SpawnResult::*field) {
  std::vector<double> values;
  values.reserve(results.size());
  for (const auto& r : results) {
    values.push_back(static_cast<double>(r.*field));
  }
  return median(values);
}

}  // namespace

void timer_bench(const Options& options) {
  const std::size_t n = options.quick ? 1'000 : 100'000;
  constexpr std::uint64_t max_us = 100'000;
  if (!options.runs("1thread")) {
    return;
  }
  Runtime rt = make_runtime(1);
  const std::vector<SpawnResult> results =
      options.harness.measure([&] { return rt.block_on(spawn_sleeps(n, max_us)); });
  std::vector<double> over;
  std::vector<double> over100;
  for (const auto& r : results) {
    over.push_back(static_cast<double>(r.total_ns) - static_cast<double>(r.max_delay_us * 1000));
    over100.push_back(static_cast<double>(r.total_ns) - 100e6);
  }
  char extra[512];
  std::snprintf(extra, sizeof extra,
                "max_delay_us=%llu;median_overhead_beyond_max_delay_ms=%.3f;median_overhead_beyond_100ms_ms=%.3f;"
                "lateness_us(median over runs): mean=%.1f p50=%.0f p99=%.0f max=%.0f",
                static_cast<unsigned long long>(results.front().max_delay_us), median(over) / 1e6,
                median(over100) / 1e6, median_of(results, &SpawnResult::late_mean_us),
                median_of(results, &SpawnResult::late_p50_us), median_of(results, &SpawnResult::late_p99_us),
                median_of(results, &SpawnResult::late_max_us));
  report("timer", "spawn_sleep_total/1thread", n, as_samples(results, &SpawnResult::total_ns, 1), extra);
  report("timer", "spawn_plus_first_poll_until_all_registered/1thread", n, as_samples(results, &SpawnResult::reg_ns, n),
         "op=one task spawned+sleep registered");

  const std::vector<Phases> phases = options.harness.measure([&] { return rt.block_on(register_sleeps(n, max_us)); });
  std::vector<Sample> create;
  std::vector<Sample> reg;
  std::vector<Sample> cancel;
  for (const auto& p : phases) {
    create.push_back(p.create);
    reg.push_back(p.reg);
    cancel.push_back(p.cancel);
  }
  report("timer", "sleep_create_boxed/1thread", n, create, "op=make_unique<Sleep>(d)");
  report("timer", "sleep_first_poll_register/1thread", n, reg, "op=first poll of a Sleep (timer wheel insert)");
  report("timer", "sleep_drop_cancel/1thread", n, cancel, "op=drop of a registered Sleep (wheel remove)");
}

}  // namespace wakeful::micro
