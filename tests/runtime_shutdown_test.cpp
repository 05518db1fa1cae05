// Runtime shutdown: every unfinished task is dropped, on its own worker, exactly once.

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/oneshot.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Gate;
using test::GateFuture;
using test::Lifetimes;
using test::Tracked;

namespace {

/// Records the thread that destroys it.
class ThreadRecorder {
 public:
  ThreadRecorder(std::mutex& mutex, std::set<std::thread::id>& threads) : mutex_(&mutex), threads_(&threads) {}
  ThreadRecorder(ThreadRecorder&& other) noexcept
      : mutex_(std::exchange(other.mutex_, nullptr)), threads_(other.threads_) {}
  ThreadRecorder(const ThreadRecorder&) = delete;
  ThreadRecorder& operator=(const ThreadRecorder&) = delete;
  ThreadRecorder& operator=(ThreadRecorder&&) = delete;
  ~ThreadRecorder() {
    if (mutex_ != nullptr) {
      const std::lock_guard lock(*mutex_);
      threads_->insert(std::this_thread::get_id());
    }
  }

 private:
  std::mutex* mutex_;
  std::set<std::thread::id>* threads_;
};

}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("shutdown drops every unfinished task once, and their handles report cancellation") {
  Lifetimes lifetimes;
  auto gate = std::make_shared<Gate>();
  std::vector<JoinHandle<int>> handles;
  {
    Runtime rt(2);
    auto body = [](Lifetimes& l, std::shared_ptr<Gate> g) -> Async<int> {
      Tracked held(l);
      co_await GateFuture(std::move(g));
      co_return 1;
    };
    for (int i = 0; i < 100; ++i) {
      handles.push_back(rt.spawn(body(lifetimes, gate)));
    }
    REQUIRE(test::eventually([&] { return gate->polls() == 100; }));
    CHECK(lifetimes.alive() == 100);
  }
  CHECK(lifetimes.alive() == 0);
  CHECK(lifetimes.destroyed.load() == lifetimes.constructed.load());
  for (auto& h : handles) {
    CHECK(h.is_finished());
    CHECK_THROWS_AS(block_on(h), TaskCancelled);
  }
}

TEST_CASE("futures are destroyed on their own worker's thread") {
  std::mutex mutex;
  std::set<std::thread::id> destroyed_on;
  auto gate = std::make_shared<Gate>();
  {
    Runtime rt(2);
    auto body = [](ThreadRecorder recorder, std::shared_ptr<Gate> g) -> Async<void> {
      ThreadRecorder held = std::move(recorder);
      co_await GateFuture(std::move(g));
    };
    for (std::size_t w = 0; w < 2; ++w) {
      rt.spawn_on(w, body(ThreadRecorder(mutex, destroyed_on), gate)).detach();
    }
    REQUIRE(test::eventually([&] { return gate->polls() == 2; }));
  }
  CHECK(destroyed_on.size() == 2);
  CHECK(destroyed_on.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("tasks spawned and woken by destructors during shutdown are dropped too") {
  Lifetimes lifetimes;
  {
    Runtime rt(1);
    // The outer task's future owns a oneshot sender; dropping it wakes the inner task, and the
    // destructor of a guard spawns one more task. Shutdown must finish all of them.
    struct SpawnOnDrop {
      Lifetimes* lifetimes;
      explicit SpawnOnDrop(Lifetimes& l) : lifetimes(&l) {}
      SpawnOnDrop(SpawnOnDrop&& other) noexcept : lifetimes(std::exchange(other.lifetimes, nullptr)) {}
      SpawnOnDrop(const SpawnOnDrop&) = delete;
      SpawnOnDrop& operator=(const SpawnOnDrop&) = delete;
      SpawnOnDrop& operator=(SpawnOnDrop&&) = delete;
      ~SpawnOnDrop() {
        if (lifetimes != nullptr) {
          spawn([](Tracked t) -> Async<void> {
            Tracked held = std::move(t);
            co_await pending();
          }(Tracked(*lifetimes)))
              .detach();
        }
      }
    };
    auto [tx, rx] = oneshot::channel<int>();
    auto waiter = [](oneshot::Receiver<int> r, Tracked t) -> Async<void> {
      Tracked held = std::move(t);
      (void)co_await r;
      co_await pending();
    };
    auto owner = [](oneshot::Sender<int> s, SpawnOnDrop guard) -> Async<void> {
      oneshot::Sender<int> held = std::move(s);
      SpawnOnDrop g = std::move(guard);
      co_await pending();
    };
    rt.spawn(waiter(std::move(rx), Tracked(lifetimes))).detach();
    rt.spawn(owner(std::move(tx), SpawnOnDrop(lifetimes))).detach();
    rt.block_on(ready());
  }
  CHECK(lifetimes.constructed.load() >= 2);
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("tasks spawned across workers by destructors during shutdown are cancelled, not leaked") {
  Lifetimes lifetimes;
  std::mutex mutex;
  std::vector<JoinHandle<void>> late;
  {
    Runtime rt(2);
    // Dropped during shutdown, on worker 1: spawns onto worker 0, which may still be shutting
    // down (the task goes through its inbox) or may have finished (the runtime drops it).
    class LateSpawner {
     public:
      LateSpawner(Runtime& rt, Lifetimes& l, std::mutex& m, std::vector<JoinHandle<void>>& out)
          : rt_(&rt), lifetimes_(&l), mutex_(&m), out_(&out) {}
      LateSpawner(LateSpawner&& other) noexcept
          : rt_(std::exchange(other.rt_, nullptr)),
            lifetimes_(other.lifetimes_),
            mutex_(other.mutex_),
            out_(other.out_) {}
      LateSpawner(const LateSpawner&) = delete;
      LateSpawner& operator=(const LateSpawner&) = delete;
      LateSpawner& operator=(LateSpawner&&) = delete;
      ~LateSpawner() {
        if (rt_ != nullptr) {
          JoinHandle<void> h = rt_->spawn_on(0, [](Tracked t) -> Async<void> {
            Tracked held = std::move(t);
            co_await pending();
          }(Tracked(*lifetimes_)));
          const std::lock_guard lock(*mutex_);
          out_->push_back(std::move(h));
        }
      }

     private:
      Runtime* rt_;
      Lifetimes* lifetimes_;
      std::mutex* mutex_;
      std::vector<JoinHandle<void>>* out_;
    };
    auto body = [](LateSpawner s) -> Async<void> {
      LateSpawner held = std::move(s);
      co_await pending();
    };
    for (int i = 0; i < 20; ++i) {
      rt.spawn_on(1, body(LateSpawner(rt, lifetimes, mutex, late))).detach();
    }
    rt.block_on(ready());
  }
  REQUIRE(late.size() == 20);
  CHECK(lifetimes.alive() == 0);
  for (auto& h : late) {
    CHECK_THROWS_AS(block_on(h), TaskCancelled);
  }
}

TEST_SUITE_END();
