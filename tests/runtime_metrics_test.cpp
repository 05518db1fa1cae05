#include <doctest/doctest.h>

#include <memory>
#include <thread>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

TEST_SUITE_BEGIN("runtime");

TEST_CASE("worker metrics count spawns, polls and local wakes exactly") {
  Runtime rt(1);
  const WorkerMetrics before = rt.metrics()[0];
  CHECK(before.tasks_spawned == 0);
  CHECK(before.polls == 0);
  rt.block_on([]() -> Async<void> {
    for (int i = 0; i < 10; ++i) {
      spawn(ready()).detach();
    }
    co_await yield_now();
  }());
  const WorkerMetrics after = rt.metrics()[0];
  // 1 block_on task + 10 children; the block_on task is polled twice (it yields once), each
  // child once.
  CHECK(after.tasks_spawned == 11);
  CHECK(after.tasks_alive == 0);
  CHECK(after.polls == 12);
  CHECK(after.wakes_local == 1);  // the yield
  CHECK(after.wakes_remote == 0);
  CHECK(rt.threads() == 1);
}

TEST_CASE("a wake from another thread counts as remote, and an idle worker parks") {
  Runtime rt(1);
  auto gate = std::make_shared<test::Gate>();
  JoinHandle<void> h = rt.spawn(test::GateFuture(gate));
  REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  REQUIRE(test::eventually([&] { return rt.metrics()[0].parks >= 1; }));
  gate->open();
  block_on(h);
  const WorkerMetrics m = rt.metrics()[0];
  CHECK(m.wakes_remote == 1);
  CHECK(m.tasks_alive == 0);
  CHECK(m.parks >= 1);
}

TEST_CASE("metrics are reported per worker") {
  Runtime rt(3);
  for (std::size_t w = 0; w < 3; ++w) {
    rt.spawn_on(w, ready()).detach();
  }
  for (std::size_t w = 0; w < 3; ++w) {
    CHECK(test::eventually([&] { return rt.metrics()[w].tasks_spawned == 1 && rt.metrics()[w].tasks_alive == 0; }));
  }
  CHECK(rt.metrics().size() == 3);
}

TEST_SUITE_END();
