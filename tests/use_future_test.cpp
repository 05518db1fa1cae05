// use_future's cancellation: a future dropped at any point of its operation's life leaves no
// cancellation behind that could reach a destroyed I/O object, and a future dropped while its
// operation is in flight really cancels it.

#include <doctest/doctest.h>

#include <array>
#include "support/asio.hpp"
#if WAKEFUL_ASIO_IS_BOOST
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/write.hpp>
#else
#include <asio/bind_cancellation_slot.hpp>
#include <asio/write.hpp>
#endif
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/sleep.hpp"
#include "wakeful/time/timeout.hpp"
#include "wakeful/use_future.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using time::Clock;

namespace {

// Asio's operation_aborted as the std::error_code an io::Result holds (standalone Asio's codes
// have a category of their own; Boost.Asio's convert to one).
std::error_code aborted() { return std::error_code(wakeful::asio_error_code(asio::error::operation_aborted)); }

/// How an operation started by recorded_wait or recorded_read completed, seen from below
/// use_future's handler.
struct Outcome {
  std::atomic<bool> done{false};
  std::error_code error;  // written before `done` is set
  Clock::time_point at;
};

/// An initiation that starts `start(handler)` with a handler that records the outcome in
/// `outcome` before handing it to use_future's handler (cancellation slot included), so a test
/// can see how the operation ended after its future was dropped.
template <class Executor, class Start>
struct RecordedInitiation {
  using executor_type = Executor;
  Executor executor;
  Start start;
  std::shared_ptr<Outcome> outcome;

  [[nodiscard]] executor_type get_executor() const noexcept { return executor; }

  template <class Handler>
  void operator()(Handler&& handler) {
    auto slot = asio::get_associated_cancellation_slot(handler);
    start(asio::bind_cancellation_slot(
        slot, [h = std::forward<Handler>(handler), out = outcome](std::error_code error, auto... rest) mutable {
          out->error = error;
          out->at = Clock::now();
          out->done.store(true);
          std::move(h)(error, rest...);
        }));
  }
};

/// `io.async_wait(use_future)`, with its outcome recorded in `outcome`.
auto recorded_wait(asio::steady_timer& timer, std::shared_ptr<Outcome> outcome) {
  auto start = [&timer](auto handler) { timer.async_wait(std::move(handler)); };
  return asio::async_initiate<const use_future_t&, void(std::error_code)>(
      RecordedInitiation<asio::steady_timer::executor_type, decltype(start)>{timer.get_executor(), start,
                                                                             std::move(outcome)},
      use_future);
}

/// `socket.async_read_some(buffer, use_future)`, with its outcome recorded in `outcome`.
auto recorded_read(asio::ip::tcp::socket& socket, asio::mutable_buffer buffer, std::shared_ptr<Outcome> outcome) {
  auto start = [&socket, buffer](auto handler) { socket.async_read_some(buffer, std::move(handler)); };
  return asio::async_initiate<const use_future_t&, void(std::error_code, std::size_t)>(
      RecordedInitiation<asio::ip::tcp::socket::executor_type, decltype(start)>{socket.get_executor(), start,
                                                                                std::move(outcome)},
      use_future);
}

/// Polls `future` once from the calling task, which starts its operation; true if pending.
template <class F>
Async<bool> poll_once(F& future) {
  co_return co_await poll_fn(
      [&future](Context& cx) -> Poll<bool> { return Poll<bool>(std::in_place, future.poll(cx).is_pending()); });
}

/// Sleeps in steps of 1 ms until `done()` or `limit` has passed; the last `done()`.
Async<bool> wait_until(std::function<bool()> done, Clock::duration limit = 5s) {
  const auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) {
    co_await time::sleep_for(1ms);
  }
  co_return done();
}

/// Lets the calling worker turn its io_context a few times, so that whatever was posted to it
/// runs (a cancellation posted by a dropped future, the completion of a destroyed I/O object).
Async<void> turn_io() {
  for (int i = 0; i < 3; ++i) {
    co_await time::sleep_for(1ms);
  }
}

/// A connected pair of TCP sockets on loopback, bound to `io`.
struct SocketPair {
  asio::ip::tcp::socket client;
  asio::ip::tcp::socket server;
};
SocketPair connected_pair(asio::io_context& io) {
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  asio::ip::tcp::socket server(io);
  acceptor.accept(server);
  return SocketPair{std::move(client), std::move(server)};
}

/// The shape of the issue: `timeout` drops the wait's future, then the coroutine returns and
/// its frame, timer included, is freed. A cancellation that reached the timer only later, through
/// a post, read the freed timer. (The coroutine is awaited, not spawned: a spawned coroutine's
/// frame lives in its task's allocation, which the dropped wait's waker kept alive.)
Async<bool> wait_with_timeout() {
  asio::steady_timer timer(current_io_context(), 10s);
  auto waited = co_await time::timeout(20ms, timer.async_wait(use_future));
  co_return !waited.has_value();
}

Async<bool> timeout_then_turn_io() {
  const bool timed_out = co_await wait_with_timeout();
  co_await turn_io();  // whatever the drop left in the io_context runs now
  co_return timed_out;
}

}  // namespace

TEST_SUITE_BEGIN("use_future");

TEST_CASE("the issue: a timeout over a wait on a timer in an awaited coroutine's frame") {
  Runtime rt(1);
  CHECK(rt.block_on(timeout_then_turn_io()));
}

TEST_CASE("the issue's timeout on a current-thread runtime") {
  Runtime rt = Runtime::current_thread();
  CHECK(rt.block_on(timeout_then_turn_io()));
}

TEST_CASE("a timeout over a wait on a timer in a task's own frame") {
  Runtime rt(1);
  const bool timed_out = rt.block_on([]() -> Async<bool> {
    asio::steady_timer timer(current_io_context(), 10s);
    auto waited = co_await time::timeout(20ms, timer.async_wait(use_future));
    co_return !waited.has_value();
  }());
  CHECK(timed_out);
  rt.block_on(turn_io());
}

TEST_CASE("a future dropped before its first poll starts nothing") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    bool nothing_started = true;
    {
      auto timer = std::make_unique<asio::steady_timer>(current_io_context(), 10s);
      { auto wait = timer->async_wait(use_future); }
      nothing_started = nothing_started && timer->cancel() == 0;
    }  // the timer is destroyed right after the drop
    {
      SocketPair pair = connected_pair(current_io_context());
      std::array<char, 16> buffer{};
      { auto read = pair.client.async_read_some(asio::buffer(buffer), use_future); }
      // Nothing was read: what the peer sends next is all there for the next read.
      asio::write(pair.server, asio::buffer("xyz", 3));
      auto read = co_await pair.client.async_read_some(asio::buffer(buffer), use_future);
      nothing_started = nothing_started && read && *read == 3;
    }
    co_await turn_io();
    co_return nothing_started;
  }());
  CHECK(ok);
}

TEST_CASE("a wait dropped in flight on its worker is cancelled at once and its timer may go right after") {
  Runtime rt(1);
  const bool cancelled_at_drop = rt.block_on([]() -> Async<bool> {
    auto timer = std::make_unique<asio::steady_timer>(current_io_context(), 10s);
    bool cancelled = false;
    {
      auto wait = timer->async_wait(use_future);
      if (!co_await poll_once(wait)) {
        co_return false;
      }
    }
    // The wait left the timer's queue when its future was dropped, not at some later turn.
    cancelled = timer->cancel() == 0;
    timer.reset();
    co_await turn_io();
    co_return cancelled;
  }());
  CHECK(cancelled_at_drop);
}

TEST_CASE("a read dropped in flight and its socket destroyed right after") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    auto pair = std::make_unique<SocketPair>(connected_pair(current_io_context()));
    std::array<char, 16> buffer{};
    {
      auto read = pair->client.async_read_some(asio::buffer(buffer), use_future);
      if (!co_await poll_once(read)) {
        co_return false;
      }
    }
    pair.reset();
    co_await turn_io();
    co_return true;
  }());
  CHECK(ok);
}

TEST_CASE("dropping a wait in flight completes its operation with operation_aborted") {
  Runtime rt(1);
  auto outcome = std::make_shared<Outcome>();
  const auto started = Clock::now();
  const bool completed = rt.block_on([](std::shared_ptr<Outcome> out) -> Async<bool> {
    asio::steady_timer timer(current_io_context(), 10s);
    auto first = co_await select(recorded_wait(timer, out), time::sleep_for(1ms));
    if (first.index() != 1) {
      co_return false;
    }
    co_return co_await wait_until([&out] { return out->done.load(); });
  }(outcome));
  REQUIRE(completed);
  CHECK(outcome->error == aborted());
  CHECK(outcome->at - started < 5s);  // the timer's 10 s did not run out
}

TEST_CASE("dropping a read in flight completes its operation with operation_aborted and the socket reads on") {
  Runtime rt(1);
  auto outcome = std::make_shared<Outcome>();
  const bool ok = rt.block_on([](std::shared_ptr<Outcome> out) -> Async<bool> {
    SocketPair pair = connected_pair(current_io_context());
    std::array<char, 16> buffer{};
    {
      auto read = recorded_read(pair.client, asio::buffer(buffer), out);
      if (!co_await poll_once(read)) {
        co_return false;
      }
    }
    if (!co_await wait_until([&out] { return out->done.load(); })) {
      co_return false;
    }
    // The socket reads on afterwards.
    asio::write(pair.server, asio::buffer("abc", 3));
    auto read = co_await pair.client.async_read_some(asio::buffer(buffer), use_future);
    co_return read&&* read == 3;
  }(outcome));
  REQUIRE(ok);
  CHECK(outcome->error == aborted());
}

TEST_CASE("a wait dropped after its completion before a poll saw it") {
  Runtime rt(1);
  auto outcome = std::make_shared<Outcome>();
  const bool ok = rt.block_on([](std::shared_ptr<Outcome> out) -> Async<bool> {
    auto timer = std::make_unique<asio::steady_timer>(current_io_context(), 1ms);
    {
      auto wait = recorded_wait(*timer, out);
      if (!co_await poll_once(wait)) {
        co_return false;
      }
      // The worker turns its io_context: the completion handler runs, the future is not polled.
      if (!co_await wait_until([&out] { return out->done.load(); })) {
        co_return false;
      }
    }
    timer.reset();
    co_await turn_io();
    co_return !out->error;
  }(outcome));
  CHECK(ok);
}

TEST_CASE("a wait dropped when its timer has expired but the completion has not run yet") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    auto timer = std::make_unique<asio::steady_timer>(current_io_context(), 1ms);
    {
      auto wait = timer->async_wait(use_future);
      if (!co_await poll_once(wait)) {
        co_return false;
      }
      std::this_thread::sleep_for(5ms);  // the worker is busy: the expiry is not processed yet
    }
    timer.reset();
    co_await turn_io();
    co_return true;
  }());
  CHECK(ok);
}

TEST_CASE("a read dropped after its completion before a poll saw it") {
  Runtime rt(1);
  auto outcome = std::make_shared<Outcome>();
  const bool ok = rt.block_on([](std::shared_ptr<Outcome> out) -> Async<bool> {
    auto pair = std::make_unique<SocketPair>(connected_pair(current_io_context()));
    std::array<char, 16> buffer{};
    {
      auto read = recorded_read(pair->client, asio::buffer(buffer), out);
      if (!co_await poll_once(read)) {
        co_return false;
      }
      asio::write(pair->server, asio::buffer("abc", 3));
      if (!co_await wait_until([&out] { return out->done.load(); })) {
        co_return false;
      }
    }
    pair.reset();
    co_await turn_io();
    co_return !out->error;
  }(outcome));
  CHECK(ok);
}

TEST_CASE("futures dropped after their completion was seen") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    auto timer = std::make_unique<asio::steady_timer>(current_io_context(), 1ms);
    auto pair = std::make_unique<SocketPair>(connected_pair(current_io_context()));
    std::array<char, 16> buffer{};
    bool results = true;
    {
      auto wait = timer->async_wait(use_future);
      results = results && (co_await wait).ok();
      asio::write(pair->server, asio::buffer("abc", 3));
      auto read = pair->client.async_read_some(asio::buffer(buffer), use_future);
      auto got = co_await read;
      results = results && got && *got == 3;
    }
    timer.reset();
    pair.reset();
    co_await turn_io();
    co_return results;
  }());
  CHECK(ok);
}

// Off the timer's worker the cancellation is posted to the timer's io_context.
TEST_CASE("a wait dropped on another worker than its timer's is cancelled there") {
  Runtime rt(2);
  auto outcome = std::make_shared<Outcome>();
  auto timer = std::make_shared<asio::steady_timer>(rt.io_context(0), 10s);
  const auto started = Clock::now();
  const bool dropped =
      block_on(rt.spawn_on(1, [](std::shared_ptr<asio::steady_timer> t, std::shared_ptr<Outcome> out) -> Async<bool> {
        auto wait = recorded_wait(*t, std::move(out));
        co_return co_await poll_once(wait);
      }(timer, outcome)));
  REQUIRE(dropped);
  REQUIRE(test::eventually([&] { return outcome->done.load(); }, 5s));
  CHECK(outcome->error == aborted());
  CHECK(outcome->at - started < 5s);
  // The timer goes on its own worker.
  std::atomic<bool> destroyed{false};
  asio::post(rt.io_context(0), [t = std::move(timer), &destroyed]() mutable {
    t.reset();
    destroyed.store(true);
  });
  CHECK(test::eventually([&] { return destroyed.load(); }));
}

// The documented order for a drop on another thread: the I/O object is destroyed on its own
// io_context by a handler posted after the drop, so after the cancellation posted there.
TEST_CASE("a wait dropped on another worker and its timer destroyed on its worker right after") {
  Runtime rt(2);
  auto timer = std::make_shared<std::unique_ptr<asio::steady_timer>>(
      std::make_unique<asio::steady_timer>(rt.io_context(0), 10s));
  auto destroyed = std::make_shared<std::atomic<bool>>(false);
  const bool dropped = block_on(rt.spawn_on(1,
                                            [](std::shared_ptr<std::unique_ptr<asio::steady_timer>> t,
                                               std::shared_ptr<std::atomic<bool>> gone) -> Async<bool> {
                                              bool pending = false;
                                              {
                                                auto wait = (*t)->async_wait(use_future);
                                                pending = co_await poll_once(wait);
                                              }
                                              asio::post((*t)->get_executor(), [t, gone] {
                                                t->reset();
                                                gone->store(true);
                                              });
                                              co_return pending;
                                            }(timer, destroyed)));
  REQUIRE(dropped);
  CHECK(test::eventually([&] { return destroyed->load(); }, 5s));
}

// Outside any runtime: an io_context run by the test's own thread.
TEST_CASE("a wait dropped inside a handler of its io_context is cancelled at once") {
  asio::io_context io;
  test::CountingWaker counter;
  const Waker waker = counter.waker();
  Context cx(waker);
  auto timer = std::make_unique<asio::steady_timer>(io, 10s);
  std::optional<decltype(timer->async_wait(use_future))> wait;
  wait.emplace(timer->async_wait(use_future));
  REQUIRE(wait->poll(cx).is_pending());
  std::size_t still_pending = 1;
  asio::post(io, [&] {
    wait.reset();
    still_pending = timer->cancel();
    timer.reset();
  });
  io.run_for(5s);
  CHECK(io.stopped());  // out of work: nothing waits for the 10 s
  CHECK(still_pending == 0);
  CHECK(counter.wakes() == 0);  // a dropped future wakes nobody
}

TEST_CASE("a wait dropped by a thread that does not run its io_context is cancelled by a post") {
  asio::io_context io;
  Context cx(Waker::noop());
  asio::steady_timer timer(io, 10s);
  const auto started = Clock::now();
  {
    auto wait = timer.async_wait(use_future);
    REQUIRE(wait.poll(cx).is_pending());
  }
  io.run_for(5s);
  CHECK(io.stopped());
  CHECK(Clock::now() - started < 5s);
}

TEST_CASE("a wait dropped after its completion handler ran posts nothing") {
  asio::io_context io;
  test::CountingWaker counter;
  const Waker waker = counter.waker();
  Context cx(waker);
  auto timer = std::make_unique<asio::steady_timer>(io, 1ms);
  {
    auto wait = timer->async_wait(use_future);
    REQUIRE(wait.poll(cx).is_pending());
    io.run();
    CHECK(counter.wakes() == 1);
  }
  timer.reset();
  io.restart();
  CHECK(io.poll() == 0);  // no cancellation was posted
}

TEST_SUITE_END();
