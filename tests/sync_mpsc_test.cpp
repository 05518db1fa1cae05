#include <doctest/doctest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/mpsc.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Lifetimes;
using test::Manual;
using test::Tracked;

// True when `result` handed `value` back, refused for `why`.
template <class T>
bool refused(SendResult<T> result, SendFailure why, const T& value) {
  return !result && result.error().reason() == why && result.error().value() == value;
}

TEST_SUITE_BEGIN("sync");

TEST_CASE("messages arrive in order") {
  auto [tx, rx] = mpsc::channel<int>(8);
  for (int i = 0; i < 5; ++i) {
    CHECK(tx.try_send(i));
  }
  for (int i = 0; i < 5; ++i) {
    CHECK(rx.try_recv() == std::optional<int>(i));
  }
  CHECK_FALSE(rx.try_recv().has_value());
}

TEST_CASE("capacity zero is refused") { CHECK_THROWS_AS(mpsc::channel<int>(0), std::invalid_argument); }

TEST_CASE("a full channel makes senders wait, and serves them in order") {
  auto [tx, rx] = mpsc::channel<int>(1);
  Manual m;
  CHECK(tx.try_send(0));
  CHECK(refused(tx.try_send(99), SendFailure::full, 99));  // full: handed back
  auto s1 = tx.send(1);
  auto s2 = tx.send(2);
  CHECK(s1.poll(m.cx).is_pending());
  CHECK(s2.poll(m.cx).is_pending());
  CHECK(refused(tx.try_send(98), SendFailure::full, 98));  // no overtaking of waiting senders
  CHECK(rx.try_recv() == std::optional<int>(0));
  CHECK(m.counter.wakes() == 1);  // s1 admitted
  auto r1 = s1.poll(m.cx);
  REQUIRE(r1.is_ready());
  CHECK(r1->ok());
  CHECK(s2.poll(m.cx).is_pending());
  CHECK(rx.try_recv() == std::optional<int>(1));
  CHECK(rx.try_recv() == std::optional<int>(2));
  CHECK(s2.poll(m.cx).is_ready());
}

TEST_CASE("the receiver sees the end once every sender is gone and the buffer is drained") {
  auto [tx, rx] = mpsc::channel<int>(4);
  Manual m;
  {
    mpsc::Sender<int> tx2 = tx;
    CHECK(tx2.try_send(1));
  }
  auto recv = rx.recv();
  CHECK(recv.poll(m.cx).is_ready());
  CHECK(rx.recv().poll(m.cx).is_pending());
  { mpsc::Sender<int> last = std::move(tx); }
  CHECK(m.counter.wakes() == 1);
  auto end = rx.recv().poll(m.cx);
  REQUIRE(end.is_ready());
  CHECK_FALSE(end->has_value());
}

TEST_CASE("a dropped receiver hands waiting and later messages back, and drops buffered ones") {
  Lifetimes lifetimes;
  Manual m;
  auto [tx, rx] = mpsc::channel<Tracked>(1);
  CHECK(tx.try_send(Tracked(lifetimes, 1)));
  auto waiting = tx.send(Tracked(lifetimes, 2));
  CHECK(waiting.poll(m.cx).is_pending());
  { mpsc::Receiver<Tracked> gone = std::move(rx); }
  CHECK(m.counter.wakes() == 1);
  auto back = waiting.poll(m.cx);
  REQUIRE(back.is_ready());
  REQUIRE_FALSE(back->ok());
  CHECK(back->error().is_closed());
  CHECK(back->error().value().value() == 2);
  CHECK(tx.is_closed());
  auto later = tx.try_send(Tracked(lifetimes, 3));
  REQUIRE_FALSE(later.ok());
  CHECK(later.error().is_closed());
  CHECK(later.error().value().value() == 3);
  CHECK(lifetimes.alive() == 2);  // `back` and `later` hold the two messages handed back
}

TEST_CASE("close refuses new sends but lets buffered messages be received") {
  auto [tx, rx] = mpsc::channel<int>(4);
  Manual m;
  CHECK(tx.try_send(1));
  rx.close();
  CHECK(refused(tx.try_send(2), SendFailure::closed, 2));
  CHECK(rx.try_recv() == std::optional<int>(1));
  auto end = rx.recv().poll(m.cx);
  REQUIRE(end.is_ready());
  CHECK_FALSE(end->has_value());
}

TEST_CASE("a dropped pending receive loses no message") {
  auto [tx, rx] = mpsc::channel<int>(2);
  Manual m;
  {
    auto recv = rx.recv();
    CHECK(recv.poll(m.cx).is_pending());
  }
  CHECK(tx.try_send(7));
  auto got = rx.recv().poll(m.cx);
  REQUIRE(got.is_ready());
  CHECK(*got == std::optional<int>(7));
}

TEST_CASE("a dropped pending send withdraws its message and lets the next sender in") {
  Lifetimes lifetimes;
  auto [tx, rx] = mpsc::channel<Tracked>(1);
  Manual m;
  CHECK(tx.try_send(Tracked(lifetimes, 1)));
  auto second = tx.send(Tracked(lifetimes, 3));
  {
    auto first = tx.send(Tracked(lifetimes, 2));
    CHECK(first.poll(m.cx).is_pending());
    CHECK(second.poll(m.cx).is_pending());
  }
  CHECK(lifetimes.alive() == 2);  // message 2 withdrawn and dropped
  CHECK(rx.try_recv()->value() == 1);
  CHECK(second.poll(m.cx).is_ready());
  CHECK(rx.try_recv()->value() == 3);
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("senders on four threads deliver everything, each in its own order") {
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  Runtime rt(2);
  auto [tx, rx] = mpsc::channel<std::pair<int, int>>(16);
  std::vector<std::thread> producers;
  producers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&rt, t, sender = tx] {
      rt.block_on([](mpsc::Sender<std::pair<int, int>> s, int id) -> Async<void> {
        for (int i = 0; i < per_thread; ++i) {
          CHECK(co_await s.send({id, i}));
        }
      }(sender, t));
    });
  }
  { mpsc::Sender<std::pair<int, int>> drop = std::move(tx); }
  std::map<int, int> next;
  int total = rt.block_on([](mpsc::Receiver<std::pair<int, int>>& r, std::map<int, int>& expect) -> Async<int> {
    int count = 0;
    while (auto message = co_await r.recv()) {
      auto [id, i] = *message;
      if (expect[id] != i) {
        co_return -1;  // out of order
      }
      expect[id] = i + 1;
      ++count;
    }
    co_return count;
  }(rx, next));
  for (auto& p : producers) {
    p.join();
  }
  CHECK(total == threads * per_thread);
}

TEST_SUITE_END();
