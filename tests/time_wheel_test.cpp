// The timer wheel on its own, with time driven by hand: every entry fires exactly once, at the
// first advance that reaches its deadline, across all six levels.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "support/counting_waker.hpp"
#include "time/timer_wheel.hpp"

using wakeful::Waker;
using wakeful::detail::TimerEntry;
using wakeful::detail::TimerWheel;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST_SUITE_BEGIN("time");

TEST_CASE("entries go to the level of their highest differing 6-bit group") {
  CHECK(TimerWheel::level_for(0, 1) == 0);
  CHECK(TimerWheel::level_for(0, 63) == 0);
  CHECK(TimerWheel::level_for(0, 64) == 1);
  CHECK(TimerWheel::level_for(100, 127) == 0);  // 100 and 127 share the block [64, 128)
  CHECK(TimerWheel::level_for(100, 128) == 1);
  CHECK(TimerWheel::level_for(0, std::uint64_t{1} << 30) == 5);
  CHECK(TimerWheel::level_for(0, TimerWheel::max_ticks + 5) == 5);  // clamped to the top level
}

TEST_CASE("random deadlines over every level each fire once, on time, in order") {
  const Clock::time_point origin = Clock::now();
  TimerWheel wheel(origin);
  wakeful::test::CountingWaker counter;
  const Waker waker = counter.waker();
  std::mt19937_64 rng(11);
  constexpr int n = 20000;
  std::vector<TimerEntry> entries(n);
  std::vector<std::uint64_t> deadlines(n);
  for (int i = 0; i < n; ++i) {
    // Mostly near, some far: the far ones cascade down through the levels.
    const std::uint64_t span = (i % 10 == 0) ? (std::uint64_t{1} << 33) : (i % 3 == 0 ? 300'000 : 2'000);
    deadlines[i] = 1 + rng() % span;
    REQUIRE(wheel.insert(entries[i], origin + milliseconds(deadlines[i]), waker));
  }
  std::vector<std::uint64_t> sorted = deadlines;
  std::sort(sorted.begin(), sorted.end());

  // Advance in steps of growing, irregular size; after each, exactly the entries with a deadline
  // up to the new time must have fired.
  std::uint64_t now = 0;
  std::size_t expected_fired = 0;
  int steps = 0;
  while (expected_fired < sorted.size()) {
    const std::uint64_t next_due = sorted[expected_fired];
    const std::optional<Clock::time_point> next = wheel.next_deadline();
    REQUIRE(next.has_value());
    CHECK(*next <= origin + milliseconds(next_due));  // never later than the earliest entry
    now = std::max(now + 1 + rng() % 7, (rng() % 4 == 0) ? next_due : now);
    wheel.advance(origin + milliseconds(now));
    while (expected_fired < sorted.size() && sorted[expected_fired] <= now) {
      ++expected_fired;
    }
    REQUIRE(counter.wakes() == static_cast<int>(expected_fired));
    ++steps;
  }
  CHECK(wheel.empty());
  CHECK_FALSE(wheel.next_deadline().has_value());
  CHECK(steps > 100);
}

TEST_CASE("removed and relinked entries") {
  const Clock::time_point origin = Clock::now();
  TimerWheel wheel(origin);
  wakeful::test::CountingWaker counter;
  const Waker waker = counter.waker();
  TimerEntry a;
  TimerEntry b;
  TimerEntry moved;
  REQUIRE(wheel.insert(a, origin + milliseconds(10), waker));
  REQUIRE(wheel.insert(b, origin + milliseconds(20), waker));
  wheel.remove(a);
  CHECK(a.wheel == nullptr);
  wheel.relink(b, moved);
  CHECK(b.wheel == nullptr);
  CHECK(moved.wheel == &wheel);
  CHECK(wheel.advance(origin + milliseconds(15)) == 0);
  CHECK(wheel.advance(origin + milliseconds(20)) == 1);
  CHECK(counter.wakes() == 1);
  CHECK(moved.wheel == nullptr);
  CHECK_FALSE(wheel.insert(a, origin + milliseconds(5), waker));  // its tick has passed
  wheel.remove(a);                                                // not registered: nothing happens
  CHECK(wheel.empty());
}

TEST_SUITE_END();
