#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/mpsc.hpp"
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

namespace {

// Two tasks, one on each worker, pass a counter back and forth `rounds` times over two channels:
// every hand-over wakes a task on the other worker.
void ping_pong(Runtime& rt, int rounds) {
  auto [to_right, right_rx] = mpsc::channel<int>(1);
  auto [to_left, left_rx] = mpsc::channel<int>(1);
  JoinHandle<int> right = rt.spawn_on(1, [](mpsc::Receiver<int> rx, mpsc::Sender<int> tx) -> Async<int> {
    int last = 0;
    while (std::optional<int> n = co_await rx.recv()) {
      last = *n;
      (void)co_await tx.send(*n + 1);
    }
    co_return last;
  }(std::move(right_rx), std::move(to_left)));
  JoinHandle<int> left = rt.spawn_on(0, [](mpsc::Sender<int> tx, mpsc::Receiver<int> rx, int rounds) -> Async<int> {
    int n = 0;
    for (int i = 0; i < rounds; ++i) {
      (void)co_await tx.send(n);
      n = (co_await rx.recv()).value_or(-1);
    }
    co_return n;
  }(std::move(to_right), std::move(left_rx), rounds));
  CHECK(block_on(std::move(left)) == rounds);
  CHECK(block_on(std::move(right)) == rounds - 1);
}

}  // namespace

// A worker woken by another spins on its inbox for a moment before parking (worker.cpp,
// spin_before_park); the metrics count the spins that found work. On a loaded machine a spin can
// miss every time for a while, so the exchange goes on until one is seen (for 30 s at most).
TEST_CASE("workers handing tasks back and forth spin before parking, and the spins are counted") {
  Runtime rt(2);
  const auto spins = [&rt] { return rt.metrics()[0].spins + rt.metrics()[1].spins; };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (spins() == 0 && std::chrono::steady_clock::now() < give_up) {
    ping_pong(rt, 2'000);
  }
  CHECK(spins() > 0);
}

TEST_CASE("a lone worker never spins: only another worker's wake can end a spin early") {
  Runtime rt(1);
  for (int i = 0; i < 20; ++i) {
    auto gate = std::make_shared<test::Gate>();
    JoinHandle<void> h = rt.spawn(test::GateFuture(gate));
    REQUIRE(test::eventually([&] { return gate->was_polled(); }));
    gate->open();  // from this thread, through the inbox
    block_on(h);
  }
  const WorkerMetrics m = rt.metrics()[0];
  CHECK(m.wakes_remote == 20);
  CHECK(m.spins == 0);
}

TEST_SUITE_END();
