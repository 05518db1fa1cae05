// Balance: an idle worker takes tasks spawned on a busy one before they are first polled; a
// polled task never moves; spawns from outside go to the least loaded worker.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("runtime");

TEST_CASE("children spawned by a task that blocks its worker run on the idle worker") {
  constexpr int children = 64;
  Runtime rt(2);
  struct Record {
    std::atomic<int> done{0};
    std::array<std::atomic<std::size_t>, children> worker{};
  };
  auto record = std::make_shared<Record>();
  JoinHandle<bool> parent = rt.spawn_on(0, [](std::shared_ptr<Record> r) -> Async<bool> {
    for (int i = 0; i < children; ++i) {
      spawn(poll_fn([r, i](Context&) -> Poll<void> {
        r->worker[i].store(*Runtime::current_worker_index());
        r->done.fetch_add(1);
        return Ready;
      })).detach();
    }
    // Holds worker 0 (no await) until the children have run: only worker 1 can run them.
    co_return test::eventually([&] { return r->done.load() == children; });
  }(record));
  CHECK(block_on(std::move(parent)));
  for (int i = 0; i < children; ++i) {
    CHECK(record->worker[i].load() == 1);
  }
  const std::vector<WorkerMetrics> m = rt.metrics();
  CHECK(m[1].tasks_stolen == children);
  CHECK(m[0].tasks_stolen == 0);
}

TEST_CASE("a task is polled on one thread only, however the tasks around it are balanced") {
  constexpr int tasks = 400;
  constexpr int polls_each = 20;
  Runtime rt(2);
  struct Polls {
    std::mutex mutex;
    std::vector<std::set<std::thread::id>> threads{tasks};
    std::atomic<int> polls{0};
  };
  auto polls = std::make_shared<Polls>();
  const bool stolen = rt.block_on([](std::shared_ptr<Polls> p) -> Async<bool> {
    std::vector<JoinHandle<void>> handles;
    handles.reserve(tasks);
    for (int t = 0; t < tasks; ++t) {
      handles.push_back(spawn([](std::shared_ptr<Polls> q, int id) -> Async<void> {
        for (int i = 0; i < polls_each; ++i) {
          {
            const std::lock_guard lock(q->mutex);
            q->threads[id].insert(std::this_thread::get_id());
          }
          q->polls.fetch_add(1);
          co_await yield_now();
        }
      }(p, t)));
    }
    // Hold this worker until the other has taken some, so that both run children from here on.
    const std::size_t other = 1 - *Runtime::current_worker_index();
    Runtime* runtime = Runtime::current();
    const bool took = test::eventually([&] { return runtime->metrics()[other].tasks_stolen > 0; });
    for (auto& h : handles) {
      co_await h;
    }
    co_return took;
  }(polls));
  CHECK(stolen);
  CHECK(polls->polls.load() == tasks * polls_each);
  for (int t = 0; t < tasks; ++t) {
    CHECK(polls->threads[t].size() == 1);
  }
}

TEST_CASE("a task spawned with spawn_on is never taken by another worker") {
  Runtime rt(2);
  auto done = std::make_shared<std::atomic<int>>(0);
  auto wrong = std::make_shared<std::atomic<int>>(0);
  JoinHandle<bool> parent =
      rt.spawn_on(0, [](std::shared_ptr<std::atomic<int>> d, std::shared_ptr<std::atomic<int>> w) -> Async<bool> {
        for (int i = 0; i < 16; ++i) {
          spawn_on(0, poll_fn([d, w](Context&) -> Poll<void> {
                     if (*Runtime::current_worker_index() != 0) {
                       w->fetch_add(1);
                     }
                     d->fetch_add(1);
                     return Ready;
                   }))
              .detach();
        }
        co_return d->load() == 0;  // none can run while this poll holds worker 0
      }(done, wrong));
  CHECK(block_on(std::move(parent)));
  REQUIRE(test::eventually([&] { return done->load() == 16; }));
  CHECK(wrong->load() == 0);
  CHECK(rt.metrics()[1].tasks_stolen == 0);
}

TEST_CASE("spawns from outside go to the least loaded worker") {
  Runtime rt(2);
  std::vector<std::shared_ptr<test::Gate>> gates;
  std::vector<JoinHandle<std::size_t>> handles;
  auto spawn_waiter = [&](std::optional<std::size_t> on) {
    auto g = std::make_shared<test::Gate>();
    gates.push_back(g);
    auto waiter = [](std::shared_ptr<test::Gate> own) -> Async<std::size_t> {
      const std::size_t worker = *Runtime::current_worker_index();
      co_await test::GateFuture(std::move(own));
      co_return worker;
    }(g);
    handles.push_back(on ? rt.spawn_on(*on, std::move(waiter)) : rt.spawn(std::move(waiter)));
  };
  auto all_polled = [&] {
    return test::eventually([&] {
      for (auto& g : gates) {
        if (!g->was_polled()) {
          return false;
        }
      }
      return true;
    });
  };
  // Even: two each. Then worker 0 gets four more of its own, and the next four from outside
  // all go to worker 1, which ends level with it.
  for (int i = 0; i < 4; ++i) {
    spawn_waiter(std::nullopt);
  }
  REQUIRE(all_polled());
  for (int i = 0; i < 4; ++i) {
    spawn_waiter(0);
  }
  REQUIRE(all_polled());
  for (int i = 0; i < 4; ++i) {
    spawn_waiter(std::nullopt);
  }
  REQUIRE(all_polled());
  for (auto& g : gates) {
    g->open();
  }
  std::vector<std::size_t> workers;
  workers.reserve(handles.size());
  for (auto& h : handles) {
    workers.push_back(block_on(std::move(h)));
  }
  const auto count = [&](std::size_t from, std::size_t to, std::size_t worker) {
    return std::count(workers.begin() + static_cast<std::ptrdiff_t>(from),
                      workers.begin() + static_cast<std::ptrdiff_t>(to), worker);
  };
  CHECK(count(0, 4, 0) == 2);
  CHECK(count(0, 4, 1) == 2);
  CHECK(count(4, 8, 0) == 4);
  CHECK(count(8, 12, 1) == 4);
}

TEST_SUITE_END();
