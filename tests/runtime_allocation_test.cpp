// A task is one heap allocation, also when its future is a coroutine that spawn makes; only
// such a coroutine's frame carries room for a task. (Not built under ThreadSanitizer, whose
// runtime owns operator new.)

#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "support/alloc_counter.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::size_t tasks = 1000;

/// Spawns `tasks` tasks with `spawn_one(i)` (each of output i) on a worker, after a warm-up round
/// that lets the run queue grow to its working size; returns the heap allocations the spawns made.
template <class SpawnOne>
std::size_t allocations_of_spawns(SpawnOne spawn_one) {
  Runtime rt(1);
  auto spawn_many = [](SpawnOne spawn_with) -> Async<std::size_t> {
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
      handles.push_back(spawn_with(i));
    }
    const std::size_t used = test::allocations_on_this_thread - before;
    std::uint64_t sum = 0;
    for (auto& h : handles) {
      sum += co_await h;
    }
    CHECK(sum == tasks * (tasks - 1) / 2);
    co_return used;
  };
  return rt.block_on(spawn_many(std::move(spawn_one)));
}

Async<std::uint64_t> identity(std::uint64_t v) { co_return v; }

}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a task costs exactly one heap allocation") {
  CHECK(allocations_of_spawns([](std::uint64_t i) {
          return spawn(poll_fn([i](Context&) -> Poll<std::uint64_t> { return i; }));
        }) == tasks);
}

TEST_CASE("a coroutine that spawn makes costs exactly one heap allocation, its frame included") {
  CHECK(allocations_of_spawns([](std::uint64_t i) { return spawn(identity, i); }) == tasks);
}

TEST_CASE("a coroutine made before it is spawned costs its frame and its task") {
  CHECK(allocations_of_spawns([](std::uint64_t i) { return spawn(identity(i)); }) == 2 * tasks);
}

TEST_CASE("only a coroutine that spawn makes carries room for its task") {
  // Each frame escapes its scope (awaited, spawned, block_on'd), so no compiler elides its
  // allocation.
  Runtime rt(1);
  auto measure = []() -> Async<std::size_t> {
    std::size_t mark = test::bytes_allocated_on_this_thread;
    CHECK(co_await identity(2) == 2);  // awaited: the frame alone
    const std::size_t plain_frame = test::bytes_allocated_on_this_thread - mark;
    CHECK(plain_frame > 0);
    CHECK(plain_frame < detail::task_room_prefix<std::uint64_t>);  // a frame this small has no room

    mark = test::bytes_allocated_on_this_thread;
    JoinHandle<std::uint64_t> made_before = spawn(identity(3));  // the frame, then the task apart
    CHECK(test::bytes_allocated_on_this_thread - mark == plain_frame + sizeof(detail::TaskCell<Async<std::uint64_t>>));
    CHECK(co_await made_before == 3);

    mark = test::bytes_allocated_on_this_thread;
    JoinHandle<std::uint64_t> made_by_spawn = spawn(identity, 4);  // one block: room and frame
    CHECK(test::bytes_allocated_on_this_thread - mark == detail::task_room_prefix<std::uint64_t> + plain_frame);
    CHECK(co_await made_by_spawn == 4);
    co_return plain_frame;
  };
  const std::size_t plain = rt.block_on(measure());

  std::size_t before = test::bytes_allocated_on_this_thread;
  CHECK(block_on(ready(std::uint64_t{5})) == 5);
  const std::size_t block_on_itself = test::bytes_allocated_on_this_thread - before;
  before = test::bytes_allocated_on_this_thread;
  CHECK(block_on(identity(5)) == 5);  // block_on'd: the frame alone
  CHECK(test::bytes_allocated_on_this_thread - before == block_on_itself + plain);
}

TEST_SUITE_END();
