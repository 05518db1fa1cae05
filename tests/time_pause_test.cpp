// The paused test clock: pause, advance, resume, and auto-advance to the next timer. Every
// expectation on time is exact: a paused clock moves only when told to or when it jumps.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/task/spawn_blocking.hpp"
#include "wakeful/time/clock.hpp"
#include "wakeful/time/interval.hpp"
#include "wakeful/time/sleep.hpp"
#include "wakeful/time/timeout.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using time::Clock;

namespace {

// Sleeps an hour of paused time and returns how much the clock moved.
Async<Clock::duration> sleep_an_hour() {
  time::pause();
  const Clock::time_point start = time::now();
  co_await time::sleep_for(1h);
  co_return time::now() - start;
}

}  // namespace

TEST_SUITE_BEGIN("time");

TEST_CASE("under pause a one-hour sleep completes at once, the clock advanced by exactly one hour") {
  SUBCASE("one worker") {
    Runtime rt(1);
    CHECK(rt.block_on(sleep_an_hour()) == 1h);
    CHECK(rt.metrics()[0].auto_advances == 1);
  }
  SUBCASE("current thread") {
    Runtime rt = Runtime::current_thread();
    CHECK(rt.block_on(sleep_an_hour()) == 1h);
    CHECK(rt.metrics()[0].auto_advances == 1);
  }
}

TEST_CASE("under pause, timeouts fire in deadline order, each at its deadline") {
  Runtime rt(1);
  const std::vector<Clock::duration> fired = rt.block_on([]() -> Async<std::vector<Clock::duration>> {
    time::pause();
    const Clock::time_point start = time::now();
    auto log = std::make_shared<std::vector<Clock::duration>>();
    std::vector<JoinHandle<void>> waiters;
    for (const Clock::duration d : {30s, 10s, 20s}) {
      waiters.push_back(spawn([](Clock::duration limit, Clock::time_point t0,
                                 std::shared_ptr<std::vector<Clock::duration>> out) -> Async<void> {
        const auto result = co_await time::timeout(limit, pending<int>());
        CHECK_FALSE(result.has_value());
        out->push_back(time::now() - t0);
      }(d, start, log)));
    }
    // The inner future wins when it is ready at or before the deadline.
    const auto in_time = co_await time::timeout(5s, time::sleep_for(5s));
    CHECK(in_time.has_value());
    for (auto& w : waiters) {
      co_await w;
    }
    co_return *log;
  }());
  CHECK(fired == std::vector<Clock::duration>{10s, 20s, 30s});
}

TEST_CASE("under pause an interval ticks exactly on schedule") {
  Runtime rt(1);
  const std::vector<Clock::duration> ticks = rt.block_on([]() -> Async<std::vector<Clock::duration>> {
    time::pause();
    const Clock::time_point start = time::now();
    time::Interval every(10ms);
    std::vector<Clock::duration> at;
    for (int i = 0; i < 100; ++i) {
      const Clock::time_point due = co_await every.tick();
      CHECK(due == time::now());
      at.push_back(due - start);
    }
    co_return at;
  }());
  REQUIRE(ticks.size() == 100);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    CHECK(ticks[i] == 10ms * static_cast<int>(i));
  }
  CHECK(rt.metrics()[0].auto_advances == 99);
}

TEST_CASE("advancing by less than a deadline does not fire it; advancing to it does") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    time::pause();
    auto sleep = std::make_shared<time::Sleep>(time::sleep_for(10ms));
    // One poll of the sleep from this task, reporting whether it was ready.
    auto ready_now = [sleep] {
      return poll_fn([sleep](Context& cx) -> Poll<bool> { return sleep->poll(cx).is_ready(); });
    };
    CHECK_FALSE(co_await ready_now());  // registered
    time::advance(9ms);
    co_await yield_now();  // the worker looks at its timers between polls
    CHECK_FALSE(co_await ready_now());
    CHECK_FALSE(sleep->is_elapsed());
    time::advance(1ms);
    co_await yield_now();
    CHECK(sleep->is_elapsed());
    CHECK(co_await ready_now());
  }());
  CHECK(rt.metrics()[0].auto_advances == 0);
}

TEST_CASE("advance wakes a sleeping task once its deadline is reached") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    time::pause();
    const Clock::time_point start = time::now();
    auto woke = std::make_shared<std::atomic<bool>>(false);
    JoinHandle<void> sleeper = spawn([](std::shared_ptr<std::atomic<bool>> w) -> Async<void> {
      co_await time::sleep_for(50ms);
      w->store(true);
    }(woke));
    co_await yield_now();  // the sleeper registers
    time::advance(49ms);
    co_await yield_now();
    co_await yield_now();
    CHECK_FALSE(woke->load());
    time::advance(1ms);
    co_await sleeper;
    CHECK(woke->load());
    CHECK(time::now() - start == 50ms);
  }());
  CHECK(rt.metrics()[0].auto_advances == 0);
}

TEST_CASE("resume lets the clock run on from its paused reading") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    const Clock::time_point real_start = Clock::now();
    time::pause();
    CHECK(time::is_paused());
    time::advance(1h);
    const Clock::time_point paused_at = time::now();
    time::resume();
    CHECK_FALSE(time::is_paused());
    CHECK(time::now() >= paused_at);
    CHECK(time::now() - real_start >= 1h);
    co_await time::sleep_for(1ms);  // real timers run again
    CHECK(time::now() >= paused_at + 1ms);
  }());
}

TEST_CASE("a blocking job in flight holds auto-advance back") {
  Runtime rt(1);
  const std::optional<int> result = rt.block_on([]() -> Async<std::optional<int>> {
    time::pause();
    const Clock::time_point start = time::now();
    Runtime* runtime = Runtime::current();
    // The job makes the worker go idle while it runs (a task spawned from here, which the
    // worker runs and then parks), and returns once the worker has parked after that.
    auto job = spawn_blocking([runtime] {
      const std::uint64_t parks = runtime->metrics()[0].parks;
      runtime->spawn(ready()).detach();
      const bool parked = test::eventually([&] { return runtime->metrics()[0].parks > parks; });
      return parked ? 9 : -1;
    });
    auto out = co_await time::timeout(1ms, std::move(job));
    CHECK(time::now() == start);  // the clock did not move while the job ran
    co_return out;
  }());
  CHECK(result == std::optional<int>(9));
  CHECK(rt.metrics()[0].auto_advances == 0);
}

TEST_CASE("pause, advance and resume are refused where they make no sense") {
  CHECK_THROWS_AS(time::pause(), std::logic_error);
  CHECK_THROWS_AS(time::advance(1ms), std::logic_error);
  CHECK_FALSE(time::is_paused());
  Runtime two(2);
  CHECK_THROWS_AS(two.block_on([]() -> Async<void> {
    time::pause();
    co_return;
  }()),
                  std::logic_error);
  Runtime one(1);
  one.block_on([]() -> Async<void> {
    CHECK_THROWS_AS(time::advance(1ms), std::logic_error);
    CHECK_THROWS_AS(time::resume(), std::logic_error);
    time::pause();
    CHECK_THROWS_AS(time::pause(), std::logic_error);
    CHECK_THROWS_AS(time::advance(-1ms), std::invalid_argument);
    co_return;
  }());
}

TEST_SUITE_END();
