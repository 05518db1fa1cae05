// A task is one heap allocation, also when its future is a coroutine. (Not built under
// ThreadSanitizer, whose runtime owns operator new.)

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "support/alloc_counter.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a task costs exactly one heap allocation") {
  Runtime rt(1);
  constexpr std::size_t tasks = 1000;
  auto spawn_many = []() -> Async<std::size_t> {
    std::vector<JoinHandle<std::uint64_t>> handles;
    handles.reserve(tasks);
    // Warm up: let the run queue grow to its working size first.
    for (std::uint64_t i = 0; i < tasks; ++i) {
      handles.push_back(spawn(ready(i)));
    }
    for (auto& h : handles) {
      co_await h;
    }
    handles.clear();
    const std::size_t before = test::allocations_on_this_thread;
    for (std::uint64_t i = 0; i < tasks; ++i) {
      handles.push_back(spawn(poll_fn([i](Context&) -> Poll<std::uint64_t> { return i; })));
    }
    const std::size_t used = test::allocations_on_this_thread - before;
    for (auto& h : handles) {
      co_await h;
    }
    co_return used;
  };
  CHECK(rt.block_on(spawn_many()) == tasks);
}

TEST_CASE("a spawned coroutine costs exactly one heap allocation, its frame included") {
  Runtime rt(1);
  constexpr std::size_t tasks = 1000;
  auto spawn_many = []() -> Async<std::size_t> {
    auto body = [](std::uint64_t v) -> Async<std::uint64_t> { co_return v; };
    std::vector<JoinHandle<std::uint64_t>> handles;
    handles.reserve(tasks);
    for (std::uint64_t i = 0; i < tasks; ++i) {  // warm-up, as above
      handles.push_back(spawn(body(i)));
    }
    for (auto& h : handles) {
      co_await h;
    }
    handles.clear();
    const std::size_t before = test::allocations_on_this_thread;
    for (std::uint64_t i = 0; i < tasks; ++i) {
      handles.push_back(spawn(body(i)));
    }
    const std::size_t used = test::allocations_on_this_thread - before;
    std::uint64_t sum = 0;
    for (auto& h : handles) {
      sum += co_await h;
    }
    CHECK(sum == tasks * (tasks - 1) / 2);
    co_return used;
  };
  CHECK(rt.block_on(spawn_many()) == tasks);
}

TEST_SUITE_END();
