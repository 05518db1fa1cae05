// spawn_blocking: results and exceptions reach the JoinHandle, the thread bound holds, idle
// threads retire, and the runtime's shutdown waits for running jobs and cancels queued ones.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn_blocking.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

namespace {

// A gate blocking jobs wait at; it counts how many wait at once and the most that ever did.
class JobGate {
 public:
  void pass() {
    std::unique_lock lock(mutex_);
    ++inside_;
    max_inside_ = std::max(max_inside_, inside_);
    opened_.wait(lock, [this] { return open_; });
    --inside_;
  }
  void open() {
    {
      const std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  [[nodiscard]] int inside() {
    const std::lock_guard lock(mutex_);
    return inside_;
  }
  [[nodiscard]] int max_inside() {
    const std::lock_guard lock(mutex_);
    return max_inside_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
  int inside_ = 0;
  int max_inside_ = 0;
};

}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a blocking job's result reaches a task that awaits its handle, off the worker's thread") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    const std::thread::id worker = std::this_thread::get_id();
    const std::thread::id job = co_await spawn_blocking([] { return std::this_thread::get_id(); });
    const int answer = co_await spawn_blocking([] { return 42; });
    co_await spawn_blocking([] {});
    co_return job != worker&& answer == 42;
  }());
  CHECK(ok);
}

TEST_CASE("a blocking job can be awaited from outside the runtime, and its exception is rethrown") {
  Runtime rt(2);
  JoinHandle<std::unique_ptr<int>> value = rt.spawn_blocking([] { return std::make_unique<int>(7); });
  JoinHandle<int> thrower = rt.spawn_blocking([]() -> int { throw std::runtime_error("blocking boom"); });
  CHECK(*block_on(std::move(value)) == 7);
  CHECK_THROWS_WITH_AS(block_on(std::move(thrower)), "blocking boom", std::runtime_error);
  CHECK(rt.blocking_metrics().jobs_completed == 2);
}

TEST_CASE("spawn_blocking outside a runtime worker is refused") {
  CHECK_THROWS_AS((void)spawn_blocking([] {}), std::logic_error);
}

TEST_CASE("no more than max_blocking_threads jobs run at once; the rest queue") {
  constexpr int bound = 3;
  Runtime rt({.threads = 1, .max_blocking_threads = bound});
  auto gate = std::make_shared<JobGate>();
  std::vector<JoinHandle<void>> jobs;
  jobs.reserve(std::size_t{2} * bound);
  for (int i = 0; i < 2 * bound; ++i) {
    jobs.push_back(rt.spawn_blocking([gate] { gate->pass(); }));
  }
  REQUIRE(test::eventually([&] { return gate->inside() == bound; }));
  const BlockingMetrics held = rt.blocking_metrics();
  CHECK(held.threads == bound);
  CHECK(held.running == bound);
  CHECK(held.queued == bound);
  gate->open();
  for (auto& job : jobs) {
    block_on(std::move(job));
  }
  CHECK(gate->max_inside() == bound);
  const BlockingMetrics after = rt.blocking_metrics();
  CHECK(after.threads_started == bound);
  CHECK(after.jobs_completed == 2 * bound);
  CHECK(after.queued == 0);
}

TEST_CASE("idle blocking threads retire after the keep-alive, and new jobs start new ones") {
  Runtime rt({.threads = 1, .max_blocking_threads = 4, .blocking_keep_alive = 1ms});
  auto gate = std::make_shared<JobGate>();
  JoinHandle<void> a = rt.spawn_blocking([gate] { gate->pass(); });
  JoinHandle<void> b = rt.spawn_blocking([gate] { gate->pass(); });
  REQUIRE(test::eventually([&] { return gate->inside() == 2; }));
  CHECK(rt.blocking_metrics().threads == 2);
  gate->open();
  block_on(std::move(a));
  block_on(std::move(b));
  REQUIRE(test::eventually([&] { return rt.blocking_metrics().threads == 0; }));
  CHECK(rt.blocking_metrics().threads_retired == 2);
  CHECK(block_on(rt.spawn_blocking([] { return 5; })) == 5);
  CHECK(rt.blocking_metrics().threads_started == 3);
}

TEST_CASE("an idle blocking thread takes the next job instead of a new thread starting") {
  Runtime rt({.threads = 1, .max_blocking_threads = 8});
  for (int i = 0; i < 20; ++i) {
    CHECK(block_on(rt.spawn_blocking([i] { return i; })) == i);
    REQUIRE(test::eventually([&] { return rt.blocking_metrics().idle_threads == 1; }));
  }
  CHECK(rt.blocking_metrics().threads_started == 1);
}

TEST_CASE("abort cancels a queued blocking job, which then never runs") {
  Runtime rt({.threads = 1, .max_blocking_threads = 1});
  auto gate = std::make_shared<JobGate>();
  auto ran = std::make_shared<std::atomic<bool>>(false);
  JoinHandle<void> running = rt.spawn_blocking([gate] { gate->pass(); });
  REQUIRE(test::eventually([&] { return gate->inside() == 1; }));
  JoinHandle<void> queued = rt.spawn_blocking([ran] { ran->store(true); });
  queued.abort();
  running.abort();  // no effect on a job that runs
  gate->open();
  block_on(std::move(running));
  CHECK_THROWS_AS(block_on(std::move(queued)), TaskCancelled);
  CHECK_FALSE(ran->load());
}

TEST_CASE("shutdown waits for running blocking jobs and cancels the queued ones") {
  auto rt = std::make_unique<Runtime>(RuntimeOptions{.threads = 1, .max_blocking_threads = 1});
  auto gate = std::make_shared<JobGate>();
  auto queued_ran = std::make_shared<std::atomic<bool>>(false);
  JoinHandle<int> running = rt->spawn_blocking([gate] {
    gate->pass();
    return 1;
  });
  REQUIRE(test::eventually([&] { return gate->inside() == 1; }));
  JoinHandle<int> queued = rt->spawn_blocking([queued_ran] {
    queued_ran->store(true);
    return 2;
  });
  std::thread dropper([&rt] { rt.reset(); });
  // The queued job is cancelled first; the running one holds the destructor until it returns.
  REQUIRE(test::eventually([&] { return queued.is_finished(); }));
  CHECK_FALSE(running.is_finished());
  gate->open();
  dropper.join();
  CHECK(block_on(std::move(running)) == 1);
  CHECK_THROWS_AS(block_on(std::move(queued)), TaskCancelled);
  CHECK_FALSE(queued_ran->load());
}

TEST_CASE("a blocking job spawned while the runtime shuts down is cancelled, not run") {
  auto late = std::make_shared<JoinHandle<int>>();
  auto ran = std::make_shared<std::atomic<bool>>(false);
  {
    Runtime rt(1);
    // The task's future is dropped by the runtime's shutdown, after the blocking pool's.
    struct SpawnsWhenDropped {
      std::shared_ptr<JoinHandle<int>> late;
      std::shared_ptr<std::atomic<bool>> ran;
      SpawnsWhenDropped(std::shared_ptr<JoinHandle<int>> l, std::shared_ptr<std::atomic<bool>> r)
          : late(std::move(l)), ran(std::move(r)) {}
      SpawnsWhenDropped(SpawnsWhenDropped&&) = default;
      SpawnsWhenDropped(const SpawnsWhenDropped&) = delete;
      SpawnsWhenDropped& operator=(const SpawnsWhenDropped&) = delete;
      SpawnsWhenDropped& operator=(SpawnsWhenDropped&&) = delete;
      ~SpawnsWhenDropped() {
        if (late) {
          *late = spawn_blocking([r = ran] {
            r->store(true);
            return 3;
          });
        }
      }
    };
    auto gate = std::make_shared<test::Gate>();
    rt.spawn([](std::shared_ptr<test::Gate> g, SpawnsWhenDropped guard) -> Async<void> {
        co_await test::GateFuture(std::move(g));
        (void)guard;
      }(gate, SpawnsWhenDropped(late, ran)))
        .detach();
    REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  }
  REQUIRE(static_cast<bool>(*late));
  CHECK_THROWS_AS(block_on(std::move(*late)), TaskCancelled);
  CHECK_FALSE(ran->load());
}

TEST_SUITE_END();
