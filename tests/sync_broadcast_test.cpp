#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "support/counting_waker.hpp"
#include "support/death.hpp"
#include "wakeful/async.hpp"
#include "wakeful/detail/cpu_relax.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/broadcast.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("every receiver sees every value, in order") {
  auto [tx, rx1] = broadcast::channel<std::string>(4);
  broadcast::Receiver<std::string> rx2 = tx.subscribe();
  CHECK(tx.receiver_count() == 2);
  CHECK(tx.send("a"));
  CHECK(tx.send("b"));
  for (broadcast::Receiver<std::string>* rx : {&rx1, &rx2}) {
    CHECK(rx->try_recv().value() == "a");
    CHECK(rx->try_recv().value() == "b");
    broadcast::RecvResult<std::string> none = rx->try_recv();
    CHECK(none.is_empty());
    CHECK_THROWS_AS((void)none.value(), broadcast::RecvError);
  }
}

TEST_CASE("a receiver sees only values sent after it subscribed") {
  auto [tx, rx] = broadcast::channel<int>(8);
  CHECK(tx.send(1));
  broadcast::Receiver<int> late = tx.subscribe();
  broadcast::Receiver<int> later = rx.resubscribe();
  CHECK(tx.send(2));
  CHECK(rx.try_recv().value() == 1);
  CHECK(late.try_recv().value() == 2);
  CHECK(later.try_recv().value() == 2);
  CHECK(late.try_recv().is_empty());
}

TEST_CASE("a receiver that falls behind is told exactly how many it missed, then reads the oldest kept") {
  auto [tx, rx] = broadcast::channel<int>(3);
  for (int v = 0; v < 10; ++v) {
    CHECK(tx.send(v));
  }
  Manual m;
  broadcast::Receiver<int>::Recv recv = rx.recv();
  Poll<broadcast::RecvResult<int>> lag = recv.poll(m.cx);
  REQUIRE(lag.is_ready());
  CHECK(lag->is_lagged());
  CHECK(lag->missed() == 7);  // 0..6 were overwritten; 7, 8, 9 are kept
  CHECK_THROWS_WITH_AS((void)lag->value(), "wakeful: broadcast receiver lagged behind and missed 7 values",
                       broadcast::RecvError);
  try {
    (void)lag->value();
  } catch (const broadcast::RecvError& e) {
    CHECK(e.status() == broadcast::RecvStatus::lagged);
    CHECK(e.missed() == 7);
  }
  CHECK(rx.try_recv().value() == 7);
  CHECK(rx.try_recv().value() == 8);
  CHECK(rx.try_recv().value() == 9);
  CHECK(rx.try_recv().is_empty());
  // Lagging again, by one.
  for (int v = 10; v < 14; ++v) {
    CHECK(tx.send(v));
  }
  broadcast::RecvResult<int> again = rx.try_recv();
  CHECK(again.is_lagged());
  CHECK(again.missed() == 1);
  CHECK(rx.try_recv().value() == 11);
}

TEST_CASE("recv waits for the next send, which wakes every waiting receiver once") {
  auto [tx, rx1] = broadcast::channel<int>(2);
  broadcast::Receiver<int> rx2 = tx.subscribe();
  Manual a;
  Manual b;
  broadcast::Receiver<int>::Recv r1 = rx1.recv();
  broadcast::Receiver<int>::Recv r2 = rx2.recv();
  CHECK(r1.poll(a.cx).is_pending());
  CHECK(r2.poll(b.cx).is_pending());
  CHECK(r1.poll(a.cx).is_pending());  // polled again: still one place in the list
  CHECK(tx.send(5));
  CHECK(a.counter.wakes() == 1);
  CHECK(b.counter.wakes() == 1);
  CHECK(tx.send(6));  // nobody waits any more
  CHECK(a.counter.wakes() == 1);
  Poll<broadcast::RecvResult<int>> v1 = r1.poll(a.cx);
  Poll<broadcast::RecvResult<int>> v2 = r2.poll(b.cx);
  REQUIRE(v1.is_ready());
  REQUIRE(v2.is_ready());
  CHECK(v1->value() == 5);
  CHECK(v2->value() == 5);
}

TEST_CASE("the channel closes when the last sender goes: kept values first, then closed") {
  auto [tx, rx] = broadcast::channel<int>(4);
  Manual m;
  broadcast::Sender<int> tx2 = tx;
  CHECK(tx.send(1));
  { broadcast::Sender<int> gone = std::move(tx); }
  broadcast::Receiver<int>::Recv waiting = rx.recv();
  CHECK(waiting.poll(m.cx).is_ready());  // the 1
  broadcast::Receiver<int>::Recv next = rx.recv();
  CHECK(next.poll(m.cx).is_pending());  // tx2 is still there
  { broadcast::Sender<int> last = std::move(tx2); }
  CHECK(m.counter.wakes() == 1);
  Poll<broadcast::RecvResult<int>> closed = next.poll(m.cx);
  REQUIRE(closed.is_ready());
  CHECK(closed->is_closed());
  CHECK_THROWS_WITH_AS((void)closed->value(), "wakeful: broadcast channel closed", broadcast::RecvError);
  CHECK(rx.try_recv().is_closed());
}

TEST_CASE("send with no receiver gives the value back") {
  auto [tx, rx] = broadcast::channel<std::string>(1);
  { broadcast::Receiver<std::string> gone = std::move(rx); }
  CHECK(tx.receiver_count() == 0);
  SendResult<std::string> back = tx.send("x");
  REQUIRE_FALSE(back);
  CHECK(back.error().is_closed());
  CHECK(back.error().value() == "x");
}

TEST_CASE("capacity 0 is refused") { CHECK_THROWS_AS((void)broadcast::channel<int>(0), std::invalid_argument); }

TEST_CASE("dropping a waiting recv loses nothing and keeps no waker") {
  auto [tx, rx] = broadcast::channel<int>(2);
  Manual m;
  {
    broadcast::Receiver<int>::Recv recv = rx.recv();
    CHECK(recv.poll(m.cx).is_pending());
  }
  CHECK(m.counter.outstanding() == 1);
  CHECK(tx.send(4));
  CHECK(m.counter.wakes() == 0);
  CHECK(rx.try_recv().value() == 4);
}

TEST_CASE("a recv future moved after its first poll aborts with a message naming it") {
  std::optional<std::string> err = test::aborts_with([] {
    auto [tx, rx] = broadcast::channel<int>(1);
    Manual m;
    broadcast::Receiver<int>::Recv recv = rx.recv();
    (void)recv.poll(m.cx);
    broadcast::Receiver<int>::Recv moved(std::move(recv));
  });
  REQUIRE(err);
  CHECK(err->find("wakeful: broadcast::Receiver::Recv moved after its first poll") != std::string::npos);
}

namespace {

struct Tally {
  std::uint64_t sum = 0;
  std::uint64_t count = 0;
  std::uint64_t missed = 0;
};

Async<Tally> drain(broadcast::Receiver<std::uint64_t> rx) {
  Tally tally;
  for (;;) {
    broadcast::RecvResult<std::uint64_t> r = co_await rx.recv();
    if (r.is_closed()) {
      co_return tally;
    }
    if (r.is_lagged()) {
      tally.missed += r.missed();
      continue;
    }
    tally.sum += r.value();
    ++tally.count;
  }
}

}  // namespace

TEST_CASE("receivers on 2 and 4 workers, senders on two threads: every value counted once") {
  for (const std::size_t threads : {2U, 4U}) {
    CAPTURE(threads);
    constexpr int receivers = 8;
    constexpr std::uint64_t per_sender = 5000;
    Runtime rt(threads);
    // Capacity for everything: nobody can lag, so every receiver must see every value.
    auto [tx, rx] = broadcast::channel<std::uint64_t>(2 * per_sender);
    std::vector<JoinHandle<Tally>> handles;
    handles.reserve(receivers);
    for (int r = 0; r < receivers; ++r) {
      handles.push_back(rt.spawn(drain(rx.resubscribe())));
    }
    { broadcast::Receiver<std::uint64_t> mine = std::move(rx); }
    std::vector<std::thread> senders;
    senders.reserve(2);
    for (std::uint64_t s = 0; s < 2; ++s) {
      senders.emplace_back([tx = tx, s]() mutable {
        for (std::uint64_t v = 0; v < per_sender; ++v) {
          (void)tx.send(s * per_sender + v);
        }
      });
    }
    { broadcast::Sender<std::uint64_t> mine = std::move(tx); }
    for (auto& t : senders) {
      t.join();
    }
    const std::uint64_t n = 2 * per_sender;
    for (auto& handle : handles) {
      const Tally tally = rt.block_on(std::move(handle));
      CHECK(tally.missed == 0);
      CHECK(tally.count == n);
      CHECK(tally.sum == n * (n - 1) / 2);
    }
  }
}

TEST_CASE("a slow receiver on 2 workers: what it got plus what it missed is everything sent") {
  Runtime rt(2);
  constexpr std::uint64_t sends = 20000;
  auto [tx, rx] = broadcast::channel<std::uint64_t>(16);
  JoinHandle<Tally> handle = rt.spawn(drain(std::move(rx)));
  std::thread sender([tx = std::move(tx)]() mutable {
    for (std::uint64_t v = 0; v < sends; ++v) {
      (void)tx.send(v);
    }
  });
  sender.join();
  const Tally tally = rt.block_on(std::move(handle));
  CHECK(tally.count + tally.missed == sends);
}

namespace {

// What a receiver that may be lapped saw. The values sent are numbered 0, 1, 2, ... in order, so
// each value received must be the one at its place in that stream, counting those it was told it
// missed: a value read from a slot a later send overwrote, a torn copy, or a wrong missed count
// all put a value out of place.
struct Trace {
  std::uint64_t received = 0;
  std::uint64_t missed = 0;
  std::uint64_t lags = 0;
  std::uint64_t misplaced = 0;
};

std::uint64_t number_of(std::uint64_t value) { return value; }

// A payload too long for the short-string buffer, so that every copy reads memory a sender frees
// when it overwrites the slot: a torn copy shows as a bad prefix, or to the sanitizers.
std::string payload(std::uint64_t n) { return std::string(40, static_cast<char>('a' + n % 26)) + std::to_string(n); }

std::uint64_t number_of(const std::string& value) {
  const std::uint64_t n = value.size() > 40 ? std::stoull(value.substr(40)) : ~std::uint64_t{0};
  return value == payload(n) ? n : ~std::uint64_t{0};
}

template <class T>
Async<Trace> follow(broadcast::Receiver<T> rx) {
  Trace trace;
  for (;;) {
    broadcast::RecvResult<T> r = co_await rx.recv();
    if (r.is_closed()) {
      co_return trace;
    }
    if (r.is_lagged()) {
      trace.misplaced += r.missed() == 0 ? 1 : 0;
      trace.missed += r.missed();
      ++trace.lags;
      continue;
    }
    trace.misplaced += number_of(r.value()) == trace.received + trace.missed ? 0 : 1;
    ++trace.received;
  }
}

// Receivers on 2 workers and a sender thread that laps them over and over: slots are overwritten
// while receivers read them.
template <class T, class Make>
void lapped_receivers(Make make, std::uint64_t sends) {
  Runtime rt(2);
  std::uint64_t lags = 0;
  for (const std::size_t capacity : {2U, 3U, 4U}) {
    CAPTURE(capacity);
    auto [tx, rx] = broadcast::channel<T>(capacity);
    constexpr int receivers = 4;
    std::vector<JoinHandle<Trace>> handles;
    handles.reserve(receivers);
    for (int r = 0; r < receivers; ++r) {
      handles.push_back(rt.spawn(follow(rx.resubscribe())));
    }
    { broadcast::Receiver<T> mine = std::move(rx); }
    std::thread sender([tx = std::move(tx), make, sends]() mutable {
      for (std::uint64_t v = 0; v < sends; ++v) {
        (void)tx.send(make(v));
      }
    });
    sender.join();
    for (auto& handle : handles) {
      const Trace trace = rt.block_on(std::move(handle));
      CHECK(trace.misplaced == 0);
      CHECK(trace.received + trace.missed == sends);
      lags += trace.lags;
    }
  }
  CHECK(lags > 0);  // the race under test happened
}

}  // namespace

TEST_CASE("receivers lapped by a sender on another thread: each value in its place, none lost uncounted") {
  lapped_receivers<std::uint64_t>([](std::uint64_t v) { return v; }, 20000);
}

TEST_CASE("string values under lapping: a copy never races the overwrite") {
  lapped_receivers<std::string>(payload, 10000);
}

namespace {

// Waits for `flag` to reach `at least`: spinning first, so that the two threads of a race start
// together, then yielding, so that a machine with fewer free cores than threads still gets on.
void await_at_least(const std::atomic<int>& flag, int at_least) {
  for (int spins = 0; flag.load() < at_least; ++spins) {
    if (spins > 10000) {
      std::this_thread::yield();
    }
  }
}

void spin_for(int spins) {
  for (int spin = 0; spin < spins; ++spin) {
    wakeful::detail::cpu_relax();
  }
}

}  // namespace

TEST_CASE("a recv racing a send's publication finds the value or is woken exactly once") {
  constexpr int rounds = 3000;
  auto [tx, rx1] = broadcast::channel<int>(2);
  broadcast::Receiver<int> rx2 = tx.subscribe();
  std::atomic<int> go{-1};
  std::atomic<int> sent{0};
  std::atomic<int> sender_delay{0};
  std::thread sender([&go, &sent, &sender_delay, tx = std::move(tx)]() mutable {
    for (int i = 0; i < rounds; ++i) {
      await_at_least(go, i);
      spin_for(sender_delay.load());
      (void)tx.send(i);
      sent.store(i + 1);  // after the send's wakes
    }
  });
  int found = 0;
  int woken = 0;
  int lost = 0;       // pending, and never woken: the failure this test is for
  int extra = 0;      // woken when found at once, or twice
  int misplaced = 0;  // not value i
  // Pauses between go and the polls (negative: between go and the send), moved round by round
  // towards the point where the polls and the send meet.
  int delay = 0;
  for (int i = 0; i < rounds; ++i) {
    Manual a;
    Manual b;
    broadcast::Receiver<int>::Recv r1 = rx1.recv();
    broadcast::Receiver<int>::Recv r2 = rx2.recv();
    sender_delay.store(-delay);
    go.store(i);
    spin_for(delay);
    Poll<broadcast::RecvResult<int>> p1 = r1.poll(a.cx);
    Poll<broadcast::RecvResult<int>> p2 = r2.poll(b.cx);
    await_at_least(sent, i + 1);
    const int step = std::max(4, std::abs(delay) / 8);
    delay = std::clamp(p1.is_ready() ? delay - step : delay + step, -10000, 10000);
    for (auto [first, recv, m] : {std::tuple{&p1, &r1, &a}, std::tuple{&p2, &r2, &b}}) {
      if (first->is_ready()) {
        ++found;
        extra += m->counter.wakes() == 0 ? 0 : 1;
        misplaced += (*first)->value() == i ? 0 : 1;
        continue;
      }
      ++woken;
      lost += m->counter.wakes() == 0 ? 1 : 0;
      extra += m->counter.wakes() > 1 ? 1 : 0;
      Poll<broadcast::RecvResult<int>> got = recv->poll(m->cx);
      misplaced += got.is_ready() && got->value() == i ? 0 : 1;
    }
  }
  sender.join();
  MESSAGE("found at once: " << found << ", woken: " << woken);
  CHECK(lost == 0);
  CHECK(extra == 0);
  CHECK(misplaced == 0);
  CHECK(rx1.try_recv().is_closed());
}

TEST_SUITE_END();
