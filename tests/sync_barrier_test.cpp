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
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/barrier.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("the n-th arrival is the leader and releases the others, each woken once") {
  Barrier barrier(3);
  Manual a;
  Manual b;
  Manual c;
  Barrier::Wait wa = barrier.wait();
  Barrier::Wait wb = barrier.wait();
  Barrier::Wait wc = barrier.wait();
  CHECK(wa.poll(a.cx).is_pending());
  CHECK(wb.poll(b.cx).is_pending());
  CHECK(wa.poll(a.cx).is_pending());  // polling again does not arrive again
  Poll<BarrierWaitResult> leader = wc.poll(c.cx);
  REQUIRE(leader.is_ready());
  CHECK(leader->is_leader());
  CHECK(a.counter.wakes() == 1);
  CHECK(b.counter.wakes() == 1);
  Poll<BarrierWaitResult> ra = wa.poll(a.cx);
  Poll<BarrierWaitResult> rb = wb.poll(b.cx);
  REQUIRE(ra.is_ready());
  REQUIRE(rb.is_ready());
  CHECK_FALSE(ra->is_leader());
  CHECK_FALSE(rb->is_leader());
  CHECK(a.counter.outstanding() == 1);
  CHECK_THROWS_AS((void)wa.poll(a.cx), std::logic_error);
}

TEST_CASE("the barrier is reusable: the next round needs n new arrivals") {
  Barrier barrier(2);
  Manual m;
  for (int round = 0; round < 3; ++round) {
    Barrier::Wait first = barrier.wait();
    Barrier::Wait second = barrier.wait();
    CHECK(first.poll(m.cx).is_pending());
    Poll<BarrierWaitResult> r = second.poll(m.cx);
    REQUIRE(r.is_ready());
    CHECK(r->is_leader());
    CHECK(first.poll(m.cx).is_ready());
  }
}

TEST_CASE("a barrier of 0 or 1 parties lets every wait through as leader") {
  for (const std::size_t n : {0U, 1U}) {
    Barrier barrier(n);
    CHECK(barrier.parties() == 1);
    Manual m;
    Barrier::Wait wait = barrier.wait();
    Poll<BarrierWaitResult> r = wait.poll(m.cx);
    REQUIRE(r.is_ready());
    CHECK(r->is_leader());
  }
}

TEST_CASE("cancel safety: a wait dropped before its round completes takes its arrival back") {
  Barrier barrier(2);
  Manual a;
  Manual b;
  {
    Barrier::Wait gone = barrier.wait();
    CHECK(gone.poll(a.cx).is_pending());
  }
  CHECK(a.counter.outstanding() == 1);
  Barrier::Wait first = barrier.wait();
  CHECK(first.poll(a.cx).is_pending());  // still needs a second party
  Barrier::Wait second = barrier.wait();
  Poll<BarrierWaitResult> r = second.poll(b.cx);
  REQUIRE(r.is_ready());
  CHECK(r->is_leader());
  CHECK(first.poll(a.cx).is_ready());
}

TEST_CASE("a wait dropped after its round completed changes nothing") {
  Barrier barrier(2);
  Manual m;
  {
    Barrier::Wait released = barrier.wait();
    CHECK(released.poll(m.cx).is_pending());
    Barrier::Wait leader = barrier.wait();
    CHECK(leader.poll(m.cx).is_ready());
  }  // `released` never saw it
  Barrier::Wait next = barrier.wait();
  CHECK(next.poll(m.cx).is_pending());  // a fresh round
}

TEST_CASE("a wait moved after its first poll aborts with a message naming it") {
  std::optional<std::string> err = test::aborts_with([] {
    Barrier barrier(2);
    Manual m;
    Barrier::Wait wait = barrier.wait();
    (void)wait.poll(m.cx);
    Barrier::Wait moved(std::move(wait));
  });
  REQUIRE(err);
  CHECK(err->find("wakeful: Barrier::Wait moved after its first poll") != std::string::npos);
}

namespace {

Async<int> party(Barrier& barrier, std::atomic<int>& arrived, int rounds, std::atomic<int>& errors, int parties) {
  int leaders = 0;
  for (int round = 0; round < rounds; ++round) {
    arrived.fetch_add(1);
    BarrierWaitResult r = co_await barrier.wait();
    // Everyone of this round has arrived; nobody of the next round can have passed yet.
    if (arrived.load() < (round + 1) * parties) {
      errors.fetch_add(1);
    }
    leaders += r.is_leader() ? 1 : 0;
    BarrierWaitResult second = co_await barrier.wait();  // keeps the rounds apart
    (void)second;
  }
  co_return leaders;
}

}  // namespace

TEST_CASE("parties on 2 and 4 workers: one leader per round, nobody passes early") {
  for (const std::size_t threads : {2U, 4U}) {
    CAPTURE(threads);
    constexpr int parties = 8;
    constexpr int rounds = 200;
    Runtime rt(threads);
    Barrier barrier(parties);
    std::atomic<int> arrived{0};
    std::atomic<int> errors{0};
    std::vector<JoinHandle<int>> handles;
    handles.reserve(parties);
    for (int p = 0; p < parties; ++p) {
      handles.push_back(rt.spawn(party(barrier, arrived, rounds, errors, parties)));
    }
    int leaders = 0;
    for (auto& handle : handles) {
      leaders += rt.block_on(std::move(handle));
    }
    CHECK(leaders == rounds);
    CHECK(errors.load() == 0);
    CHECK(arrived.load() == parties * rounds);
  }
}

TEST_SUITE_END();
