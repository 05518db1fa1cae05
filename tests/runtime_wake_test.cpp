// The wake rules of DESIGN.md, each proved with exact poll counts.

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

namespace {

/// A task body that keeps the waker of each poll where a test can reach it, counts its polls,
/// and completes once `finish` is set.
struct Probe {
  std::atomic<int> polls{0};
  std::atomic<bool> finish{false};
  std::mutex mutex;
  Waker waker;

  [[nodiscard]] Waker stored() {
    const std::lock_guard lock(mutex);
    return waker;
  }
};

auto probe_future(const std::shared_ptr<Probe>& probe) {
  return poll_fn([probe](Context& cx) -> Poll<void> {
    probe->polls.fetch_add(1);
    if (probe->finish.load()) {
      return Ready;
    }
    const std::lock_guard lock(probe->mutex);
    probe->waker = cx.waker();
    return Pending;
  });
}

}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("many wakes before a poll give one poll") {
  Runtime rt(1);
  auto probe = std::make_shared<Probe>();
  JoinHandle<void> task = rt.spawn(probe_future(probe));
  REQUIRE(test::eventually([&] { return probe->polls.load() == 1; }));
  // Ten wakes inside one poll of another task on the same worker: the probe cannot run between
  // them, so they must coalesce into a single poll.
  rt.block_on(poll_fn([&probe](Context&) -> Poll<void> {
    Waker w = probe->stored();
    for (int i = 0; i < 10; ++i) {
      w.wake_by_ref();
    }
    for (int i = 0; i < 5; ++i) {
      Waker(w).wake();
    }
    return Ready;
  }));
  REQUIRE(test::eventually([&] { return probe->polls.load() >= 2; }));
  // Give a wrongly queued second poll every chance to happen, then count.
  rt.block_on([]() -> Async<void> {
    for (int i = 0; i < 10; ++i) {
      co_await yield_now();
    }
  }());
  CHECK(probe->polls.load() == 2);
  probe->finish = true;
  probe->stored().wake_by_ref();
  block_on(task);
  CHECK(probe->polls.load() == 3);
}

TEST_CASE("a wake during the task's own poll gives exactly one more poll") {
  Runtime rt(1);
  std::atomic<int> polls{0};
  JoinHandle<int> task = rt.spawn(poll_fn([&polls](Context& cx) -> Poll<int> {
    const int n = polls.fetch_add(1) + 1;
    if (n == 1) {
      cx.waker().wake_by_ref();
      cx.waker().wake_by_ref();
      Waker(cx.waker()).wake();
      return Pending;
    }
    return n;
  }));
  CHECK(block_on(task) == 2);
  CHECK(polls.load() == 2);
}

TEST_CASE("a wake after completion does nothing") {
  Runtime rt(1);
  auto probe = std::make_shared<Probe>();
  JoinHandle<void> task = rt.spawn(probe_future(probe));
  REQUIRE(test::eventually([&] { return probe->polls.load() == 1; }));
  Waker kept = probe->stored();
  probe->finish = true;
  kept.wake_by_ref();
  block_on(task);
  const std::uint64_t polls_before = rt.metrics()[0].polls;
  kept.wake_by_ref();
  Waker(kept).wake();
  rt.block_on([]() -> Async<void> { co_await yield_now(); }());
  CHECK(probe->polls.load() == 2);
  // Only the block_on task itself was polled (twice: it yields once).
  CHECK(rt.metrics()[0].polls == polls_before + 2);
}

TEST_CASE("a waker that outlives its runtime is safe to wake and to drop") {
  auto probe = std::make_shared<Probe>();
  Waker kept;
  {
    Runtime rt(2);
    JoinHandle<void> task = rt.spawn(probe_future(probe));
    REQUIRE(test::eventually([&] { return probe->polls.load() == 1; }));
    kept = probe->stored();
  }
  kept.wake_by_ref();
  Waker copy = kept;
  std::move(copy).wake();
  CHECK(probe->polls.load() == 1);
  kept = Waker();  // the last reference: frees the task
}

TEST_CASE("wakes from four threads at once lose nothing") {
  constexpr int threads = 4;
  constexpr int wakes_per_thread = 20000;
  Runtime rt(1);
  std::atomic<int> events{0};
  std::atomic<int> seen{0};
  auto probe = std::make_shared<Probe>();
  JoinHandle<void> task = rt.spawn(poll_fn([&events, &seen, probe](Context& cx) -> Poll<void> {
    probe->polls.fetch_add(1);
    {
      const std::lock_guard lock(probe->mutex);
      probe->waker = cx.waker();
    }
    // Read after publishing the waker: an event that lands later is followed by a wake.
    seen = events.load();
    if (seen.load() == threads * wakes_per_thread) {
      return Ready;
    }
    return Pending;
  }));
  REQUIRE(test::eventually([&] { return probe->polls.load() >= 1; }));
  std::vector<std::thread> wakers;
  wakers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    wakers.emplace_back([&] {
      for (int i = 0; i < wakes_per_thread; ++i) {
        events.fetch_add(1);
        probe->stored().wake_by_ref();
      }
    });
  }
  for (auto& t : wakers) {
    t.join();
  }
  // A lost wake-up leaves the task parked short of the total: fail, do not hang.
  CHECK(test::eventually([&] { return task.is_finished(); }));
  CHECK(seen.load() == threads * wakes_per_thread);
  CHECK(probe->polls.load() <= threads * wakes_per_thread + 1);
  const WorkerMetrics m = rt.metrics()[0];
  CHECK(m.wakes_remote >= 1);
}

TEST_SUITE_END();
