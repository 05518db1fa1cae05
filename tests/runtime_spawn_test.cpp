#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Gate;
using test::GateFuture;
using test::Lifetimes;
using test::Tracked;

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a spawned task's output reaches whoever awaits its JoinHandle") {
  Runtime rt(2);
  int out = rt.block_on([]() -> Async<int> {
    JoinHandle<int> a = spawn(ready(20));
    JoinHandle<int> b = spawn([]() -> Async<int> { co_return 22; }());
    co_return co_await a + co_await b;
  }());
  CHECK(out == 42);
}

TEST_CASE("Runtime::spawn from outside spreads tasks over the workers") {
  Runtime rt(2);
  std::vector<JoinHandle<std::size_t>> handles;
  handles.reserve(8);
  for (int i = 0; i < 8; ++i) {
    handles.push_back(
        rt.spawn(poll_fn([](Context&) -> Poll<std::size_t> { return *Runtime::current_worker_index(); })));
  }
  std::set<std::size_t> workers;
  for (auto& h : handles) {
    workers.insert(block_on(h));
  }
  CHECK(workers == std::set<std::size_t>{0, 1});
}

TEST_CASE("spawn_on runs the task on the chosen worker, also when called from another worker") {
  Runtime rt(2);
  for (std::size_t target = 0; target < 2; ++target) {
    std::size_t ran_on = rt.block_on([](std::size_t t) -> Async<std::size_t> {
      co_return co_await spawn_on(
          t, poll_fn([](Context&) -> Poll<std::size_t> { return *Runtime::current_worker_index(); }));
    }(target));
    CHECK(ran_on == target);
  }
  CHECK_THROWS_AS((void)rt.spawn_on(2, ready()), std::out_of_range);
}

TEST_CASE("a task stays on the worker that spawned it") {
  Runtime rt(2);
  bool stayed = rt.block_on([]() -> Async<bool> {
    const std::size_t home = *Runtime::current_worker_index();
    for (int i = 0; i < 100; ++i) {
      co_await yield_now();
      if (*Runtime::current_worker_index() != home) {
        co_return false;
      }
    }
    co_return true;
  }());
  CHECK(stayed);
}

TEST_CASE("an exception thrown by a task reaches the awaiter of its handle") {
  Runtime rt(1);
  auto failing = []() -> Async<int> {
    co_await yield_now();
    throw std::runtime_error("task failed");
  };
  CHECK_THROWS_WITH_AS(rt.block_on(failing()), "task failed", std::runtime_error);
  std::string caught = rt.block_on([&failing]() -> Async<std::string> {
    JoinHandle<int> h = spawn(failing());
    try {
      co_await h;
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "nothing";
  }());
  CHECK(caught == "task failed");
}

TEST_CASE("an aborted task is dropped on its worker and its handle reports cancellation") {
  Runtime rt(2);
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  auto body = [](Lifetimes& l, std::shared_ptr<Gate> g) -> Async<int> {
    Tracked held(l);
    co_await GateFuture(std::move(g));
    co_return 1;
  };
  JoinHandle<int> h = rt.spawn_on(1, body(lifetimes, gate));
  REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  CHECK(lifetimes.alive() == 1);
  CHECK_FALSE(h.is_finished());
  h.abort();
  REQUIRE(test::eventually([&] { return h.is_finished(); }));
  CHECK(lifetimes.alive() == 0);
  CHECK_THROWS_AS(block_on(h), TaskCancelled);
  CHECK(gate->polls() == 1);
}

TEST_CASE("abort after completion changes nothing") {
  Runtime rt(1);
  JoinHandle<int> h = rt.spawn(ready(5));
  REQUIRE(test::eventually([&] { return h.is_finished(); }));
  h.abort();
  CHECK(block_on(h) == 5);
}

TEST_CASE("a task aborted while it is running is cancelled when its poll returns, not polled again") {
  Runtime rt(1);
  std::atomic<int> polls{0};
  std::atomic<bool> aborted{false};
  JoinHandle<void> h = rt.spawn(poll_fn([&](Context& cx) -> Poll<void> {
    polls.fetch_add(1);
    cx.waker().wake_by_ref();  // woken during its poll too: cancellation must still win
    REQUIRE(test::eventually([&] { return aborted.load(); }));
    return Pending;
  }));
  REQUIRE(test::eventually([&] { return polls.load() == 1; }));
  h.abort();
  aborted = true;
  CHECK_THROWS_AS(block_on(h), TaskCancelled);
  CHECK(polls.load() == 1);
}

TEST_CASE("dropping a JoinHandle detaches the task, which still runs to completion") {
  Runtime rt(1);
  auto gate = std::make_shared<Gate>();
  std::atomic<bool> finished{false};
  {
    auto body = [](std::shared_ptr<Gate> g, std::atomic<bool>& f) -> Async<void> {
      co_await GateFuture(std::move(g));
      f = true;
    };
    JoinHandle<void> h = rt.spawn(body(gate, finished));
  }
  REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  gate->open();
  CHECK(test::eventually([&] { return finished.load(); }));
}

TEST_CASE("the output of a detached task is dropped, and a JoinHandle dropped late drops it") {
  Runtime rt(1);
  Lifetimes lifetimes;
  {
    JoinHandle<Tracked> h = rt.spawn(poll_fn([&lifetimes](Context&) -> Poll<Tracked> { return Tracked(lifetimes); }));
    REQUIRE(test::eventually([&] { return h.is_finished(); }));
    CHECK(lifetimes.alive() == 1);  // held in the task for the handle
  }
  CHECK(lifetimes.alive() == 0);
  std::atomic<bool> done{false};
  {
    auto body = [](Lifetimes& l, std::atomic<bool>& d) -> Async<Tracked> {
      co_await yield_now();
      d = true;
      co_return Tracked(l);
    };
    JoinHandle<Tracked> h = rt.spawn(body(lifetimes, done));
    h.detach();
  }
  REQUIRE(test::eventually([&] { return done.load(); }));
  CHECK(test::eventually([&] { return lifetimes.alive() == 0; }));
}

TEST_CASE("a JoinHandle can be awaited from another worker") {
  Runtime rt(2);
  auto gate = std::make_shared<Gate>();
  JoinHandle<int> h = rt.spawn_on(0, [](std::shared_ptr<Gate> g) -> Async<int> {
    co_await GateFuture(std::move(g));
    co_return 7;
  }(gate));
  JoinHandle<int> joiner =
      rt.spawn_on(1, [](JoinHandle<int> inner) -> Async<int> { co_return co_await inner + 1; }(std::move(h)));
  REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  gate->open();
  CHECK(block_on(joiner) == 8);
}

TEST_CASE("spawn outside a runtime and block_on inside one are refused") {
  CHECK_THROWS_AS((void)spawn(ready()), std::logic_error);
  Runtime rt(1);
  bool refused = rt.block_on([]() -> Async<bool> {
    try {
      block_on(ready());
    } catch (const std::logic_error&) {
      co_return true;
    }
    co_return false;
  }());
  CHECK(refused);
}

TEST_CASE("ten thousand tasks spawned from outside all complete") {
  Runtime rt(2);
  std::vector<JoinHandle<std::uint64_t>> handles;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    handles.push_back(rt.spawn(ready(i)));
  }
  std::uint64_t sum = 0;
  for (auto& h : handles) {
    sum += block_on(h);
  }
  CHECK(sum == 10000ULL * 9999 / 2);
}

TEST_CASE("spawn(fn) keeps a coroutine lambda's captures alive for the whole task") {
  // The captures live in the lambda object, not in the coroutine frame: spawn must keep the
  // lambda (before, it called it and dropped it, and the task read freed memory: ASan saw it).
  Runtime rt(1);
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  JoinHandle<std::string> handle;
  {
    std::string text(100, 'x');  // on the heap: a dangling read is a use-after-free
    Tracked tracked(lifetimes, 7);
    handle = rt.spawn([text, tracked = std::move(tracked), gate]() -> Async<std::string> {
      co_await GateFuture{gate};
      co_return text + std::to_string(tracked.value());
    });
  }
  CHECK(lifetimes.alive() == 1);  // the capture, kept by the task
  gate->open();
  CHECK(block_on(std::move(handle)) == std::string(100, 'x') + "7");
  CHECK(lifetimes.alive() == 0);
}

TEST_SUITE_END();
