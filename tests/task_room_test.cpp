// A coroutine that spawn(fn, args...) makes has its task in the room in front of its frame
// (detail/task_room.hpp): whichever way the task ends, the frame and the task are each destroyed
// once, and the block is freed once, after both. A coroutine made otherwise has no room and is
// spawned with its task apart. AddressSanitizer and ThreadSanitizer check the memory side.

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/join_set.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Gate;
using test::GateFuture;
using test::Lifetimes;
using test::Tracked;

namespace {

/// Waits for `gate`, holding `held` in its frame, then returns a string long enough to live on
/// the heap (so that a lost output leaks visibly).
Async<std::string> wait_then_greet(std::shared_ptr<Gate> gate, Tracked held) {
  co_await GateFuture(std::move(gate));
  co_return std::string(64, 'a') + std::to_string(held.value());
}

struct alignas(64) OverAligned {
  std::uint64_t value;
};

}  // namespace

TEST_SUITE_BEGIN("task");

TEST_CASE("a spawned coroutine's output outlives its frame") {
  Runtime rt(1);
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  JoinHandle<std::string> handle = rt.spawn(wait_then_greet, gate, Tracked(lifetimes, 7));
  REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  gate->open();
  REQUIRE(test::eventually([&] { return handle.is_finished(); }));
  CHECK(lifetimes.alive() == 0);  // the frame is gone, the output is still held by the task
  CHECK(block_on(std::move(handle)) == std::string(64, 'a') + "7");
}

TEST_CASE("a spawned coroutine aborted before its first poll destroys its frame once") {
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  {
    Runtime rt(1);
    // Occupies the worker, so that the abort surely comes before the coroutine's first poll.
    std::atomic<bool> occupied{false};
    std::atomic<bool> release{false};
    auto occupier = rt.spawn(poll_fn([&](Context& /*cx*/) -> Poll<void> {
      occupied = true;
      while (!release.load()) {
        std::this_thread::yield();
      }
      return Ready;
    }));
    REQUIRE(test::eventually([&] { return occupied.load(); }));
    JoinHandle<std::string> handle = rt.spawn(wait_then_greet, gate, Tracked(lifetimes, 1));
    handle.abort();
    release = true;
    CHECK_THROWS_AS(block_on(std::move(handle)), TaskCancelled);
    block_on(std::move(occupier));
  }
  CHECK_FALSE(gate->was_polled());
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("a coroutine stranded by shutdown is destroyed with its task, and a waker may outlive both") {
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  JoinHandle<std::string> handle;
  {
    Runtime rt(1);
    handle = rt.spawn(wait_then_greet, gate, Tracked(lifetimes, 2));
    REQUIRE(test::eventually([&] { return gate->was_polled(); }));
  }
  CHECK(lifetimes.alive() == 0);
  Waker stale = gate->stored_waker();  // a clone of the task's waker keeps only its header
  CHECK_THROWS_AS(block_on(std::move(handle)), TaskCancelled);
  std::move(stale).wake();  // the runtime is gone: nothing happens, nothing is touched twice
}

TEST_CASE("a coroutine polled before it is spawned goes on where it stopped") {
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  Async<std::string> greeting = wait_then_greet(gate, Tracked(lifetimes, 3));
  test::CountingWaker counting;
  const Waker waker = counting.waker();
  Context cx(waker);
  REQUIRE(greeting.poll(cx).is_pending());
  CHECK(gate->polls() == 1);

  Runtime rt(1);
  JoinHandle<std::string> handle = rt.spawn(std::move(greeting));
  REQUIRE(test::eventually([&] { return gate->polls() == 2; }));
  gate->open();
  CHECK(block_on(std::move(handle)) == std::string(64, 'a') + "3");
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("coroutines that are never spawned free their frames as before") {
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  gate->open();
  { Async<std::string> dropped = wait_then_greet(gate, Tracked(lifetimes, 4)); }
  auto outer = [](std::shared_ptr<Gate> g, Lifetimes& l) -> Async<std::string> {
    co_return co_await wait_then_greet(std::move(g), Tracked(l, 5));
  };
  CHECK(block_on(outer(gate, lifetimes)) == std::string(64, 'a') + "5");
  Runtime rt(1);
  CHECK(rt.block_on(outer(gate, lifetimes)) == std::string(64, 'a') + "5");
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("spawning an empty Async reports the misuse through its JoinHandle") {
  Runtime rt(1);
  auto gate = std::make_shared<Gate>();
  gate->open();
  Lifetimes lifetimes;
  Async<std::string> original = wait_then_greet(gate, Tracked(lifetimes, 6));
  Async<std::string> moved = std::move(original);
  JoinHandle<std::string> empty = rt.spawn(std::move(original));  // NOLINT(bugprone-use-after-move)
  CHECK_THROWS_AS(block_on(std::move(empty)), std::logic_error);
  CHECK(block_on(rt.spawn(std::move(moved))) == std::string(64, 'a') + "6");
}

TEST_CASE("a coroutine made within spawn's call but not spawned frees its room with its frame") {
  Runtime rt(1);
  auto gate = std::make_shared<Gate>();
  gate->open();
  Lifetimes lifetimes;
  // The first frame made in the call gets the room; it is dropped, and the coroutine returned
  // is spawned with its task apart.
  JoinHandle<std::string> handle = rt.spawn(
      [&lifetimes](std::shared_ptr<Gate> g) {
        { Async<std::string> first = wait_then_greet(g, Tracked(lifetimes, 8)); }
        return wait_then_greet(std::move(g), Tracked(lifetimes, 9));
      },
      gate);
  CHECK(block_on(std::move(handle)) == std::string(64, 'a') + "9");
  // And a spawned coroutine made before the call that asks for a room has none to give.
  Async<std::string> made_before = wait_then_greet(gate, Tracked(lifetimes, 10));
  handle = rt.spawn([&made_before] { return std::move(made_before); });
  CHECK(block_on(std::move(handle)) == std::string(64, 'a') + "10");
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("JoinSet::spawn(fn, args...) runs the coroutine it makes in the room of its frame") {
  Runtime rt(1);
  auto gate = std::make_shared<Gate>();
  gate->open();
  Lifetimes lifetimes;
  auto collect = [](std::shared_ptr<Gate> g, Lifetimes& l) -> Async<std::size_t> {
    JoinSet<std::string> set;
    for (int i = 0; i < 10; ++i) {
      set.spawn(wait_then_greet, g, Tracked(l, i));
    }
    std::size_t joined = 0;
    while (auto greeting = co_await set.join_next()) {
      CHECK(greeting->starts_with(std::string(64, 'a')));
      ++joined;
    }
    co_return joined;
  };
  CHECK(rt.block_on(collect(gate, lifetimes)) == 10);
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("a coroutine with an over-aligned output is spawned apart from its frame") {
  Runtime rt(1);
  auto make = [](std::uint64_t v) -> Async<OverAligned> { co_return OverAligned{v * 3}; };
  std::vector<JoinHandle<OverAligned>> handles;
  for (std::uint64_t i = 0; i < 100; ++i) {
    handles.push_back(rt.spawn(make, i));
  }
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK(block_on(std::move(handles[i])).value == i * 3);
  }
}

TEST_CASE("coroutines spawned from many threads onto other workers all complete once") {
  Runtime rt(2);
  Lifetimes lifetimes;
  constexpr int per_thread = 500;
  std::vector<std::thread> spawners;
  std::vector<std::vector<JoinHandle<std::string>>> handles(4);
  auto gate = std::make_shared<Gate>();
  gate->open();
  for (std::size_t t = 0; t < handles.size(); ++t) {
    spawners.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        handles[t].push_back(rt.spawn(wait_then_greet, gate, Tracked(lifetimes, i)));
      }
    });
  }
  for (auto& spawner : spawners) {
    spawner.join();
  }
  for (auto& from_one_thread : handles) {
    for (int i = 0; i < per_thread; ++i) {
      CHECK(block_on(std::move(from_one_thread[static_cast<std::size_t>(i)])) ==
            std::string(64, 'a') + std::to_string(i));
    }
  }
  CHECK(lifetimes.alive() == 0);
}

TEST_SUITE_END();
