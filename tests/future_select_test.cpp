// select over borrowed and owned branches, any number of them; and select under
// `using namespace wakeful` next to POSIX select (this file compiling is that test).

#include <sys/select.h>  // POSIX ::select, on purpose: ours must still be found

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/join_handle.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace): what issue 19 is about
using test::Gate;
using test::GateFuture;
using test::Lifetimes;
using test::Manual;
using test::Tracked;

namespace {

/// Pending until polled `ready_at` times; holds a Tracked to show when it dies.
class TrackedFuture {
 public:
  TrackedFuture(Lifetimes& lifetimes, int ready_at) : tracked_(lifetimes), ready_at_(ready_at) {}
  Poll<int> poll(Context& /*cx*/) {
    if (++polls_ >= ready_at_) {
      return ready_at_;
    }
    return Pending;
  }
  [[nodiscard]] int polls() const noexcept { return polls_; }

 private:
  Tracked tracked_;
  int ready_at_;
  int polls_ = 0;
};

// With `using namespace wakeful` and <sys/select.h>, an unqualified call on futures means ours,
// whether the branches are owned, borrowed, or a mix, two of them or five...
using TwoOwned = decltype(select(ready(1), ready(std::string())));
using Borrowing = decltype(select(std::declval<JoinHandle<int>&>(), std::declval<Notified>()));
using Five = decltype(select(ready(1), std::declval<JoinHandle<int>&>(), ready(2.0), pending<void>(),
                             std::declval<Notified&>()));
static_assert(std::is_same_v<TwoOwned::Output, std::variant<int, std::string>>);
static_assert(std::is_same_v<Borrowing::Output, std::variant<int, std::monostate>>);
static_assert(std::is_same_v<Five::Output, std::variant<int, int, double, std::monostate, std::monostate>>);
// ...and a call of the POSIX one still means POSIX's.
static_assert(std::is_same_v<decltype(select(0, nullptr, nullptr, nullptr, nullptr)), int>);
// Ours is not viable for what is not a future, nor for a single branch.
template <class... A>
concept SelectCallable = requires(A&&... a) {
  wakeful::select(std::forward<A>(a)...);
};
static_assert(!SelectCallable<int, int>);
static_assert(!SelectCallable<ReadyFuture<int>>);
static_assert(!SelectCallable<const ReadyFuture<int>&, ReadyFuture<int>>);  // a const future cannot be polled

}  // namespace

TEST_SUITE_BEGIN("future");

TEST_CASE("POSIX select still works beside ours") {
  timeval zero{};
  CHECK(select(0, nullptr, nullptr, nullptr, &zero) == 0);
}

TEST_CASE("a borrowed branch is polled in place and left alive; owned ones are destroyed") {
  Lifetimes lifetimes;
  TrackedFuture borrowed(lifetimes, 3);
  Manual m;
  {
    auto f = select(borrowed, TrackedFuture(lifetimes, 2));
    CHECK(lifetimes.alive() == 2);  // the borrowed one was not copied
    CHECK(f.poll(m.cx).is_pending());
    auto out = f.poll(m.cx);
    REQUIRE(out.is_ready());
    CHECK(out->index() == 1);
    CHECK(lifetimes.alive() == 1);  // the owned winner is gone, the borrowed loser is not
  }
  CHECK(lifetimes.alive() == 1);
  CHECK(borrowed.polls() == 2);  // polled where it is, and it may go on
  CHECK(borrowed.poll(m.cx).is_ready());
}

TEST_CASE("select borrows a JoinHandle and a Notified, and either may win; the loser is polled on") {
  Runtime rt(2);
  const int result = rt.block_on([]() -> Async<int> {
    Notify notify;
    auto gate = std::make_shared<Gate>();
    JoinHandle<int> handle = spawn_on(1, [](std::shared_ptr<Gate> g) -> Async<int> {
      co_await GateFuture(g);
      co_return 42;
    }(gate));
    Notified notified = notify.notified();

    // The notification wins; the handle is left joined to its task.
    notify.notify_one();
    auto first = co_await select(handle, notified);
    CHECK(first.index() == 1);
    CHECK(static_cast<bool>(handle));
    CHECK(!handle.is_finished());

    // The task wins the next one, against a fresh Notified borrowed the same way.
    Notified again = notify.notified();
    gate->open();
    auto second = co_await select(again, handle);
    CHECK(second.index() == 1);
    CHECK(!static_cast<bool>(handle));  // its output was taken
    notify.notify_one();
    co_await again;  // the losing Notified still works
    co_return std::get<1>(second);
  }());
  CHECK(result == 42);
}

TEST_CASE("select takes any number of branches, owned and borrowed, and reports the first ready") {
  Manual m;
  auto gate = std::make_shared<Gate>();
  GateFuture borrowed(gate);
  Lifetimes lifetimes;
  auto f = select(pending<int>(), TrackedFuture(lifetimes, 100), borrowed, pending<std::string>(), pending<void>(),
                  TrackedFuture(lifetimes, 100));
  CHECK(f.poll(m.cx).is_pending());
  CHECK(gate->polls() == 1);
  gate->open();
  auto out = f.poll(m.cx);
  REQUIRE(out.is_ready());
  CHECK(out->index() == 2);
  static_assert(std::is_same_v<std::variant_alternative_t<2, std::remove_reference_t<decltype(*out)>>, std::monostate>);
  CHECK(lifetimes.alive() == 0);
}

TEST_SUITE_END();
