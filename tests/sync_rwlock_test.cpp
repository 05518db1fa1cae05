#include <doctest/doctest.h>

#include <atomic>
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
#include "wakeful/sync/rwlock.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("many readers at once; a writer excludes them all") {
  RwLock<int> lock(5);
  std::optional<RwLockReadGuard<int>> r1 = lock.try_read();
  std::optional<RwLockReadGuard<int>> r2 = lock.try_read();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(**r1 + **r2 == 10);
  CHECK_FALSE(lock.try_write());
  r1.reset();
  CHECK_FALSE(lock.try_write());
  r2.reset();
  std::optional<RwLockWriteGuard<int>> w = lock.try_write();
  REQUIRE(w);
  **w = 6;
  CHECK_FALSE(lock.try_read());
  CHECK_FALSE(lock.try_write());
  w.reset();
  std::optional<RwLockReadGuard<int>> r3 = lock.try_read();
  REQUIRE(r3);
  CHECK(**r3 == 6);
}

TEST_CASE("a waiting writer is not starved: readers that come after it wait behind it") {
  RwLock<int> lock;
  Manual w;
  Manual late;
  std::optional<RwLockReadGuard<int>> early1 = lock.try_read();
  std::optional<RwLockReadGuard<int>> early2 = lock.try_read();
  RwLock<int>::Write write = lock.write();
  CHECK(write.poll(w.cx).is_pending());
  CHECK_FALSE(lock.try_read());  // a new reader may not overtake the writer
  RwLock<int>::Read read = lock.read();
  CHECK(read.poll(late.cx).is_pending());
  early1.reset();
  CHECK(w.counter.wakes() == 0);  // one reader left
  CHECK(write.poll(w.cx).is_pending());
  early2.reset();
  CHECK(w.counter.wakes() == 1);
  CHECK(late.counter.wakes() == 0);
  {
    Poll<RwLockWriteGuard<int>> guard = write.poll(w.cx);
    REQUIRE(guard.is_ready());
    **guard = 42;
    CHECK(read.poll(late.cx).is_pending());
  }
  CHECK(late.counter.wakes() == 1);
  Poll<RwLockReadGuard<int>> seen = read.poll(late.cx);
  REQUIRE(seen.is_ready());
  CHECK(**seen == 42);
}

TEST_CASE("requests are served in arrival order: readers queued together enter together") {
  RwLock<int> lock;
  std::optional<RwLockWriteGuard<int>> held = lock.try_write();
  Manual r1;
  Manual r2;
  Manual w;
  Manual r3;
  RwLock<int>::Read read1 = lock.read();
  RwLock<int>::Read read2 = lock.read();
  RwLock<int>::Write write = lock.write();
  RwLock<int>::Read read3 = lock.read();
  CHECK(read1.poll(r1.cx).is_pending());
  CHECK(read2.poll(r2.cx).is_pending());
  CHECK(write.poll(w.cx).is_pending());
  CHECK(read3.poll(r3.cx).is_pending());
  held.reset();
  CHECK(r1.counter.wakes() == 1);
  CHECK(r2.counter.wakes() == 1);
  CHECK(w.counter.wakes() == 0);
  CHECK(r3.counter.wakes() == 0);
  {
    Poll<RwLockReadGuard<int>> g1 = read1.poll(r1.cx);
    Poll<RwLockReadGuard<int>> g2 = read2.poll(r2.cx);
    CHECK(g1.is_ready());
    CHECK(g2.is_ready());
    CHECK(read3.poll(r3.cx).is_pending());
  }
  CHECK(w.counter.wakes() == 1);
  { Poll<RwLockWriteGuard<int>> gw = write.poll(w.cx); }
  CHECK(r3.counter.wakes() == 1);
  CHECK(read3.poll(r3.cx).is_ready());
}

TEST_CASE("cancel safety: a dropped waiting writer gives back the read permits it collected") {
  RwLock<int> lock;
  Manual w;
  Manual r;
  std::optional<RwLockReadGuard<int>> early1 = lock.try_read();
  std::optional<RwLockReadGuard<int>> early2 = lock.try_read();
  RwLock<int>::Read late = lock.read();
  {
    RwLock<int>::Write write = lock.write();
    CHECK(write.poll(w.cx).is_pending());
    CHECK(late.poll(r.cx).is_pending());
    early1.reset();  // collected by the writer
  }
  CHECK(r.counter.wakes() == 1);  // the reader behind it goes in at once
  CHECK(late.poll(r.cx).is_ready());
  early2.reset();
  CHECK(lock.try_write());  // every permit is back
}

TEST_CASE("read and write futures moved after their first poll abort with a message naming them") {
  std::optional<std::string> read_err = test::aborts_with([] {
    RwLock<int> lock;
    Manual m;
    std::optional<RwLockWriteGuard<int>> held = lock.try_write();
    RwLock<int>::Read read = lock.read();
    (void)read.poll(m.cx);
    RwLock<int>::Read moved(std::move(read));
  });
  REQUIRE(read_err);
  CHECK(read_err->find("wakeful: RwLock::Read moved after its first poll") != std::string::npos);
  std::optional<std::string> write_err = test::aborts_with([] {
    RwLock<int> lock;
    Manual m;
    std::optional<RwLockReadGuard<int>> held = lock.try_read();
    RwLock<int>::Write write = lock.write();
    (void)write.poll(m.cx);
    RwLock<int>::Write moved(std::move(write));
  });
  REQUIRE(write_err);
  CHECK(write_err->find("wakeful: RwLock::Write moved after its first poll") != std::string::npos);
}

namespace {

struct Shared {
  RwLock<long> value;
  std::atomic<int> readers{0};
  std::atomic<int> writers{0};
  std::atomic<int> violations{0};
  std::atomic<int> most_readers{0};
};

Async<void> reader(Shared& shared, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    RwLockReadGuard<long> guard = co_await shared.value.read();
    const int now = shared.readers.fetch_add(1) + 1;
    int most = shared.most_readers.load();
    while (now > most && !shared.most_readers.compare_exchange_weak(most, now)) {
    }
    if (shared.writers.load() != 0) {
      shared.violations.fetch_add(1);
    }
    const long seen = *guard;
    co_await yield_now();
    if (*guard != seen) {
      shared.violations.fetch_add(1);
    }
    shared.readers.fetch_sub(1);
  }
}

Async<void> writer(Shared& shared, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    RwLockWriteGuard<long> guard = co_await shared.value.write();
    if (shared.writers.fetch_add(1) != 0 || shared.readers.load() != 0) {
      shared.violations.fetch_add(1);
    }
    const long before = *guard;
    co_await yield_now();
    *guard = before + 1;
    shared.writers.fetch_sub(1);
  }
}

}  // namespace

TEST_CASE("readers and writers on 2 and 4 workers: exclusion holds and every write counts") {
  for (const std::size_t threads : {2U, 4U}) {
    CAPTURE(threads);
    constexpr int readers = 8;
    constexpr int writers = 4;
    constexpr int rounds = 300;
    Runtime rt(threads);
    Shared shared;
    std::vector<JoinHandle<void>> handles;
    handles.reserve(readers + writers);
    for (int t = 0; t < readers + writers; ++t) {
      handles.push_back(rt.spawn(t % 3 == 0 ? writer(shared, rounds) : reader(shared, rounds)));
    }
    for (auto& handle : handles) {
      rt.block_on(std::move(handle));
    }
    CHECK(shared.violations.load() == 0);
    std::optional<RwLockReadGuard<long>> total = shared.value.try_read();
    REQUIRE(total);
    CHECK(**total == static_cast<long>(writers) * rounds);
  }
}

TEST_SUITE_END();
