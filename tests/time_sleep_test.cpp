// Timers: sleeps fire in deadline order and cancel cleanly; Interval keeps its schedule;
// timeout drops the inner future; a registered sleep may be dropped on another thread.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/interval.hpp"
#include "wakeful/time/sleep.hpp"
#include "wakeful/time/timeout.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using time::Clock;

namespace {

// A waker that records its wake with relaxed atomics only, so that observing the wake does not
// order anything for TSan: any ordering the test relies on must come from the code under test.
std::atomic<bool> woken{false};
RawWaker relaxed_clone(const void* data) noexcept;
void relaxed_wake(const void* /*data*/) noexcept { woken.store(true, std::memory_order_relaxed); }
void relaxed_drop(const void* /*data*/) noexcept {}
constexpr RawWakerVTable relaxed_vtable{&relaxed_clone, &relaxed_wake, &relaxed_wake, &relaxed_drop};
RawWaker relaxed_clone(const void* data) noexcept { return RawWaker{data, &relaxed_vtable}; }

}  // namespace

TEST_SUITE_BEGIN("time");

TEST_CASE("a sleep completes no earlier than its deadline") {
  Runtime rt(1);
  const auto started = Clock::now();
  rt.block_on([]() -> Async<void> { co_await time::sleep_for(20ms); }());
  CHECK(Clock::now() - started >= 20ms);
}

TEST_CASE("sleeps fire in deadline order, whatever order they were created in") {
  Runtime rt(1);
  std::vector<int> order = rt.block_on([]() -> Async<std::vector<int>> {
    auto fired = std::make_shared<std::vector<int>>();
    const auto base = Clock::now() + 20ms;
    const std::vector<int> slots{7, 2, 9, 0, 5, 3, 8, 1, 6, 4};
    std::vector<JoinHandle<void>> sleepers;
    sleepers.reserve(slots.size());
    for (int slot : slots) {
      sleepers.push_back(spawn([](int s, Clock::time_point at, std::shared_ptr<std::vector<int>> out) -> Async<void> {
        co_await time::sleep_until(at);
        out->push_back(s);
      }(slot, base + slot * 3ms, fired)));
    }
    for (auto& h : sleepers) {
      co_await h;
    }
    co_return *fired;
  }());
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("a dropped sleep never wakes its task") {
  Runtime rt(1);
  const auto polls_after = rt.block_on([]() -> Async<int> {
    int polls = 0;
    // The sleep is armed (polled once), then dropped when `ready` wins the select.
    co_await poll_fn(
        [&polls, sleep = std::optional<time::Sleep>(time::sleep_for(10ms))](Context& cx) mutable -> Poll<void> {
          ++polls;
          if (sleep) {
            (void)sleep->poll(cx);  // arms the timer with this task's waker
            sleep.reset();          // cancels it
            cx.waker().wake_by_ref();
            return Pending;
          }
          return Ready;
        });
    co_await time::sleep_for(30ms);  // long past the cancelled deadline
    co_return polls;
  }());
  CHECK(polls_after == 2);
  const WorkerMetrics m = rt.metrics()[0];
  // The block_on task: first poll, the self-wake, then the 30 ms sleep's wake: three polls.
  CHECK(m.polls == 3);
}

TEST_CASE("an interval ticks on schedule and bursts to catch up") {
  Runtime rt(1);
  auto ticks = rt.block_on([]() -> Async<std::vector<Clock::time_point>> {
    const auto start = Clock::now();
    time::Interval interval(10ms, start);
    std::vector<Clock::time_point> seen;
    seen.reserve(8);
    for (int i = 0; i < 4; ++i) {
      seen.push_back(co_await interval.tick());
    }
    co_await time::sleep_for(35ms);  // miss three ticks
    for (int i = 0; i < 3; ++i) {
      seen.push_back(co_await interval.tick());
    }
    seen.push_back(start);
    co_return seen;
  }());
  const auto start = ticks.back();
  ticks.pop_back();
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    CHECK(ticks[i] == start + static_cast<int>(i) * 10ms);
  }
  CHECK_THROWS_AS(time::Interval(0ms), std::invalid_argument);
}

TEST_CASE("timeout returns the output when the future is in time") {
  Runtime rt(1);
  auto out = rt.block_on([]() -> Async<std::optional<int>> {
    co_return co_await time::timeout(1s, [](int v) -> Async<int> {
      co_await time::sleep_for(1ms);
      co_return v;
    }(42));
  }());
  CHECK(out == std::optional<int>(42));
}

TEST_CASE("timeout drops the inner future when the deadline passes") {
  Runtime rt(1);
  test::Lifetimes lifetimes;
  const bool dropped_before_return = rt.block_on([](test::Lifetimes& l) -> Async<bool> {
    auto slow = [](test::Tracked held) -> Async<int> {
      (void)held;
      co_await pending();
      co_return 0;
    };
    std::optional<int> out = co_await time::timeout(10ms, slow(test::Tracked(l)));
    co_return !out && l.alive() == 0;
  }(lifetimes));
  CHECK(dropped_before_return);
}

TEST_CASE("a registered sleep can move, and the moved one still fires") {
  Runtime rt(1);
  const bool elapsed = rt.block_on([]() -> Async<bool> {
    auto first = std::make_unique<time::Sleep>(time::sleep_for(5ms));
    co_await poll_fn([&first](Context& cx) -> Poll<void> {
      (void)first->poll(cx);  // registers it in the wheel
      return Ready;
    });
    time::Sleep moved = std::move(*first);
    first.reset();  // destroying the moved-from sleep leaves the registration alone
    co_await moved;
    co_return moved.is_elapsed();
  }());
  CHECK(elapsed);
}

TEST_CASE("timers need a runtime") {
  time::Sleep sleep = time::sleep_for(1ms);
  CHECK_THROWS_AS(block_on(sleep), std::logic_error);
  time::Sleep elapsed = time::sleep_until(Clock::now() - 1ms);
  CHECK_NOTHROW(block_on(elapsed));  // already due: no timer is needed
}

TEST_CASE("a registered sleep fired by its worker can be dropped on another thread") {
  Runtime rt(1);
  // Registered on the worker with a waker of our own, then handed out of the runtime.
  time::Sleep sleep = rt.block_on(poll_fn([](Context& /*cx*/) -> Poll<time::Sleep> {
    time::Sleep s = time::sleep_for(1ms);
    const Waker waker = Waker::from_raw(RawWaker{nullptr, &relaxed_vtable});
    Context own(waker);
    CHECK(s.poll(own).is_pending());
    return Poll<time::Sleep>(std::in_place, std::move(s));
  }));
  REQUIRE(test::eventually([] { return woken.load(std::memory_order_relaxed); }));
  CHECK(sleep.is_elapsed());
  {
    const time::Sleep dropped = std::move(sleep);  // reads the registration the worker cleared
  }
}

TEST_CASE("a registered sleep may outlive its runtime") {
  std::optional<time::Sleep> sleep;
  {
    Runtime rt(1);
    sleep.emplace(rt.block_on(poll_fn([](Context& cx) -> Poll<time::Sleep> {
      time::Sleep s = time::sleep_for(1h);
      CHECK(s.poll(cx).is_pending());  // registered with the block_on task's waker
      return Poll<time::Sleep>(std::in_place, std::move(s));
    })));
  }
  CHECK_FALSE(sleep->is_elapsed());
  sleep.reset();  // unregisters from a wheel that is gone: must touch nothing of it
}

TEST_SUITE_END();
