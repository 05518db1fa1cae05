// CancellationToken: cancel, is_cancelled, cancelled(), child tokens, detaching, across workers.

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/cancellation_token.hpp"
#include "wakeful/task/join_set.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

TEST_SUITE_BEGIN("sync");

TEST_CASE("cancel is seen by every handle, wakes each waiter once, and is idempotent") {
  const CancellationToken token;
  const CancellationToken handle = token;  // NOLINT(performance-unnecessary-copy-initialization): a second handle
  CHECK(!handle.is_cancelled());
  Manual a;
  Manual b;
  auto first = token.cancelled();
  auto second = handle.cancelled();
  CHECK(first.poll(a.cx).is_pending());
  CHECK(second.poll(b.cx).is_pending());
  CHECK(first.poll(a.cx).is_pending());  // a second poll changes nothing
  handle.cancel();
  CHECK(token.is_cancelled());
  CHECK(a.counter.wakes() == 1);
  CHECK(b.counter.wakes() == 1);
  CHECK(first.poll(a.cx).is_ready());
  CHECK(second.poll(b.cx).is_ready());
  token.cancel();
  CHECK(a.counter.wakes() == 1);
  Manual c;
  auto late = token.cancelled();
  CHECK(late.poll(c.cx).is_ready());  // already cancelled: ready at once
  CHECK(c.counter.wakes() == 0);
}

TEST_CASE("a future made before cancel but first polled after it completes") {
  const CancellationToken token;
  auto waiting = token.cancelled();
  token.cancel();
  Manual m;
  CHECK(waiting.poll(m.cx).is_ready());
}

TEST_CASE("cancelling a parent cancels its children and theirs; cancelling a child cancels only it") {
  const CancellationToken root;
  const CancellationToken child = root.child_token();
  const CancellationToken grandchild = child.child_token();
  const CancellationToken sibling = root.child_token();
  Manual m;
  auto waiting = grandchild.cancelled();
  CHECK(waiting.poll(m.cx).is_pending());

  sibling.cancel();
  CHECK(sibling.is_cancelled());
  CHECK(!root.is_cancelled());
  CHECK(!child.is_cancelled());
  CHECK(m.counter.wakes() == 0);

  root.cancel();
  CHECK(child.is_cancelled());
  CHECK(grandchild.is_cancelled());
  CHECK(m.counter.wakes() == 1);
  CHECK(waiting.poll(m.cx).is_ready());

  const CancellationToken late = root.child_token();
  CHECK(late.is_cancelled());  // a child of a cancelled token is born cancelled
}

TEST_CASE("a dropped child leaves its parent, and its own children still hear the parent") {
  const CancellationToken root;
  std::optional<CancellationToken> child(root.child_token());
  const CancellationToken grandchild = child->child_token();
  child.reset();
  CHECK(!grandchild.is_cancelled());
  root.cancel();
  CHECK(grandchild.is_cancelled());
}

TEST_CASE("a moved-from token reports misuse") {
  CancellationToken token;
  const CancellationToken taken = std::move(token);
  CHECK_THROWS_AS((void)token.is_cancelled(), std::logic_error);  // NOLINT(bugprone-use-after-move)
  CHECK(!taken.is_cancelled());
}

TEST_CASE("a cancel from one worker reaches tasks waiting on both workers") {
  Runtime rt(2);
  const CancellationToken root;
  const int finished = rt.block_on([](CancellationToken token) -> Async<int> {
    JoinSet<int> set;
    for (std::size_t i = 0; i < 20; ++i) {
      set.spawn_on(i % 2, [](CancellationToken mine) -> Async<int> {
        co_await mine.cancelled();
        co_return mine.is_cancelled() ? 1 : 0;
      }(token.child_token()));
    }
    // The canceller runs on worker 1 while waiters park on both.
    set.spawn_on(1, [](CancellationToken t) -> Async<int> {
      t.cancel();
      co_return 0;
    }(token));
    int sum = 0;
    while (auto out = co_await set.join_next()) {
      sum += *out;
    }
    co_return sum;
  }(root));
  CHECK(finished == 20);
  CHECK(root.is_cancelled());
}

TEST_CASE("cancel races with children being made and dropped on other threads") {
  for (int round = 0; round < 20; ++round) {
    const CancellationToken root;
    std::atomic<bool> go{false};
    std::atomic<int> missed{0};
    std::vector<std::thread> threads;
    threads.reserve(3);
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        while (!go.load()) {
          std::this_thread::yield();
        }
        for (int i = 0; i < 200; ++i) {
          const CancellationToken child = root.child_token();
          const CancellationToken grandchild = child.child_token();
          // Once the root is cancelled, every token under it must say so.
          if (root.is_cancelled() && !grandchild.is_cancelled()) {
            missed.fetch_add(1);
          }
        }
      });
    }
    go.store(true);
    root.cancel();
    for (std::thread& thread : threads) {
      thread.join();
    }
    CHECK(missed.load() == 0);
  }
}

TEST_CASE("select on cancelled() stops work that would wait forever") {
  Runtime rt(1);
  const CancellationToken token;
  const std::size_t winner = rt.block_on([](CancellationToken t) -> Async<std::size_t> {
    auto forever = pending<int>();
    auto stopper = spawn([](CancellationToken c) -> Async<void> {
      c.cancel();
      co_return;
    }(t));
    auto out = co_await select(forever, t.cancelled());
    co_await stopper;
    co_return out.index();
  }(token));
  CHECK(winner == 1);
}

TEST_SUITE_END();
