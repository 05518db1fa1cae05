// FuturesUnordered: only woken children are polled, each wake honoured exactly once, children
// that yield do not monopolise the task, and dropping the set is safe whatever wakers remain.

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/futures_unordered.hpp"
#include "wakeful/task/poll_all.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Lifetimes;
using test::Manual;
using test::Tracked;

namespace {

/// What a child shares with the test: whether it may finish, and the waker it stored.
struct Slot {
  std::atomic<bool> ready{false};
  std::atomic<int> polls{0};
  std::mutex mutex;
  Waker waker;

  void wake() {
    Waker w;
    {
      const std::lock_guard lock(mutex);
      w = waker;
    }
    w.wake_by_ref();
  }
};

/// Ready with its id once its slot says so; otherwise stores the waker it was given.
class SlotChild {
 public:
  SlotChild(Slot& slot, int id) noexcept : slot_(&slot), id_(id) {}
  Poll<int> poll(Context& cx) {
    slot_->polls.fetch_add(1);
    if (slot_->ready.load()) {
      return id_;
    }
    const std::lock_guard lock(slot_->mutex);
    if (!slot_->waker.will_wake(cx.waker())) {
      slot_->waker = cx.waker();
    }
    return Pending;
  }

 private:
  Slot* slot_;
  int id_;
};

/// Calls poll_next until it polls no more children (each call polls at most 32).
template <class Set>
void run_until_idle(Set& set, Context& cx) {
  std::uint64_t before = 0;
  do {
    before = set.metrics().child_polls;
    (void)set.poll_next(cx);
  } while (set.metrics().child_polls != before);
}

}  // namespace

TEST_SUITE_BEGIN("task");

TEST_CASE("with 100,000 pending children, waking one causes exactly one child poll") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  constexpr int n = 100'000;
  std::vector<Slot> slots(n);
  FuturesUnordered<SlotChild> set;
  for (int i = 0; i < n; ++i) {
    set.push(SlotChild(slots[i], i));
  }
  CHECK(set.poll_next(m.cx).is_pending());
  CHECK(set.metrics().child_polls == FuturesUnordered<SlotChild>::poll_budget);  // then it yields
  run_until_idle(set, m.cx);
  CHECK(set.metrics().child_polls == n);  // every child once

  const int task_wakes = m.counter.wakes();  // so far: the yields of the first passes
  slots[4242].wake();
  CHECK(m.counter.wakes() == task_wakes + 1);  // the set's task was woken, once
  CHECK(set.poll_next(m.cx).is_pending());
  CHECK(set.metrics().child_polls == n + 1);
  CHECK(slots[4242].polls.load() == 2);

  slots[777].ready = true;
  slots[777].wake();
  Poll<std::optional<int>> out = set.poll_next(m.cx);
  REQUIRE(out.is_ready());
  CHECK(**out == 777);
  CHECK(set.metrics().child_polls == n + 2);
  CHECK(set.len() == n - 1);
}

TEST_CASE("ten wakes of the same child before the next poll cause one poll") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  std::vector<Slot> slots(100);
  FuturesUnordered<SlotChild> set;
  for (int i = 0; i < 100; ++i) {
    set.push(SlotChild(slots[i], i));
  }
  run_until_idle(set, m.cx);
  for (int i = 0; i < 10; ++i) {
    slots[5].wake();
  }
  CHECK(set.poll_next(m.cx).is_pending());
  const JoinSetMetrics metrics = set.metrics();
  CHECK(metrics.child_polls == 101);
  CHECK(metrics.wakes == 1);
  CHECK(metrics.coalesced_wakes == 9);
  CHECK(slots[5].polls.load() == 2);
}

TEST_CASE("wakes from four threads at once are each honoured exactly once") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  constexpr int per_thread = 2500;
  constexpr int n = 4 * per_thread;
  std::vector<Slot> slots(n);
  FuturesUnordered<SlotChild> set;
  for (int i = 0; i < n; ++i) {
    set.push(SlotChild(slots[i], i));
  }
  run_until_idle(set, m.cx);
  REQUIRE(set.metrics().child_polls == n);
  std::vector<std::thread> wakers;
  wakers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    wakers.emplace_back([&slots, t] {
      for (int i = t * per_thread; i < (t + 1) * per_thread; ++i) {
        slots[i].wake();
        slots[i].wake();  // a second wake of a queued child coalesces
      }
    });
  }
  for (auto& t : wakers) {
    t.join();
  }
  run_until_idle(set, m.cx);
  CHECK(set.metrics().child_polls == 2 * n);
  for (const Slot& slot : slots) {
    CHECK(slot.polls.load() == 2);
  }
}

TEST_CASE("a child that wakes itself is polled again at the next poll_next, not in a loop") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  FuturesUnordered<PollFn<std::function<Poll<int>(Context&)>>> set;
  int polls = 0;
  set.push(poll_fn(std::function<Poll<int>(Context&)>([&polls](Context& cx) -> Poll<int> {
    ++polls;
    cx.waker().wake_by_ref();
    return Pending;
  })));
  CHECK(set.poll_next(m.cx).is_pending());
  CHECK(polls == 1);
  CHECK(set.metrics().yields == 1);
  CHECK(m.counter.wakes() >= 1);  // the set handed its task back, asking to run again
  CHECK(set.poll_next(m.cx).is_pending());
  CHECK(polls == 2);
}

TEST_CASE("children pushed between polls and while draining outputs are polled") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  std::vector<Slot> slots(10);
  FuturesUnordered<SlotChild> set;
  CHECK(set.poll_next(m.cx).is_ready());  // empty: ready with nullopt
  set.push(SlotChild(slots[0], 0));
  slots[0].ready = true;
  std::vector<int> seen;
  int next_id = 1;
  for (;;) {
    Poll<std::optional<int>> out = set.poll_next(m.cx);
    REQUIRE(out.is_ready());
    if (!*out) {
      break;
    }
    seen.push_back(**out);
    if (next_id < 10) {  // push while consuming outputs
      slots[next_id].ready = true;
      set.push(SlotChild(slots[next_id], next_id));
      ++next_id;
    }
  }
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("iteration, len, clear, and an exception that leaves the set") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  Lifetimes lifetimes;
  struct Held {
    Tracked tracked;
    bool fail;
    Poll<int> poll(Context& /*cx*/) {
      if (fail) {
        throw std::runtime_error("child failed");
      }
      return Pending;
    }
  };
  FuturesUnordered<Held> set;
  for (int i = 0; i < 5; ++i) {
    set.push(Held{Tracked(lifetimes, i), i == 2});
  }
  CHECK(set.len() == 5);
  int sum = 0;
  for (const Held& h : set) {
    sum += h.tracked.value();
  }
  CHECK(sum == 0 + 1 + 2 + 3 + 4);
  CHECK_THROWS_WITH_AS((void)set.poll_next(m.cx), "child failed", std::runtime_error);
  CHECK(set.len() == 4);
  CHECK(lifetimes.alive() == 4);
  set.clear();
  CHECK(set.is_empty());
  CHECK(lifetimes.alive() == 0);
}

TEST_CASE("dropping the set with queued children and outstanding wakers drops each child once") {
  Lifetimes lifetimes;
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  std::vector<Waker> kept;
  {
    struct Child {
      Tracked tracked;
      std::vector<Waker>* kept;
      Poll<void> poll(Context& cx) {
        kept->push_back(cx.waker());
        return Pending;
      }
    };
    FuturesUnordered<Child> set;
    for (int i = 0; i < 50; ++i) {
      set.push(Child{Tracked(lifetimes, i), &kept});
    }
    run_until_idle(set, m.cx);
    for (int i = 0; i < 50; i += 2) {
      kept[i].wake_by_ref();  // queued when the set goes away
    }
    CHECK(lifetimes.alive() == 50);
  }
  CHECK(lifetimes.alive() == 0);
  CHECK(lifetimes.destroyed.load() == lifetimes.constructed.load());
  for (Waker& w : kept) {  // wakers that outlive the set: waking and dropping them is safe
    w.wake_by_ref();
  }
  kept.clear();
}

TEST_CASE("a set whose children are always ready lets a sibling task run") {
  Runtime rt(1);
  constexpr int limit = 100'000;
  std::atomic<bool> flag{false};
  auto busy = [](std::atomic<bool>& stop) -> Async<int> {
    // Children that complete at once, replaced as they complete: the set always has output.
    FuturesUnordered<PollFn<std::function<Poll<int>(Context&)>>> set;
    auto child = [] { return poll_fn(std::function<Poll<int>(Context&)>([](Context&) -> Poll<int> { return 1; })); };
    for (int i = 0; i < 64; ++i) {
      set.push(child());
    }
    int outputs = 0;
    while (!stop.load() && outputs < limit) {
      (void)co_await set.next();
      set.push(child());
      ++outputs;
    }
    co_return outputs;
  };
  const int outputs = rt.block_on([](auto make, std::atomic<bool>& stop) -> Async<int> {
    JoinHandle<int> b = spawn(make(stop));
    JoinHandle<void> setter = spawn(poll_fn([&stop](Context&) -> Poll<void> {
      stop = true;
      return Ready;
    }));
    co_await setter;
    co_return co_await b;
  }(busy, flag));
  CHECK(outputs < limit);
}

TEST_CASE("PollAll polls every child at every pass, join_all_naive collects in order") {
  Manual m;  // first: a set keeps the last waker it was polled with until it is dropped
  std::vector<Slot> slots(20);
  PollAll<SlotChild> naive;
  for (int i = 0; i < 20; ++i) {
    naive.push(SlotChild(slots[i], i));
  }
  CHECK(naive.poll_next(m.cx).is_pending());
  slots[3].ready = true;
  Poll<std::optional<int>> out = naive.poll_next(m.cx);
  REQUIRE(out.is_ready());
  CHECK(**out == 3);
  CHECK(naive.metrics().child_polls == 40);  // two passes over 20 children
  CHECK(naive.len() == 19);

  std::vector<Slot> more(3);
  for (Slot& s : more) {
    s.ready = true;
  }
  std::vector<SlotChild> children{SlotChild(more[0], 10), SlotChild(more[1], 20), SlotChild(more[2], 30)};
  CHECK(block_on(join_all_naive(std::move(children))) == std::vector<int>{10, 20, 30});

  slots[5].ready = true;  // an output finished but not taken is dropped by clear() too
  naive.clear();
  CHECK(naive.is_empty());
  CHECK(naive.len() == 0);
  Poll<std::optional<int>> after = naive.poll_next(m.cx);
  REQUIRE(after.is_ready());
  CHECK(!after->has_value());
}

TEST_CASE("PollAll keeps push order after children complete, and closes up their places") {
  Manual m;
  std::vector<Slot> slots(6);
  std::vector<int> order;
  PollAll<PollFn<std::function<Poll<int>(Context&)>>> naive;
  const auto child = [&](int id) {
    return poll_fn(std::function<Poll<int>(Context&)>([&, id](Context&) -> Poll<int> {
      order.push_back(id);
      if (slots[static_cast<std::size_t>(id)].ready) {
        return id;
      }
      return Pending;
    }));
  };
  for (int id = 0; id < 4; ++id) {
    naive.push(child(id));
  }
  slots[1].ready = true;
  slots[2].ready = true;
  Poll<std::optional<int>> first = naive.poll_next(m.cx);
  REQUIRE(first.is_ready());
  CHECK(**first == 1);
  Poll<std::optional<int>> second = naive.poll_next(m.cx);  // kept from the same pass
  REQUIRE(second.is_ready());
  CHECK(**second == 2);
  naive.push(child(4));
  naive.push(child(5));
  order.clear();
  CHECK(naive.poll_next(m.cx).is_pending());
  CHECK(order == std::vector<int>{0, 3, 4, 5});  // the new children after the old, none twice
  CHECK(naive.len() == 4);
}

TEST_SUITE_END();
