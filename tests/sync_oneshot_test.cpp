#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/oneshot.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::CountingWaker;
using test::Lifetimes;
using test::Tracked;

TEST_SUITE_BEGIN("sync");

TEST_CASE("a value sent before the receive is ready at the first poll") {
  auto [tx, rx] = oneshot::channel<std::string>();
  CHECK(tx.send("hello"));
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  Poll<std::optional<std::string>> out = rx.poll(cx);
  REQUIRE(out.is_ready());
  CHECK(**out == "hello");
  CHECK(counter.outstanding() == 1);  // only ours: the receiver stored nothing
  CHECK_THROWS_AS((void)rx.poll(cx), std::logic_error);
}

TEST_CASE("a pending receiver is woken exactly once by the send") {
  CountingWaker counter;
  {
    auto [tx, rx] = oneshot::channel<int>();
    Waker waker = counter.waker();
    Context cx(waker);
    CHECK(rx.poll(cx).is_pending());
    CHECK(rx.poll(cx).is_pending());
    CHECK(counter.clones() == 2);  // ours plus one stored: the second poll kept it
    CHECK(tx.send(5));
    CHECK(counter.wakes() == 1);
    Poll<std::optional<int>> out = rx.poll(cx);
    REQUIRE(out.is_ready());
    CHECK(**out == 5);
  }
  CHECK(counter.outstanding() == 0);
}

TEST_CASE("the sender wakes the latest waker when the receiver moved between tasks") {
  CountingWaker first;
  CountingWaker second;
  auto [tx, rx] = oneshot::channel<int>();
  {
    Waker w = first.waker();
    Context cx(w);
    CHECK(rx.poll(cx).is_pending());
  }
  Waker w = second.waker();
  Context cx(w);
  CHECK(rx.poll(cx).is_pending());
  CHECK(first.outstanding() == 0);  // replaced, and dropped
  CHECK(tx.send(1));
  CHECK(first.wakes() == 0);
  CHECK(second.wakes() == 1);
}

TEST_CASE("a sender dropped without sending completes the receiver with nullopt") {
  CountingWaker counter;
  auto [tx, rx] = oneshot::channel<int>();
  Waker waker = counter.waker();
  Context cx(waker);
  CHECK(rx.poll(cx).is_pending());
  { oneshot::Sender<int> gone = std::move(tx); }
  CHECK(counter.wakes() == 1);
  Poll<std::optional<int>> out = rx.poll(cx);
  REQUIRE(out.is_ready());
  CHECK_FALSE(out->has_value());
}

TEST_CASE("a send to a dropped or closed receiver hands the value back") {
  {
    auto [tx, rx] = oneshot::channel<std::string>();
    { oneshot::Receiver<std::string> gone = std::move(rx); }
    CHECK(tx.is_closed());
    SendResult<std::string> back = tx.send("kept");
    REQUIRE_FALSE(back);
    CHECK(back.error().is_closed());
    CHECK(back.error().value() == "kept");
  }
  {
    auto [tx, rx] = oneshot::channel<int>();
    rx.close();
    CHECK(tx.is_closed());
    SendResult<int> back = tx.send(3);
    CHECK((!back && back.error().value() == 3));
    CHECK_FALSE(rx.try_recv().has_value());
  }
}

TEST_CASE("close keeps a value that was already sent") {
  auto [tx, rx] = oneshot::channel<int>();
  CHECK(tx.send(8));
  rx.close();
  CHECK(rx.try_recv() == std::optional<int>(8));
}

TEST_CASE("dropping a receiver drops a sent value and the waker it stored") {
  Lifetimes lifetimes;
  CountingWaker counter;
  {
    auto [tx, rx] = oneshot::channel<Tracked>();
    Waker waker = counter.waker();
    Context cx(waker);
    CHECK(rx.poll(cx).is_pending());
    CHECK(tx.send(Tracked(lifetimes)));
    CHECK(lifetimes.alive() == 1);
    { oneshot::Receiver<Tracked> gone = std::move(rx); }
    CHECK(lifetimes.alive() == 0);
  }
  CHECK(counter.outstanding() == 0);
}

TEST_CASE("try_recv returns the value only once it is sent") {
  auto [tx, rx] = oneshot::channel<int>();
  CHECK_FALSE(rx.try_recv().has_value());
  CHECK(tx.send(2));
  CHECK(rx.try_recv() == std::optional<int>(2));
}

TEST_CASE("a value sent from another thread wakes a receiving task") {
  Runtime rt(1);
  for (int round = 0; round < 200; ++round) {
    auto [tx, rx] = oneshot::channel<int>();
    std::thread sender([sender = std::move(tx), round]() mutable { CHECK(sender.send(round)); });
    std::optional<int> got =
        rt.block_on([](oneshot::Receiver<int> r) -> Async<std::optional<int>> { co_return co_await r; }(std::move(rx)));
    sender.join();
    CHECK(got == std::optional<int>(round));
  }
}

TEST_SUITE_END();
