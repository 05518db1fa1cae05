#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "support/death.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/sync/semaphore.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

namespace {

// Counts the futures that have returned Pending at least once (so are surely waiting).
template <class F>
struct CountWaiting {
  F inner;
  std::atomic<int>& waiting;
  bool counted = false;
  auto poll(Context& cx) {
    auto result = inner.poll(cx);
    if (result.is_pending() && !counted) {
      counted = true;
      waiting.fetch_add(1);
    }
    return result;
  }
};
}  // namespace

TEST_SUITE_BEGIN("sync");

TEST_CASE("try_acquire takes free permits; dropping a permit gives them back; forget keeps them") {
  Semaphore sem(3);
  {
    std::optional<SemaphorePermit> two = sem.try_acquire(2);
    REQUIRE(two);
    CHECK(two->num_permits() == 2);
    CHECK(sem.available_permits() == 1);
    CHECK_FALSE(sem.try_acquire(2));
    CHECK(sem.available_permits() == 1);
  }
  CHECK(sem.available_permits() == 3);
  std::optional<SemaphorePermit> one = sem.try_acquire();
  REQUIRE(one);
  one->forget();
  one.reset();
  CHECK(sem.available_permits() == 2);
  sem.add_permits(5);
  CHECK(sem.available_permits() == 7);
}

TEST_CASE("an acquire with enough free permits is ready at its first poll") {
  Semaphore sem(2);
  Manual m;
  Semaphore::Acquire acquire = sem.acquire(2);
  Poll<SemaphorePermit> permit = acquire.poll(m.cx);
  REQUIRE(permit.is_ready());
  CHECK(permit->num_permits() == 2);
  CHECK(sem.available_permits() == 0);
  CHECK_THROWS_AS((void)acquire.poll(m.cx), std::logic_error);
}

TEST_CASE("waiters acquire in FIFO order, each woken exactly once, when it is their turn") {
  Semaphore sem(1);
  std::optional<SemaphorePermit> held = sem.try_acquire();
  REQUIRE(held);
  constexpr int waiters = 4;
  std::vector<std::unique_ptr<Manual>> contexts;
  std::vector<std::unique_ptr<Semaphore::Acquire>> acquires;
  contexts.reserve(waiters);
  acquires.reserve(waiters);
  for (int i = 0; i < waiters; ++i) {
    contexts.push_back(std::make_unique<Manual>());
    acquires.push_back(std::make_unique<Semaphore::Acquire>(sem.acquire()));
    CHECK(acquires.back()->poll(contexts.back()->cx).is_pending());
  }
  std::vector<int> order;
  held.reset();  // hands the permit to waiter 0
  for (int turn = 0; turn < waiters; ++turn) {
    for (int i = 0; i < waiters; ++i) {
      CHECK(contexts[i]->counter.wakes() == (i <= turn ? 1 : 0));
    }
    // Poll everyone still waiting, in reverse order: only the one whose turn it is gets it.
    std::optional<SemaphorePermit> got;
    for (int i = waiters - 1; i >= turn; --i) {
      if (acquires[i] == nullptr) {
        continue;
      }
      Poll<SemaphorePermit> p = acquires[i]->poll(contexts[i]->cx);
      if (p.is_ready()) {
        CHECK_FALSE(got);
        got.emplace(std::move(p).value());
        order.push_back(i);
      }
    }
    REQUIRE(got);
    CHECK(sem.available_permits() == 0);
    got.reset();  // next turn
  }
  CHECK(order == std::vector<int>{0, 1, 2, 3});
  CHECK(sem.available_permits() == 1);
}

TEST_CASE("a task that releases and acquires again queues behind those already waiting") {
  Semaphore sem(1);
  Manual a;
  Manual b;
  Semaphore::Acquire first = sem.acquire();
  Poll<SemaphorePermit> held = first.poll(a.cx);
  REQUIRE(held.is_ready());
  Semaphore::Acquire waiting = sem.acquire();
  CHECK(waiting.poll(b.cx).is_pending());
  { const SemaphorePermit released = std::move(held).value(); }
  CHECK_FALSE(sem.try_acquire());  // the permit went to the waiter, not back to the pool
  Semaphore::Acquire again = sem.acquire();
  CHECK(again.poll(a.cx).is_pending());
  CHECK(b.counter.wakes() == 1);
  CHECK(waiting.poll(b.cx).is_ready());  // the permit it got is dropped at once
  CHECK(a.counter.wakes() == 1);
  CHECK(again.poll(a.cx).is_ready());
  CHECK(sem.available_permits() == 1);
}

TEST_CASE("a large request is not starved by smaller ones behind it") {
  Semaphore sem(2);
  std::optional<SemaphorePermit> p1 = sem.try_acquire();
  std::optional<SemaphorePermit> p2 = sem.try_acquire();
  Manual big_cx;
  Manual small_cx;
  Semaphore::Acquire big = sem.acquire(2);
  Semaphore::Acquire small = sem.acquire(1);
  CHECK(big.poll(big_cx.cx).is_pending());
  CHECK(small.poll(small_cx.cx).is_pending());
  p1.reset();  // one permit: assigned to `big`, which still needs another
  CHECK(big_cx.counter.wakes() == 0);
  CHECK(small_cx.counter.wakes() == 0);
  CHECK(small.poll(small_cx.cx).is_pending());
  CHECK(sem.available_permits() == 0);
  p2.reset();
  CHECK(big_cx.counter.wakes() == 1);
  Poll<SemaphorePermit> got = big.poll(big_cx.cx);
  REQUIRE(got.is_ready());
  CHECK(got->num_permits() == 2);
  CHECK(small.poll(small_cx.cx).is_pending());
}

TEST_CASE("cancel safety: a dropped waiter that was handed the permit passes it to the next in line") {
  Semaphore sem(1);
  std::optional<SemaphorePermit> held = sem.try_acquire();
  Manual a;
  Manual b;
  Semaphore::Acquire second = sem.acquire();
  {
    Semaphore::Acquire first = sem.acquire();
    CHECK(first.poll(a.cx).is_pending());
    CHECK(second.poll(b.cx).is_pending());
    held.reset();  // the permit is now `first`'s
    CHECK(a.counter.wakes() == 1);
    CHECK(b.counter.wakes() == 0);
  }  // dropped before it saw it
  CHECK(b.counter.wakes() == 1);
  Poll<SemaphorePermit> got = second.poll(b.cx);
  REQUIRE(got.is_ready());
  CHECK(sem.available_permits() == 0);
  { const SemaphorePermit released = std::move(got).value(); }
  CHECK(sem.available_permits() == 1);
  CHECK(a.counter.outstanding() == 1);  // only the Manual's own waker: the queue kept none
  CHECK(b.counter.outstanding() == 1);
}

TEST_CASE("cancel safety: a dropped waiter gives back the part of its request it had been handed") {
  Semaphore sem(3);
  std::optional<SemaphorePermit> held = sem.try_acquire(3);
  Manual a;
  Manual b;
  Semaphore::Acquire wants_two = sem.acquire(2);
  {
    Semaphore::Acquire wants_four = sem.acquire(4);
    CHECK(wants_four.poll(a.cx).is_pending());
    CHECK(wants_two.poll(b.cx).is_pending());
    held.reset();  // 3 permits: all to `wants_four`, which needs one more
    CHECK(a.counter.wakes() == 0);
    CHECK(b.counter.wakes() == 0);
    CHECK(sem.available_permits() == 0);
  }
  CHECK(b.counter.wakes() == 1);
  CHECK(sem.available_permits() == 1);  // 3 given back: 2 to `wants_two`, 1 to the pool
  CHECK(wants_two.poll(b.cx).is_ready());
  CHECK(sem.available_permits() == 3);
}

TEST_CASE("cancel safety: a dropped waiter that had nothing leaves the line and keeps no waker") {
  Semaphore sem(1);
  std::optional<SemaphorePermit> held = sem.try_acquire();
  Manual a;
  Manual b;
  Semaphore::Acquire behind = sem.acquire();
  {
    Semaphore::Acquire gone = sem.acquire();
    CHECK(gone.poll(a.cx).is_pending());
    CHECK(behind.poll(b.cx).is_pending());
  }
  CHECK(a.counter.outstanding() == 1);
  held.reset();
  CHECK(a.counter.wakes() == 0);
  CHECK(b.counter.wakes() == 1);
  CHECK(behind.poll(b.cx).is_ready());
  CHECK(sem.available_permits() == 1);
}

TEST_CASE("a waiter polled with a new waker is woken through the new one") {
  Semaphore sem(0);
  Manual a;
  Manual b;
  Semaphore::Acquire acquire = sem.acquire();
  CHECK(acquire.poll(a.cx).is_pending());
  CHECK(acquire.poll(b.cx).is_pending());
  sem.add_permits(1);
  CHECK(a.counter.wakes() == 0);
  CHECK(b.counter.wakes() == 1);
  CHECK(acquire.poll(b.cx).is_ready());
}

TEST_CASE("close wakes every waiter, which then fails with SemaphoreClosed; held permits stay valid") {
  Semaphore sem(1);
  std::optional<SemaphorePermit> held = sem.try_acquire();
  Manual a;
  Manual b;
  Semaphore::Acquire first = sem.acquire();
  Semaphore::Acquire second = sem.acquire(3);
  CHECK(first.poll(a.cx).is_pending());
  CHECK(second.poll(b.cx).is_pending());
  sem.close();
  CHECK(sem.is_closed());
  CHECK(a.counter.wakes() == 1);
  CHECK(b.counter.wakes() == 1);
  CHECK_THROWS_AS((void)first.poll(a.cx), SemaphoreClosed);
  CHECK_THROWS_WITH_AS((void)second.poll(b.cx), "wakeful: acquire on a closed Semaphore", SemaphoreClosed);
  Semaphore::Acquire later = sem.acquire();
  CHECK_THROWS_AS((void)later.poll(a.cx), SemaphoreClosed);
  held.reset();
  CHECK(sem.available_permits() == 1);
  CHECK_FALSE(sem.try_acquire());
  CHECK(a.counter.outstanding() == 1);
  CHECK(b.counter.outstanding() == 1);
}

TEST_CASE("close wakes more waiters than one batch of wakers holds") {
  Semaphore sem(0);
  constexpr int count = 100;
  Manual m;
  std::vector<std::unique_ptr<Semaphore::Acquire>> acquires;
  acquires.reserve(count);
  for (int i = 0; i < count; ++i) {
    acquires.push_back(std::make_unique<Semaphore::Acquire>(sem.acquire()));
    CHECK(acquires.back()->poll(m.cx).is_pending());
  }
  sem.close();
  CHECK(m.counter.wakes() == count);
  int failed = 0;
  for (auto& acquire : acquires) {
    try {
      (void)acquire->poll(m.cx);
    } catch (const SemaphoreClosed&) {
      ++failed;
    }
  }
  CHECK(failed == count);
}

TEST_CASE("add_permits hands out to many waiters at once, in order") {
  Semaphore sem(0);
  constexpr int count = 70;  // more than one batch of wakers
  std::vector<std::unique_ptr<Manual>> contexts;
  std::vector<std::unique_ptr<Semaphore::Acquire>> acquires;
  contexts.reserve(count);
  acquires.reserve(count);
  for (int i = 0; i < count; ++i) {
    contexts.push_back(std::make_unique<Manual>());
    acquires.push_back(std::make_unique<Semaphore::Acquire>(sem.acquire()));
    CHECK(acquires.back()->poll(contexts.back()->cx).is_pending());
  }
  sem.add_permits(count - 1);
  for (int i = 0; i < count; ++i) {
    CHECK(contexts[i]->counter.wakes() == (i < count - 1 ? 1 : 0));
  }
  CHECK(sem.available_permits() == 0);
}

TEST_CASE("limits: too many permits are refused with a clear error") {
  CHECK_THROWS_AS(Semaphore(Semaphore::max_permits + 1), std::overflow_error);
  Semaphore sem(Semaphore::max_permits);
  CHECK_THROWS_AS(sem.add_permits(1), std::overflow_error);
  CHECK(sem.available_permits() == Semaphore::max_permits);
  CHECK_THROWS_AS((void)sem.acquire(Semaphore::max_permits + 1), std::invalid_argument);
  CHECK_THROWS_AS((void)Semaphore::acquire_owned(nullptr), std::invalid_argument);
  Manual m;
  Semaphore::Acquire none = sem.acquire(0);
  Poll<SemaphorePermit> zero = none.poll(m.cx);
  REQUIRE(zero.is_ready());
  CHECK(zero->num_permits() == 0);
}

TEST_CASE("an acquire future moved after its first poll aborts with a message naming it") {
  std::optional<std::string> err = test::aborts_with([] {
    Semaphore sem(0);
    Manual m;
    Semaphore::Acquire acquire = sem.acquire();
    (void)acquire.poll(m.cx);
    Semaphore::Acquire moved(std::move(acquire));
  });
  REQUIRE(err);
  CHECK(err->find("wakeful: Semaphore::Acquire moved after its first poll") != std::string::npos);
  std::optional<std::string> owned = test::aborts_with([] {
    auto sem = std::make_shared<Semaphore>(0);
    Manual m;
    Semaphore::AcquireOwned acquire = Semaphore::acquire_owned(sem);
    (void)acquire.poll(m.cx);
    Semaphore::AcquireOwned moved(std::move(acquire));
  });
  REQUIRE(owned);
  CHECK(owned->find("wakeful: Semaphore::AcquireOwned moved after its first poll") != std::string::npos);
}

TEST_CASE("an acquire future may move before its first poll") {
  Semaphore sem(1);
  Manual m;
  Semaphore::Acquire acquire = sem.acquire();
  Semaphore::Acquire moved(std::move(acquire));
  CHECK(moved.poll(m.cx).is_ready());
  CHECK(sem.available_permits() == 1);
}

TEST_CASE("an owned permit moved into a spawned task keeps the semaphore alive and frees it there") {
  Runtime rt(2);
  std::weak_ptr<Semaphore> weak;
  Notify release;
  const std::size_t left = rt.block_on([](std::weak_ptr<Semaphore>& weak, Notify& release) -> Async<std::size_t> {
    auto sem = std::make_shared<Semaphore>(1);
    weak = sem;
    OwnedSemaphorePermit permit = co_await Semaphore::acquire_owned(sem);
    CHECK(permit.num_permits() == 1);
    JoinHandle<void> holder = spawn([](OwnedSemaphorePermit permit, Notify& release) -> Async<void> {
      co_await release.notified();
      CHECK(permit.semaphore()->available_permits() == 0);
    }(std::move(permit), release));
    CHECK_FALSE(Semaphore::try_acquire_owned(sem));
    Semaphore::AcquireOwned next = Semaphore::acquire_owned(sem);
    sem.reset();  // only the permit and `next` hold it now
    release.notify_one();
    OwnedSemaphorePermit again = co_await next;  // the holder's drop hands the permit over
    co_await holder;
    co_return again.semaphore()->available_permits();
  }(weak, release));
  CHECK(left == 0);
  CHECK(weak.expired());
}

TEST_CASE("acquire spends cooperative budget: a task acquiring in a loop lets its sibling run") {
  Runtime rt = Runtime::current_thread();
  const int acquired = rt.block_on([]() -> Async<int> {
    Semaphore sem(1);
    bool sibling_ran = false;
    JoinHandle<void> sibling = spawn([](bool& ran) -> Async<void> {
      ran = true;
      co_return;
    }(sibling_ran));
    int n = 0;
    while (!sibling_ran && n < 100'000) {
      const SemaphorePermit permit = co_await sem.acquire();
      ++n;
    }
    co_await sibling;
    co_return n;
  }());
  CHECK(acquired > 0);
  // One poll's budget of acquires, then the one that had to yield completes after the sibling ran.
  CHECK(acquired <= coop::initial_budget + 1);
}

namespace {

struct Counters {
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  long total = 0;  // written only while holding a permit of a one-permit semaphore

  /// Counts one more holder in, recording the most seen at once.
  void enter() {
    const int now = inside.fetch_add(1) + 1;
    int most = most_inside.load();
    while (now > most && !most_inside.compare_exchange_weak(most, now)) {
    }
  }
};

Async<void> contend(std::shared_ptr<Semaphore> sem, Counters& counters, int rounds, bool count_total) {
  for (int i = 0; i < rounds; ++i) {
    OwnedSemaphorePermit permit = co_await Semaphore::acquire_owned(sem);
    counters.enter();
    if (count_total) {
      ++counters.total;
    }
    co_await yield_now();  // hold it across a suspension
    counters.inside.fetch_sub(1);
  }
}

}  // namespace

TEST_CASE("one permit across 2 and 4 workers: mutual exclusion and an exact total") {
  for (const std::size_t threads : {2U, 4U}) {
    CAPTURE(threads);
    constexpr int tasks = 16;
    constexpr int rounds = 500;
    Runtime rt(threads);
    auto sem = std::make_shared<Semaphore>(1);
    Counters counters;
    std::vector<JoinHandle<void>> handles;
    handles.reserve(tasks);
    for (int t = 0; t < tasks; ++t) {
      handles.push_back(rt.spawn(contend(sem, counters, rounds, true)));
    }
    for (auto& handle : handles) {
      rt.block_on(std::move(handle));
    }
    CHECK(counters.most_inside.load() == 1);
    CHECK(counters.total == static_cast<long>(tasks) * rounds);
    CHECK(sem->available_permits() == 1);
  }
}

TEST_CASE("try_acquire from plain threads beside tasks that wait: mutual exclusion and an exact total") {
  // try_acquire and an uncontended acquire take the permit without the lock; a release hands it
  // to a waiting task under the lock. Both paths at once, on one permit.
  constexpr int tasks = 8;
  constexpr int rounds = 300;
  constexpr int thread_rounds = 2000;
  Runtime rt(2);
  auto sem = std::make_shared<Semaphore>(1);
  Counters counters;
  std::vector<JoinHandle<void>> handles;
  handles.reserve(tasks);
  for (int t = 0; t < tasks; ++t) {
    handles.push_back(rt.spawn(contend(sem, counters, rounds, true)));
  }
  std::atomic<long> taken_by_threads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < thread_rounds; ++i) {
        if (std::optional<SemaphorePermit> permit = sem->try_acquire()) {
          counters.enter();
          ++counters.total;
          counters.inside.fetch_sub(1);
          taken_by_threads.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (auto& handle : handles) {
    rt.block_on(std::move(handle));
  }
  CHECK(counters.most_inside.load() == 1);
  CHECK(counters.total == static_cast<long>(tasks) * rounds + taken_by_threads.load());
  CHECK(sem->available_permits() == 1);
}

TEST_CASE("three permits across 4 workers: never more than three inside, all returned") {
  constexpr int tasks = 12;
  constexpr int rounds = 300;
  Runtime rt(4);
  auto sem = std::make_shared<Semaphore>(3);
  Counters counters;
  std::vector<JoinHandle<void>> handles;
  handles.reserve(tasks);
  for (int t = 0; t < tasks; ++t) {
    handles.push_back(rt.spawn(contend(sem, counters, rounds, false)));
  }
  for (auto& handle : handles) {
    rt.block_on(std::move(handle));
  }
  CHECK(counters.most_inside.load() <= 3);
  CHECK(counters.inside.load() == 0);
  CHECK(sem->available_permits() == 3);
}

TEST_CASE("close from another thread wakes tasks waiting on every worker") {
  Runtime rt(2);
  auto sem = std::make_shared<Semaphore>(0);
  constexpr int waiters = 40;
  std::atomic<int> failed{0};
  std::atomic<int> waiting{0};
  std::vector<JoinHandle<void>> handles;
  handles.reserve(waiters);
  for (int i = 0; i < waiters; ++i) {
    handles.push_back(rt.spawn(
        [](std::shared_ptr<Semaphore> sem, std::atomic<int>& waiting, std::atomic<int>& failed) -> Async<void> {
          try {
            (void)co_await CountWaiting<Semaphore::Acquire>{sem->acquire(), waiting};
          } catch (const SemaphoreClosed&) {
            failed.fetch_add(1);
          }
        }(sem, waiting, failed)));
  }
  REQUIRE(test::eventually([&] { return waiting.load() == waiters; }));
  sem->close();
  for (auto& handle : handles) {
    rt.block_on(std::move(handle));
  }
  CHECK(failed.load() == waiters);
}

TEST_SUITE_END();
