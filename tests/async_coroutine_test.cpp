#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::CountingWaker;
using test::Gate;
using test::GateFuture;
using test::Lifetimes;
using test::Tracked;

namespace {

Async<int> add(int a, int b) { co_return a + b; }

Async<int> add_twice(int a) {
  int first = co_await add(a, 1);
  int second = co_await add(first, 1);
  co_return second;
}

Async<void> throws_after(std::shared_ptr<Gate> gate) {
  co_await GateFuture(std::move(gate));
  throw std::runtime_error("after the gate");
}

}  // namespace

TEST_SUITE_BEGIN("async");

TEST_CASE("an Async runs only when polled") {
  bool ran = false;
  auto body = [&ran]() -> Async<int> {
    ran = true;
    co_return 1;
  };
  Async<int> f = body();
  CHECK_FALSE(ran);
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  Poll<int> out = f.poll(cx);
  CHECK(ran);
  REQUIRE(out.is_ready());
  CHECK(*out == 1);
  CHECK(f.is_done());
  CHECK_THROWS_AS((void)f.poll(cx), std::logic_error);
}

TEST_CASE("co_await of ready futures completes in a single poll") {
  Async<int> f = add_twice(40);
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  Poll<int> out = f.poll(cx);
  REQUIRE(out.is_ready());
  CHECK(*out == 42);
}

TEST_CASE("a pending co_await is polled again without resuming the body until it is ready") {
  auto gate = std::make_shared<Gate>();
  int resumes = 0;
  auto body = [](std::shared_ptr<Gate> g, int& resumed) -> Async<std::string> {
    co_await GateFuture(std::move(g));
    ++resumed;
    co_return "open";
  };
  Async<std::string> f = body(gate, resumes);
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  CHECK(f.poll(cx).is_pending());
  CHECK(f.poll(cx).is_pending());
  CHECK(gate->polls() == 2);
  CHECK(resumes == 0);
  gate->open();
  CHECK(counter.wakes() == 1);
  Poll<std::string> out = f.poll(cx);
  REQUIRE(out.is_ready());
  CHECK(*out == "open");
  CHECK(resumes == 1);
  CHECK(gate->polls() == 3);
}

TEST_CASE("the awaited future is polled with the latest context") {
  auto gate = std::make_shared<Gate>();
  auto body = [](std::shared_ptr<Gate> g) -> Async<void> { co_await GateFuture(std::move(g)); };
  Async<void> f = body(gate);
  CountingWaker first;
  CountingWaker second;
  {
    Waker w1 = first.waker();
    Context cx1(w1);
    CHECK(f.poll(cx1).is_pending());
  }
  Waker w2 = second.waker();
  Context cx2(w2);
  CHECK(f.poll(cx2).is_pending());
  gate->open();
  CHECK(first.wakes() == 0);
  CHECK(second.wakes() == 1);
  CHECK(f.poll(cx2).is_ready());
}

TEST_CASE("an exception thrown by the body comes out of poll") {
  auto gate = std::make_shared<Gate>();
  Async<void> f = throws_after(gate);
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  CHECK(f.poll(cx).is_pending());
  gate->open();
  CHECK_THROWS_WITH_AS((void)f.poll(cx), "after the gate", std::runtime_error);
  CHECK(f.is_done());
}

TEST_CASE("an exception thrown by an awaited future can be caught inside the body") {
  auto failing = [](int& polls) {
    return poll_fn([&polls](Context& cx) -> Poll<int> {
      if (++polls == 1) {
        cx.waker().wake_by_ref();
        return Pending;  // throw only after a suspension: the re-poll path
      }
      throw std::runtime_error("inner");
    });
  };
  auto body = [&failing]() -> Async<std::string> {
    int polls = 0;
    try {
      co_await failing(polls);
    } catch (const std::runtime_error& e) {
      co_return std::string("caught ") + e.what() + " after " + std::to_string(polls) + " polls";
    }
    co_return "not caught";
  };
  CHECK(block_on(body()) == "caught inner after 2 polls");
}

TEST_CASE("destroying a suspended Async destroys what it awaits and its locals") {
  Lifetimes lifetimes;
  CountingWaker counter;  // outlives the gate, which keeps the last waker it was given
  auto gate = std::make_shared<Gate>();
  {
    auto body = [](Lifetimes& l, std::shared_ptr<Gate> g) -> Async<void> {
      Tracked local(l);
      co_await GateFuture(std::move(g));
    };
    Async<void> f = body(lifetimes, gate);
    Waker waker = counter.waker();
    Context cx(waker);
    CHECK(f.poll(cx).is_pending());
    CHECK(lifetimes.alive() == 1);
    CHECK(gate.use_count() == 2);  // the awaited GateFuture holds the other reference
  }
  CHECK(lifetimes.alive() == 0);
  CHECK(gate.use_count() == 1);
}

TEST_CASE("an Async can co_await an lvalue future and move-only results") {
  auto body = []() -> Async<std::unique_ptr<int>> {
    auto f = ready(std::make_unique<int>(9));
    std::unique_ptr<int> v = co_await f;
    co_return v;
  };
  std::unique_ptr<int> out = block_on(body());
  REQUIRE(out != nullptr);
  CHECK(*out == 9);
}

TEST_CASE("yield_now inside an Async suspends exactly once") {
  int resumes = 0;
  auto body = [](int& r) -> Async<void> {
    co_await yield_now();
    ++r;
  };
  Async<void> f = body(resumes);
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  CHECK(f.poll(cx).is_pending());
  CHECK(counter.wakes() == 1);
  CHECK(f.poll(cx).is_ready());
  CHECK(resumes == 1);
}

TEST_SUITE_END();
