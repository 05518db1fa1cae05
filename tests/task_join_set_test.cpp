// JoinSet: outputs in completion order, only notified handles checked, abort and shutdown.

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/oneshot.hpp"
#include "wakeful/task/join_set.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

namespace {

// Spawns `count` tasks into `set`; task i completes with i once senders[i] sends.
std::vector<oneshot::Sender<int>> spawn_gated(JoinSet<int>& set, int count) {
  std::vector<oneshot::Sender<int>> senders;
  for (int i = 0; i < count; ++i) {
    auto [tx, rx] = oneshot::channel<int>();
    senders.push_back(std::move(tx));
    set.spawn([](oneshot::Receiver<int> r, int id) -> Async<int> {
      (void)co_await r;
      co_return id;
    }(std::move(rx), i));
  }
  return senders;
}

}  // namespace

TEST_SUITE_BEGIN("task");

TEST_CASE("join_next returns outputs in completion order") {
  Runtime rt(1);
  const std::vector<int> order = rt.block_on([]() -> Async<std::vector<int>> {
    JoinSet<int> set;
    std::vector<oneshot::Sender<int>> senders = spawn_gated(set, 5);
    std::vector<int> seen;
    for (int i : {3, 0, 4, 1, 2}) {
      (void)senders[static_cast<std::size_t>(i)].send(0);
      std::optional<int> out = co_await set.join_next();
      seen.push_back(out.value_or(-1));
    }
    const bool empty = !(co_await set.join_next()).has_value();
    seen.push_back(empty ? 100 : -100);
    co_return seen;
  }());
  CHECK(order == std::vector<int>{3, 0, 4, 1, 2, 100});
}

TEST_CASE("join_next polls only the handles whose tasks completed") {
  Runtime rt(1);
  const JoinSetMetrics metrics = rt.block_on([]() -> Async<JoinSetMetrics> {
    JoinSet<int> set;
    std::vector<oneshot::Sender<int>> senders = spawn_gated(set, 1000);
    // Let every task park on its channel, and every handle register its node's waker.
    for (int i = 0; i < 3; ++i) {
      co_await yield_now();
    }
    // Poll every handle once (each poll_next polls at most 32), so each registers its waker.
    std::uint64_t polls = 0;
    do {
      polls = set.metrics().child_polls;
      (void)set.try_join_next();
    } while (set.metrics().child_polls != polls);
    const JoinSetMetrics before = set.metrics();
    (void)senders[500].send(1);
    (void)co_await set.join_next();
    JoinSetMetrics after = set.metrics();
    after.child_polls -= before.child_polls;
    co_return after;
  }());
  CHECK(metrics.child_polls == 1);  // one handle polled, not a thousand
}

TEST_CASE("an exception of a task comes out of join_next, and the set goes on") {
  Runtime rt(1);
  const int good = rt.block_on([]() -> Async<int> {
    JoinSet<int> set;
    set.spawn([]() -> Async<int> {
      co_await yield_now();
      throw std::runtime_error("task failed");
    }());
    set.spawn([]() -> Async<int> {
      co_await yield_now();
      co_await yield_now();
      co_return 7;
    }());
    int value = 0;
    int errors = 0;
    while (!set.is_empty()) {
      try {
        if (auto out = co_await set.join_next()) {
          value += *out;
        }
      } catch (const std::runtime_error&) {
        ++errors;
      }
    }
    co_return errors == 1 ? value : -1;
  }());
  CHECK(good == 7);
}

TEST_CASE("abort_all cancels every task, shutdown waits for them, dropping the set aborts") {
  Runtime rt(2);
  test::Lifetimes lifetimes;
  const int cancelled = rt.block_on([](test::Lifetimes& l) -> Async<int> {
    JoinSet<void> set;
    for (int i = 0; i < 10; ++i) {
      set.spawn_on(static_cast<std::size_t>(i % 2), [](test::Tracked held) -> Async<void> {
        (void)held;
        co_await pending();
      }(test::Tracked(l)));
    }
    co_await yield_now();
    set.abort_all();
    int count = 0;
    while (!set.is_empty()) {
      try {
        (void)co_await set.join_next();
      } catch (const TaskCancelled&) {
        ++count;
      }
    }
    co_return count;
  }(lifetimes));
  CHECK(cancelled == 10);
  CHECK(lifetimes.alive() == 0);

  rt.block_on([](test::Lifetimes& l) -> Async<void> {
    JoinSet<void> set;
    for (int i = 0; i < 5; ++i) {
      set.spawn([](test::Tracked held) -> Async<void> {
        (void)held;
        co_await pending();
      }(test::Tracked(l)));
    }
    co_await set.shutdown();
    CHECK(set.is_empty());
  }(lifetimes));
  CHECK(lifetimes.alive() == 0);

  std::atomic<int> finished{0};
  rt.block_on([](test::Lifetimes& l) -> Async<void> {
    JoinSet<void> set;
    set.spawn([](test::Tracked held) -> Async<void> {
      (void)held;
      co_await pending();
    }(test::Tracked(l)));
    co_return;  // the set is dropped here, aborting its task
  }(lifetimes));
  CHECK(test::eventually([&] { return lifetimes.alive() == 0; }));
  CHECK(finished.load() == 0);
}

TEST_CASE("try_join_next leaves the waker of the task awaiting join_next in place") {
  Runtime rt(1);
  const int wakes = rt.block_on([]() -> Async<int> {
    JoinSet<int> set;
    std::vector<oneshot::Sender<int>> senders = spawn_gated(set, 1);
    co_await yield_now();  // the task parks on its channel
    // One poll of a task that awaits join_next (in a select, say) and also tries try_join_next.
    test::CountingWaker parent;
    {
      const Waker waker = parent.waker();
      Context cx(waker);
      CHECK(set.poll_join_next(cx).is_pending());
      CHECK(!set.try_join_next().has_value());
    }
    const int before = parent.wakes();  // poll_join_next may have woken it to yield
    (void)senders[0].send(0);
    // The task completes at its next poll; its completion must reach `parent`.
    for (int i = 0; i < 100 && parent.wakes() == before; ++i) {
      co_await yield_now();
    }
    const int seen = parent.wakes() - before;
    CHECK(set.try_join_next() == std::optional<int>(0));
    co_return seen;
  }());
  CHECK(wakes == 1);
}

TEST_CASE("try_join_next finds a ready output when the cooperative budget is spent") {
  Runtime rt(1);
  const std::optional<int> out = rt.block_on([]() -> Async<std::optional<int>> {
    JoinSet<int> set;
    JoinHandle<int> handle = spawn(ready(5));
    for (int i = 0; i < 100 && !handle.is_finished(); ++i) {
      co_await yield_now();
    }
    CHECK(handle.is_finished());
    set.push(std::move(handle));
    std::optional<int> found;
    {
      const coop::BudgetScope spent(0);
      found = set.try_join_next();
      CHECK(!coop::has_budget_remaining());  // and it spent none
    }
    co_return found;
  }());
  CHECK(out == std::optional<int>(5));
}

TEST_SUITE_END();
