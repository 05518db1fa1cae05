#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/death.hpp"
#include "wakeful/async.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/watch.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("the initial value is there and counts as seen") {
  auto [tx, rx] = watch::channel<std::string>("hello");
  CHECK(*rx.borrow() == "hello");
  CHECK_FALSE(rx.borrow().has_changed());
  CHECK_FALSE(rx.has_changed());
  CHECK(*tx.borrow() == "hello");
  Manual m;
  watch::Receiver<std::string>::Changed changed = rx.changed();
  CHECK(changed.poll(m.cx).is_pending());
}

TEST_CASE("changed() after several sends completes once, and borrow shows only the latest") {
  auto [tx, rx] = watch::channel<int>(0);
  for (int v = 1; v <= 5; ++v) {
    CHECK(tx.send(v));
  }
  Manual m;
  CHECK(rx.has_changed());
  {
    watch::Receiver<int>::Changed changed = rx.changed();
    Poll<bool> r = changed.poll(m.cx);
    REQUIRE(r.is_ready());
    CHECK(*r);
  }
  CHECK(*rx.borrow() == 5);
  CHECK_FALSE(rx.has_changed());
  watch::Receiver<int>::Changed again = rx.changed();
  CHECK(again.poll(m.cx).is_pending());
  CHECK(m.counter.wakes() == 0);
}

TEST_CASE("a send wakes a waiting changed() exactly once; send_modify too") {
  auto [tx, rx] = watch::channel<std::vector<int>>({});
  Manual m;
  {
    watch::Receiver<std::vector<int>>::Changed changed = rx.changed();
    CHECK(changed.poll(m.cx).is_pending());
    CHECK(tx.send({1, 2}));
    CHECK(m.counter.wakes() == 1);
    Poll<bool> r = changed.poll(m.cx);
    REQUIRE(r.is_ready());
    CHECK(*r);
    CHECK(rx.borrow()->size() == 2);
  }
  watch::Receiver<std::vector<int>>::Changed changed = rx.changed();
  CHECK(changed.poll(m.cx).is_pending());
  tx.send_modify([](std::vector<int>& v) { v.push_back(3); });
  CHECK(m.counter.wakes() == 2);
  CHECK(changed.poll(m.cx).is_ready());
  CHECK(*rx.borrow() == std::vector<int>{1, 2, 3});
}

TEST_CASE("borrow_and_update marks the value seen; borrow does not") {
  auto [tx, rx] = watch::channel<int>(1);
  CHECK(tx.send(2));
  {
    watch::Ref<int> ref = rx.borrow();
    CHECK(*ref == 2);
    CHECK(ref.has_changed());
  }
  CHECK(rx.has_changed());
  {
    watch::Ref<int> ref = rx.borrow_and_update();
    CHECK(*ref == 2);
    CHECK(ref.has_changed());
  }
  CHECK_FALSE(rx.has_changed());
}

TEST_CASE("a dropped sender is reported: changed() completes with false, the last value stays") {
  auto [tx, rx] = watch::channel<int>(1);
  Manual m;
  watch::Receiver<int>::Changed changed = rx.changed();
  CHECK(changed.poll(m.cx).is_pending());
  {
    watch::Sender<int> gone = std::move(tx);
    CHECK(gone.send(7));
  }
  CHECK(m.counter.wakes() == 1);  // by the send; the drop finds nobody left waiting
  Poll<bool> r = changed.poll(m.cx);
  REQUIRE(r.is_ready());
  CHECK(*r);  // the value sent before the drop is still new
  watch::Receiver<int>::Changed closed = rx.changed();
  Poll<bool> c = closed.poll(m.cx);
  REQUIRE(c.is_ready());
  CHECK_FALSE(*c);
  CHECK(rx.is_closed());
  CHECK(*rx.borrow() == 7);
}

TEST_CASE("send with no receiver left gives the value back; subscribe and copies add receivers") {
  auto [tx, rx] = watch::channel<int>(0);
  CHECK(tx.receiver_count() == 1);
  {
    watch::Receiver<int> copy = rx;
    watch::Receiver<int> sub = tx.subscribe();
    CHECK(tx.receiver_count() == 3);
  }
  { watch::Receiver<int> gone = std::move(rx); }
  CHECK(tx.is_closed());
  SendResult<int> back = tx.send(9);
  REQUIRE_FALSE(back);
  CHECK(back.error().is_closed());
  CHECK(back.error().value() == 9);
  watch::Receiver<int> late = tx.subscribe();
  CHECK(*late.borrow() == 0);
  CHECK_FALSE(late.has_changed());
}

TEST_CASE("a copied receiver has seen what its original had seen") {
  auto [tx, rx] = watch::channel<int>(0);
  CHECK(tx.send(1));
  watch::Receiver<int> copy = rx;
  CHECK(copy.has_changed());
  (void)rx.borrow_and_update();
  watch::Receiver<int> second = rx;
  CHECK_FALSE(second.has_changed());
}

TEST_CASE("dropping a waiting changed() loses nothing") {
  auto [tx, rx] = watch::channel<int>(0);
  Manual m;
  {
    watch::Receiver<int>::Changed changed = rx.changed();
    CHECK(changed.poll(m.cx).is_pending());
  }
  CHECK(tx.send(3));
  CHECK(m.counter.wakes() == 0);
  CHECK(m.counter.outstanding() == 1);
  watch::Receiver<int>::Changed next = rx.changed();
  CHECK(next.poll(m.cx).is_ready());
}

TEST_CASE("a changed() future moved after its first poll aborts with a message naming it") {
  std::optional<std::string> err = test::aborts_with([] {
    auto [tx, rx] = watch::channel<int>(0);
    Manual m;
    watch::Receiver<int>::Changed changed = rx.changed();
    (void)changed.poll(m.cx);
    watch::Receiver<int>::Changed moved(std::move(changed));
  });
  REQUIRE(err);
  CHECK(err->find("wakeful: watch::Receiver::Changed moved after its first poll") != std::string::npos);
}

namespace {

// Waits for changes until the sender is gone; the values seen must never go backwards and
// the last one must be the last sent.
Async<int> follow(watch::Receiver<int> rx, std::atomic<int>& backwards) {
  int last = *rx.borrow_and_update();
  while (co_await rx.changed()) {
    const int now = *rx.borrow_and_update();
    if (now < last) {
      backwards.fetch_add(1);
    }
    last = now;
  }
  co_return last;
}

}  // namespace

TEST_CASE("receivers on 2 and 4 workers follow a sender on another thread to its last value") {
  for (const std::size_t threads : {2U, 4U}) {
    CAPTURE(threads);
    constexpr int receivers = 6;
    constexpr int sends = 3000;
    Runtime rt(threads);
    auto [tx, rx] = watch::channel<int>(0);
    std::atomic<int> backwards{0};
    std::vector<JoinHandle<int>> handles;
    handles.reserve(receivers);
    for (int r = 0; r < receivers; ++r) {
      handles.push_back(rt.spawn(follow(rx, backwards)));
    }
    {
      watch::Receiver<int> mine = std::move(rx);  // the sender's last send still has receivers
    }
    std::thread sender([&tx = tx] {
      for (int v = 1; v <= sends; ++v) {
        (void)tx.send(v);
      }
      watch::Sender<int> done = std::move(tx);
    });
    sender.join();
    for (auto& handle : handles) {
      CHECK(rt.block_on(std::move(handle)) == sends);
    }
    CHECK(backwards.load() == 0);
  }
}

TEST_SUITE_END();
