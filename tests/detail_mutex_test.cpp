// detail::Mutex: mutual exclusion under contention, and sleeping waiters are woken.

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "wakeful/detail/mutex.hpp"

using wakeful::detail::Mutex;

TEST_SUITE_BEGIN("detail");

TEST_CASE("four threads incrementing under the lock lose no increment") {
  Mutex mutex;
  long counter = 0;  // deliberately not atomic: the lock must protect it (tsan checks)
  constexpr int threads = 4;
  constexpr int per_thread = 200000;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        const std::lock_guard lock(mutex);
        ++counter;
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  CHECK(counter == static_cast<long>(threads) * per_thread);
}

TEST_CASE("a thread sleeping on a held lock gets it once it is released") {
  Mutex mutex;
  std::atomic<bool> acquired{false};
  mutex.lock();
  CHECK_FALSE(mutex.try_lock());
  std::thread waiter([&] {
    const std::lock_guard lock(mutex);  // spins, then sleeps: the holder keeps it a while
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // long past the spin phase
  CHECK_FALSE(acquired.load());
  mutex.unlock();
  CHECK(wakeful::test::eventually([&] { return acquired.load(); }));
  waiter.join();
  CHECK(mutex.try_lock());
  mutex.unlock();
}

TEST_SUITE_END();
