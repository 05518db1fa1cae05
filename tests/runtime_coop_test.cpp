// The cooperative budget: a task whose operations are always ready still lets others run.

#include <doctest/doctest.h>

#include <atomic>

#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/mpsc.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

TEST_SUITE_BEGIN("runtime");

TEST_CASE("an always-ready producer cannot starve another task on its worker") {
  Runtime rt(1);
  constexpr int limit = 1'000'000;
  std::atomic<bool> flag{false};
  // The busy task sends to and receives from its own channel: both are always ready. It stops
  // when it sees the flag, or gives up after `limit` rounds (which would mean starvation).
  auto busy = [](std::atomic<bool>& stop) -> Async<int> {
    auto [tx, rx] = mpsc::channel<int>(4);
    int rounds = 0;
    while (!stop.load() && rounds < limit) {
      (void)co_await tx.send(rounds);
      (void)co_await rx.recv();
      ++rounds;
    }
    co_return rounds;
  };
  int rounds = rt.block_on([](auto make_busy, std::atomic<bool>& stop) -> Async<int> {
    JoinHandle<int> busy_task = spawn(make_busy(stop));
    JoinHandle<void> setter = spawn(poll_fn([&stop](Context&) -> Poll<void> {
      stop = true;
      return Ready;
    }));
    co_await setter;
    co_return co_await busy_task;
  }(busy, flag));
  CHECK(rounds < limit);
  // Two operations per round and a budget of 128 per poll: the setter runs within one budget.
  CHECK(rounds <= coop::initial_budget);
}

TEST_CASE("poll_proceed spends the budget, then wakes the task and refuses") {
  test::CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  {
    coop::BudgetScope scope(3);
    CHECK(coop::poll_proceed(cx));
    CHECK(coop::poll_proceed(cx));
    CHECK(coop::poll_proceed(cx));
    CHECK_FALSE(coop::has_budget_remaining());
    CHECK_FALSE(coop::poll_proceed(cx));
    CHECK(counter.wakes() == 1);
    coop::refund();
    CHECK(coop::poll_proceed(cx));
  }
  // Outside any scope the budget is unconstrained.
  for (int i = 0; i < 1000; ++i) {
    CHECK(coop::poll_proceed(cx));
  }
  CHECK(counter.wakes() == 1);
}

TEST_SUITE_END();
