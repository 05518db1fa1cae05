#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "wakeful/poll.hpp"

using wakeful::Pending;
using wakeful::Poll;
using wakeful::Ready;

TEST_SUITE_BEGIN("core");

TEST_CASE("a value converts to a ready Poll, Pending to a pending one") {
  Poll<int> ready = 42;
  Poll<int> pending = Pending;
  CHECK(ready.is_ready());
  CHECK_FALSE(ready.is_pending());
  CHECK(*ready == 42);
  CHECK(pending.is_pending());
  CHECK_FALSE(pending.is_ready());
}

TEST_CASE("Poll<void> is ready or pending") {
  Poll<void> ready = Ready;
  Poll<void> pending = Pending;
  CHECK(ready.is_ready());
  CHECK(pending.is_pending());
}

TEST_CASE("a Poll holds move-only values and gives them up by rvalue") {
  Poll<std::unique_ptr<int>> ready = std::make_unique<int>(7);
  std::unique_ptr<int> taken = std::move(ready).value();
  REQUIRE(taken != nullptr);
  CHECK(*taken == 7);
}

TEST_CASE("map transforms a ready value and leaves Pending alone") {
  Poll<int> ready = 20;
  Poll<std::string> mapped = std::move(ready).map([](int v) { return std::to_string(v + 1); });
  REQUIRE(mapped.is_ready());
  CHECK(*mapped == "21");

  Poll<int> pending = Pending;
  bool called = false;
  Poll<int> still = std::move(pending).map([&called](int v) {
    called = true;
    return v;
  });
  CHECK(still.is_pending());
  CHECK_FALSE(called);

  Poll<void> done = Ready;
  Poll<int> from_void = std::move(done).map([] { return 3; });
  CHECK(*from_void == 3);
}

TEST_CASE("is_poll_v recognises Poll types only") {
  static_assert(wakeful::is_poll_v<Poll<int>>);
  static_assert(wakeful::is_poll_v<const Poll<void>&>);
  static_assert(!wakeful::is_poll_v<int>);
  CHECK(true);
}

TEST_SUITE_END();
