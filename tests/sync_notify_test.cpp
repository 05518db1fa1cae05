#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("notify_one with nobody waiting stores one permit, and only one") {
  Notify notify;
  Manual m;
  notify.notify_one();
  notify.notify_one();
  Notified first = notify.notified();
  CHECK(first.poll(m.cx).is_ready());
  Notified second = notify.notified();
  CHECK(second.poll(m.cx).is_pending());
  CHECK_THROWS_AS((void)first.poll(m.cx), std::logic_error);
}

TEST_CASE("notify_one wakes the longest waiter, exactly once") {
  Notify notify;
  Manual a;
  Manual b;
  Notified first = notify.notified();
  Notified second = notify.notified();
  CHECK(first.poll(a.cx).is_pending());
  CHECK(second.poll(b.cx).is_pending());
  notify.notify_one();
  CHECK(a.counter.wakes() == 1);
  CHECK(b.counter.wakes() == 0);
  CHECK(first.poll(a.cx).is_ready());
  CHECK(second.poll(b.cx).is_pending());
  notify.notify_one();
  CHECK(b.counter.wakes() == 1);
  CHECK(second.poll(b.cx).is_ready());
}

TEST_CASE("notify_waiters wakes every waiter, including futures created before it, and stores no permit") {
  Notify notify;
  Manual a;
  Manual b;
  Notified polled = notify.notified();
  Notified unpolled = notify.notified();
  CHECK(polled.poll(a.cx).is_pending());
  notify.notify_waiters();
  CHECK(a.counter.wakes() == 1);
  CHECK(polled.poll(a.cx).is_ready());
  CHECK(unpolled.poll(b.cx).is_ready());
  Notified after = notify.notified();
  CHECK(after.poll(b.cx).is_pending());
}

TEST_CASE("a waiter dropped after notify_one chose it passes the notification on") {
  Notify notify;
  Manual a;
  Manual b;
  Notified second = notify.notified();
  {
    Notified first = notify.notified();
    CHECK(first.poll(a.cx).is_pending());
    CHECK(second.poll(b.cx).is_pending());
    notify.notify_one();
    CHECK(a.counter.wakes() == 1);
  }  // dropped without seeing it
  CHECK(b.counter.wakes() == 1);
  CHECK(second.poll(b.cx).is_ready());
}

TEST_CASE("a notification passed on with nobody left becomes the permit") {
  Notify notify;
  Manual m;
  {
    Notified only = notify.notified();
    CHECK(only.poll(m.cx).is_pending());
    notify.notify_one();
  }
  Notified next = notify.notified();
  CHECK(next.poll(m.cx).is_ready());
}

TEST_CASE("a dropped waiter that was never notified leaves no trace and releases its waker") {
  Notify notify;
  Manual m;
  {
    Notified gone = notify.notified();
    CHECK(gone.poll(m.cx).is_pending());
  }
  CHECK(m.counter.outstanding() == 1);  // only the Manual's own waker
  notify.notify_one();
  CHECK(m.counter.wakes() == 0);
  Notified next = notify.notified();
  CHECK(next.poll(m.cx).is_ready());  // the notification became the permit
}

TEST_CASE("notifications from other threads reach waiting tasks") {
  constexpr int rounds = 2000;
  Runtime rt(1);
  Notify ping;
  Notify pong;
  std::thread other([&] {
    for (int i = 0; i < rounds; ++i) {
      ping.notify_one();
      rt.block_on([](Notify& n) -> Async<void> { co_await n.notified(); }(pong));
    }
  });
  int got = rt.block_on([](Notify& in, Notify& out) -> Async<int> {
    int n = 0;
    for (int i = 0; i < rounds; ++i) {
      co_await in.notified();
      ++n;
      out.notify_one();
    }
    co_return n;
  }(ping, pong));
  other.join();
  CHECK(got == rounds);
}

TEST_CASE("notify_waiters from four threads at once wakes every waiter") {
  Runtime rt(2);
  Notify notify;
  constexpr int waiters = 64;
  std::atomic<int> woken{0};
  std::vector<JoinHandle<void>> handles;
  handles.reserve(waiters);
  std::atomic<int> registered{0};
  for (int i = 0; i < waiters; ++i) {
    handles.push_back(rt.spawn([](Notify& n, std::atomic<int>& reg, std::atomic<int>& w) -> Async<void> {
      Notified f = n.notified();
      reg.fetch_add(1);
      co_await f;
      w.fetch_add(1);
    }(notify, registered, woken)));
  }
  REQUIRE(test::eventually([&] { return registered.load() == waiters; }));
  std::vector<std::thread> notifiers;
  notifiers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    notifiers.emplace_back([&notify] { notify.notify_waiters(); });
  }
  for (auto& t : notifiers) {
    t.join();
  }
  for (auto& h : handles) {
    block_on(h);
  }
  CHECK(woken.load() == waiters);
}

TEST_SUITE_END();
