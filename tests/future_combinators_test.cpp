#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <tuple>
#include <variant>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/join.hpp"
#include "wakeful/future/map.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/future/yield_now.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::CountingWaker;
using test::Gate;
using test::GateFuture;
using test::Lifetimes;
using test::Tracked;

namespace {

/// A future ready with `value` at its `ready_at`-th poll; counts polls.
class CountdownFuture {
 public:
  CountdownFuture(int value, int ready_at, int& polls) : value_(value), ready_at_(ready_at), polls_(&polls) {}
  Poll<int> poll(Context& cx) {
    if (++*polls_ >= ready_at_) {
      return value_;
    }
    cx.waker().wake_by_ref();
    return Pending;
  }

 private:
  int value_;
  int ready_at_;
  int* polls_;
};

/// A future pending until polled `ready_at` times that also holds a Tracked, to see when it dies.
class TrackedFuture {
 public:
  TrackedFuture(Lifetimes& lifetimes, int ready_at) : tracked_(lifetimes), ready_at_(ready_at) {}
  Poll<int> poll(Context& /*cx*/) {
    if (++polls_ >= ready_at_) {
      return ready_at_;
    }
    return Pending;
  }

 private:
  Tracked tracked_;
  int ready_at_;
  int polls_ = 0;
};

}  // namespace

TEST_SUITE_BEGIN("future");

TEST_CASE("ready completes at the first poll, pending never does") {
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  auto r = ready(std::string("hi"));
  Poll<std::string> p = r.poll(cx);
  REQUIRE(p.is_ready());
  CHECK(*p == "hi");
  CHECK_THROWS_AS((void)r.poll(cx), std::logic_error);
  CHECK(ready().poll(cx).is_ready());

  auto never = pending<int>();
  for (int i = 0; i < 3; ++i) {
    CHECK(never.poll(cx).is_pending());
  }
  CHECK(counter.wakes() == 0);
}

TEST_CASE("poll_fn calls its function with the context at each poll") {
  int calls = 0;
  auto f = poll_fn([&calls](Context& cx) -> Poll<int> {
    if (++calls < 3) {
      cx.waker().wake_by_ref();
      return Pending;
    }
    return calls * 10;
  });
  CHECK(block_on(f) == 30);
  CHECK(calls == 3);
}

TEST_CASE("map applies its function once the inner future is ready") {
  int polls = 0;
  auto f = map(CountdownFuture(4, 2, polls), [](int v) { return std::to_string(v * 2); });
  CHECK(block_on(f) == "8");
  CHECK(polls == 2);
}

TEST_CASE("then starts the second future only after the first completes") {
  int first_polls = 0;
  int second_polls = 0;
  bool started = false;
  auto f = then(CountdownFuture(5, 3, first_polls), [&](int v) {
    started = true;
    CHECK(first_polls == 3);
    return CountdownFuture(v + 1, 2, second_polls);
  });
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  CHECK(f.poll(cx).is_pending());
  CHECK(f.poll(cx).is_pending());
  CHECK_FALSE(started);
  CHECK(f.poll(cx).is_pending());  // first completes, second polled once
  CHECK(started);
  Poll<int> done = f.poll(cx);
  REQUIRE(done.is_ready());
  CHECK(*done == 6);
  CHECK(second_polls == 2);
}

TEST_CASE("join waits for all, polls only unfinished children, and maps void to monostate") {
  int a_polls = 0;
  int b_polls = 0;
  auto gate = std::make_shared<Gate>();
  auto f = join(CountdownFuture(1, 1, a_polls), CountdownFuture(2, 3, b_polls), GateFuture(gate));
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  for (int i = 0; i < 3; ++i) {
    CHECK(f.poll(cx).is_pending());
  }
  CHECK(a_polls == 1);  // done after its first poll, never polled again
  CHECK(b_polls == 3);
  CHECK(gate->polls() == 3);
  gate->open();
  auto out = f.poll(cx);
  REQUIRE(out.is_ready());
  CHECK(std::get<0>(*out) == 1);
  CHECK(std::get<1>(*out) == 2);
  static_assert(std::is_same_v<std::tuple_element_t<2, std::remove_reference_t<decltype(*out)>>, std::monostate>);
  CHECK(a_polls == 1);
  CHECK(b_polls == 3);
}

TEST_CASE("select reports the winner and drops the losers before it returns") {
  Lifetimes lifetimes;
  {
    auto f = select(TrackedFuture(lifetimes, 5), TrackedFuture(lifetimes, 2), TrackedFuture(lifetimes, 3));
    CHECK(lifetimes.alive() == 3);
    CountingWaker counter;
    Waker waker = counter.waker();
    Context cx(waker);
    CHECK(f.poll(cx).is_pending());
    auto out = f.poll(cx);
    REQUIRE(out.is_ready());
    CHECK(out->index() == 1);
    CHECK(std::get<1>(*out) == 2);
    CHECK(lifetimes.alive() == 0);  // winner and losers already destroyed
    CHECK_THROWS_AS((void)f.poll(cx), std::logic_error);
  }
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("select polls in order: the first ready child wins a tie") {
  auto f = select(ready(1), ready(2));
  auto out = block_on(f);
  CHECK(out.index() == 0);
}

TEST_CASE("select with a void child reports it as monostate") {
  auto gate = std::make_shared<Gate>();
  gate->open();
  auto out = block_on(select(pending<int>(), GateFuture(gate)));
  CHECK(out.index() == 1);
}

TEST_CASE("yield_now wakes its task once and completes at the second poll") {
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  auto y = yield_now();
  CHECK(y.poll(cx).is_pending());
  CHECK(counter.wakes() == 1);
  CHECK(y.poll(cx).is_ready());
  CHECK(counter.wakes() == 1);
}

TEST_CASE("block_on sleeps until woken from another thread") {
  auto gate = std::make_shared<Gate>();
  std::thread opener([gate] {
    REQUIRE(test::eventually([&] { return gate->was_polled(); }));
    gate->open();
  });
  block_on(GateFuture(gate));
  opener.join();
  CHECK(gate->polls() >= 2);
}

TEST_CASE("block_on rethrows what the future throws") {
  auto f = poll_fn([](Context&) -> Poll<int> { throw std::runtime_error("boom"); });
  CHECK_THROWS_WITH_AS(block_on(f), "boom", std::runtime_error);
}

TEST_SUITE_END();
