// Asio interop both ways: use_future turns Asio operations into futures; plain Asio handlers on
// a worker's io_context spawn tasks and wake wakers.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "support/asio.hpp"
#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/sleep.hpp"
#include "wakeful/use_future.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("asio");

TEST_CASE("use_future turns an Asio timer wait into a future") {
  Runtime rt(1);
  const io::Result<void> waited = rt.block_on([]() -> Async<io::Result<void>> {
    asio::steady_timer timer(current_io_context(), 5ms);
    co_return co_await timer.async_wait(use_future);
  }());
  CHECK(waited.ok());
}

TEST_CASE("use_future resolves a host name") {
  Runtime rt(1);
  const bool found_loopback = rt.block_on([]() -> Async<bool> {
    asio::ip::tcp::resolver resolver(current_io_context());
    auto results = co_await resolver.async_resolve("localhost", "8080", use_future);
    if (!results) {
      co_return false;
    }
    for (const auto& entry : *results) {
      if (entry.endpoint().address().is_loopback() && entry.endpoint().port() == 8080) {
        co_return true;
      }
    }
    co_return false;
  }());
  CHECK(found_loopback);
}

TEST_CASE("use_future does nothing until polled, and dropping it cancels the operation") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    asio::steady_timer timer(current_io_context(), 1h);
    auto wait = timer.async_wait(use_future);
    if (timer.cancel() != 0) {
      co_return false;  // started before the first poll
    }
    {
      auto started = timer.async_wait(use_future);
      auto first = co_await select(std::move(started), time::sleep_for(1ms));
      if (first.index() != 1) {
        co_return false;
      }
    }  // the wait's future is dropped here: its cancellation is emitted at once on its worker
    co_await time::sleep_for(1ms);
    co_return timer.cancel() == 0;  // nothing left to cancel
  }());
  CHECK(ok);
}

TEST_CASE("a handler on a worker's io_context can spawn tasks and wake wakers") {
  Runtime rt(2);
  std::atomic<int> spawned_ran{0};
  auto gate = std::make_shared<test::Gate>();
  JoinHandle<void> waiting = rt.spawn_on(1, test::GateFuture(gate));
  REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  const Waker stored = gate->stored_waker();
  asio::post(rt.io_context(1), [&spawned_ran, gate] {
    spawn([](std::atomic<int>& ran) -> Async<void> {
      ran.fetch_add(1);
      co_return;
    }(spawned_ran))
        .detach();
    gate->open();  // wakes the task from inside the Asio handler
  });
  block_on(waiting);
  CHECK(test::eventually([&] { return spawned_ran.load() == 1; }));
  // Both tasks ran; the one spawned from the handler may have been taken by the idle worker 0
  // before its first poll (balance), and a task counts where it first runs.
  CHECK(rt.metrics()[0].tasks_spawned + rt.metrics()[1].tasks_spawned == 2);
  CHECK_THROWS_AS((void)rt.io_context(2), std::out_of_range);
  CHECK_THROWS_AS((void)current_io_context(), std::logic_error);
}

TEST_SUITE_END();
