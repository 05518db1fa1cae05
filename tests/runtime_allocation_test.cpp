// A task is one heap allocation, also when its future is a coroutine. (Not built under
// ThreadSanitizer, whose runtime owns operator new.)

#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "support/alloc_counter.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::size_t tasks = 1000;

/// Spawns `tasks` futures made by `make(i)` (each of output i) on a worker, after a warm-up round
/// that lets the run queue grow to its working size; returns the heap allocations the spawns made.
template <class Make>
std::size_t allocations_of_spawns(Make make) {
  Runtime rt(1);
  auto spawn_many = [](Make make_future) -> Async<std::size_t> {
    std::vector<JoinHandle<std::uint64_t>> handles;
    handles.reserve(tasks);
    for (std::uint64_t i = 0; i < tasks; ++i) {
      handles.push_back(spawn(ready(i)));
    }
    for (auto& h : handles) {
      co_await h;
    }
    handles.clear();
    const std::size_t before = test::allocations_on_this_thread;
    for (std::uint64_t i = 0; i < tasks; ++i) {
      handles.push_back(spawn(make_future(i)));
    }
    const std::size_t used = test::allocations_on_this_thread - before;
    std::uint64_t sum = 0;
    for (auto& h : handles) {
      sum += co_await h;
    }
    CHECK(sum == tasks * (tasks - 1) / 2);
    co_return used;
  };
  return rt.block_on(spawn_many(std::move(make)));
}

}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a task costs exactly one heap allocation") {
  CHECK(allocations_of_spawns(
            [](std::uint64_t i) { return poll_fn([i](Context&) -> Poll<std::uint64_t> { return i; }); }) == tasks);
}

TEST_CASE("a spawned coroutine costs exactly one heap allocation, its frame included") {
  CHECK(allocations_of_spawns(
            [](std::uint64_t i) { return [](std::uint64_t v) -> Async<std::uint64_t> { co_return v; }(i); }) == tasks);
}

TEST_SUITE_END();
