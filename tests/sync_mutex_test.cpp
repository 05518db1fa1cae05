#include <doctest/doctest.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/death.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/mutex.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("a guard gives access to the value and unlocks when dropped") {
  Mutex<std::string> mutex("a");
  Manual m;
  {
    Mutex<std::string>::Lock lock = mutex.lock();
    Poll<MutexGuard<std::string>> guard = lock.poll(m.cx);
    REQUIRE(guard.is_ready());
    **guard += "b";
    CHECK((*guard)->size() == 2);
    CHECK_FALSE(mutex.try_lock());
  }
  std::optional<MutexGuard<std::string>> again = mutex.try_lock();
  REQUIRE(again);
  CHECK(**again == "ab");
}

TEST_CASE("a moved guard keeps the lock; the moved-from one releases nothing") {
  Mutex<int> mutex(std::in_place, 7);
  std::optional<MutexGuard<int>> first = mutex.try_lock();
  REQUIRE(first);
  MutexGuard<int> moved = std::move(*first);
  first.reset();
  CHECK_FALSE(mutex.try_lock());
  CHECK(*moved == 7);
}

TEST_CASE("lock is FIFO: waiters get the lock in the order they queued") {
  Mutex<std::vector<int>> mutex;
  std::optional<MutexGuard<std::vector<int>>> held = mutex.try_lock();
  constexpr int waiters = 5;
  std::vector<std::unique_ptr<Manual>> contexts;
  std::vector<std::unique_ptr<Mutex<std::vector<int>>::Lock>> locks;
  contexts.reserve(waiters);
  locks.reserve(waiters);
  for (int i = 0; i < waiters; ++i) {
    contexts.push_back(std::make_unique<Manual>());
    locks.push_back(std::make_unique<Mutex<std::vector<int>>::Lock>(mutex.lock()));
    CHECK(locks.back()->poll(contexts.back()->cx).is_pending());
  }
  held.reset();
  std::vector<bool> done(waiters, false);
  for (int turn = 0; turn < waiters; ++turn) {
    // Poll the waiters latest first: only the oldest is given the lock.
    for (int i = waiters - 1; i >= 0; --i) {
      if (done[i]) {
        continue;
      }
      Poll<MutexGuard<std::vector<int>>> guard = locks[i]->poll(contexts[i]->cx);
      if (guard.is_ready()) {
        (*guard)->push_back(i);
        done[i] = true;
      }
    }
  }
  std::optional<MutexGuard<std::vector<int>>> last = mutex.try_lock();
  REQUIRE(last);
  CHECK(**last == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("try_lock fails while someone waits, even when the lock is being handed over") {
  Mutex<int> mutex;
  Manual m;
  std::optional<MutexGuard<int>> held = mutex.try_lock();
  Mutex<int>::Lock waiting = mutex.lock();
  CHECK(waiting.poll(m.cx).is_pending());
  held.reset();
  CHECK_FALSE(mutex.try_lock());  // it belongs to the waiter now
  CHECK(waiting.poll(m.cx).is_ready());
}

TEST_CASE("cancel safety: a dropped lock future that had been given the lock passes it on") {
  Mutex<int> mutex;
  Manual a;
  Manual b;
  std::optional<MutexGuard<int>> held = mutex.try_lock();
  Mutex<int>::Lock second = mutex.lock();
  {
    Mutex<int>::Lock first = mutex.lock();
    CHECK(first.poll(a.cx).is_pending());
    CHECK(second.poll(b.cx).is_pending());
    held.reset();
    CHECK(a.counter.wakes() == 1);
  }
  CHECK(b.counter.wakes() == 1);
  {
    Poll<MutexGuard<int>> guard = second.poll(b.cx);
    REQUIRE(guard.is_ready());
  }
  CHECK(mutex.try_lock());
}

TEST_CASE("a lock future moved after its first poll aborts with a message naming it") {
  std::optional<std::string> err = test::aborts_with([] {
    Mutex<int> mutex;
    Manual m;
    std::optional<MutexGuard<int>> held = mutex.try_lock();
    Mutex<int>::Lock lock = mutex.lock();
    (void)lock.poll(m.cx);
    Mutex<int>::Lock moved(std::move(lock));
  });
  REQUIRE(err);
  CHECK(err->find("wakeful: Mutex::Lock moved after its first poll") != std::string::npos);
}

namespace {

struct Shared {
  Mutex<long> total;
  long plain = 0;       // guarded by `total`'s lock too: TSan sees a race if exclusion fails
  bool inside = false;  // likewise
  int overlaps = 0;     // likewise
};

Async<void> add_many(Shared& shared, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    MutexGuard<long> guard = co_await shared.total.lock();
    if (shared.inside) {
      ++shared.overlaps;
    }
    shared.inside = true;
    const long before = *guard;
    co_await yield_now();  // hold the lock across a suspension
    *guard = before + 1;
    ++shared.plain;
    shared.inside = false;
  }
}

}  // namespace

TEST_CASE("16 tasks on 2 and 4 workers: mutual exclusion, an exact total") {
  for (const std::size_t threads : {2U, 4U}) {
    CAPTURE(threads);
    constexpr int tasks = 16;
    constexpr int rounds = 400;
    Runtime rt(threads);
    Shared shared;
    std::vector<JoinHandle<void>> handles;
    handles.reserve(tasks);
    for (int t = 0; t < tasks; ++t) {
      handles.push_back(rt.spawn(add_many(shared, rounds)));
    }
    for (auto& handle : handles) {
      rt.block_on(std::move(handle));
    }
    std::optional<MutexGuard<long>> total = shared.total.try_lock();
    REQUIRE(total);
    CHECK(**total == static_cast<long>(tasks) * rounds);
    CHECK(shared.plain == static_cast<long>(tasks) * rounds);
    CHECK(shared.overlaps == 0);
  }
}

TEST_SUITE_END();
