// The current-thread runtime: one worker that runs on the thread calling block_on.

#include <dirent.h>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/counted.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

namespace {
int threads_in_process() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* entry = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe): one reader
      count += entry->d_name[0] != '.' ? 1 : 0;
    }
    ::closedir(dir);
  }
  return count;
}
}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a current-thread runtime runs its tasks on the thread that calls block_on") {
  const int threads_before = threads_in_process();
  Runtime rt = Runtime::current_thread();
  CHECK(rt.is_current_thread());
  CHECK(rt.threads() == 1);
  CHECK(threads_in_process() == threads_before);  // no worker thread was started
  const auto caller = std::this_thread::get_id();
  const bool same_thread = rt.block_on([](std::thread::id expected) -> Async<bool> {
    JoinHandle<std::thread::id> child = spawn([]() -> Async<std::thread::id> {
      co_await yield_now();
      co_return std::this_thread::get_id();
    }());
    const std::thread::id child_thread = co_await child;
    co_return std::this_thread::get_id() == expected&& child_thread == expected;
  }(caller));
  CHECK(same_thread);
}

TEST_CASE("tasks spawned between block_on calls run at the next one") {
  Runtime rt = Runtime::current_thread();
  std::atomic<int> ran{0};
  rt.spawn([](std::atomic<int>& r) -> Async<void> {
      r.fetch_add(1);
      co_return;
    }(ran))
      .detach();
  CHECK(ran.load() == 0);  // nobody runs the worker yet
  rt.block_on([]() -> Async<void> { co_await yield_now(); }());
  CHECK(ran.load() == 1);
}

TEST_CASE("a current-thread runtime drives timers, sockets and wakes from other threads") {
  Runtime rt = Runtime::current_thread();
  const bool echoed = rt.block_on([]() -> Async<bool> {
    auto listener = net::TcpListener::bind(test::loopback()).value();
    const auto endpoint = listener.local_endpoint().value();
    net::TcpStream client = (co_await net::TcpStream::connect(endpoint)).value();
    net::TcpStream server = std::move((co_await listener.accept()).value().stream);
    co_await time::sleep_for(2ms);
    if (!co_await client.write_all(net::as_bytes("ping"))) {
      co_return false;
    }
    std::array<std::byte, 4> in{};
    co_return (co_await server.read_exact(in)).ok();
  }());
  CHECK(echoed);
  auto gate = std::make_shared<test::Gate>();
  std::thread opener([gate] {
    REQUIRE(test::eventually([&] { return gate->was_polled(); }));
    gate->open();
  });
  rt.block_on(test::GateFuture(gate));  // woken from the other thread while parked
  opener.join();
}

TEST_CASE("destroying a current-thread runtime drops its unfinished tasks") {
  test::Lifetimes lifetimes;
  {
    Runtime rt = Runtime::current_thread();
    rt.spawn([](test::Tracked held) -> Async<void> {  // the parameter lives in the frame
        (void)held;
        co_await pending();
      }(test::Tracked(lifetimes)))
        .detach();
    rt.block_on([]() -> Async<void> { co_await yield_now(); }());
    CHECK(lifetimes.alive() == 1);
  }
  CHECK(lifetimes.alive() == 0);
}

TEST_SUITE_END();
