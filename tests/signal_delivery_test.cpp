// Signals and ctrl_c: exact delivery counts for raise and kill, nothing lost between polls, and
// the disposition after the last listener goes.

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <system_error>
#include <thread>

#include "wakeful/async.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/signal.hpp"
#include "wakeful/time/sleep.hpp"
#include "wakeful/time/timeout.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

namespace {

/// The handler the process has for `signal_number` now.
bool has_default_action(int signal_number) {
  struct sigaction current {};
  REQUIRE(::sigaction(signal_number, nullptr, &current) == 0);
  return current.sa_handler == SIG_DFL;  // NOLINT(cppcoreguidelines-pro-type-union-access)
}

}  // namespace

TEST_SUITE_BEGIN("signal");

TEST_CASE("every raise is one delivery, kept until polled, in signal-number order") {
  Runtime rt(1);
  const int usr1 = rt.block_on([]() -> Async<int> {
    Signals signals{SIGUSR1, SIGUSR2};
    for (int i = 0; i < 5; ++i) {
      REQUIRE(::raise(SIGUSR1) == 0);
    }
    REQUIRE(::raise(SIGUSR2) == 0);  // the marker: SIGUSR1 (10) comes out before SIGUSR2 (12)
    int count = 0;
    for (;;) {
      const std::optional<int> signal_number = co_await signals.recv();
      REQUIRE(signal_number.has_value());
      if (*signal_number == SIGUSR2) {
        break;
      }
      CHECK(*signal_number == SIGUSR1);
      ++count;
    }
    co_return count;
  }());
  CHECK(usr1 == 5);
  CHECK(has_default_action(SIGUSR1));
  CHECK(has_default_action(SIGUSR2));
}

TEST_CASE("kill(getpid()) from another thread reaches a listener on a worker") {
  Runtime rt(2);
  const int delivered = rt.block_on([]() -> Async<int> {
    Signals signals(Runtime::current()->io_context(1), {SIGUSR1});
    int count = 0;
    for (int i = 0; i < 3; ++i) {
      int sent = -1;
      std::thread([&sent] { sent = ::kill(::getpid(), SIGUSR1); }).join();
      CHECK(sent == 0);
      const std::optional<int> signal_number = co_await signals.recv();
      count += signal_number == SIGUSR1 ? 1 : 0;
    }
    co_return count;
  }());
  CHECK(delivered == 3);
}

// kill(getpid())'s signal goes to the main thread first when it can take it, and in a program
// like the server that thread is parked in block_on. Under ThreadSanitizer, a parker sleeping in
// a bare futex lost the handler when the signal came between the parker's last look at its flag
// and the system call (lib/src/runtime/parker.cpp): "kill(getpid())" above hung in 7 of 150 runs
// on a loaded machine. The window is too narrow to hit on purpose; this sends the signal to the
// parked thread many times over.
TEST_CASE("signals caught by the thread parked in block_on reach a listener on a worker") {
  using namespace std::chrono_literals;
  constexpr int rounds = 50;
  Runtime rt(2);
  const pthread_t parked_thread = ::pthread_self();
  const int delivered = rt.block_on([parked_thread]() -> Async<int> {
    Signals signals(Runtime::current()->io_context(1), {SIGUSR1});
    co_await time::sleep_for(10ms);  // long enough for the caller of block_on to park
    int count = 0;
    for (int i = 0; i < rounds; ++i) {
      REQUIRE(::pthread_kill(parked_thread, SIGUSR1) == 0);
      const std::optional<std::optional<int>> received = co_await time::timeout(10s, signals.recv());
      REQUIRE(received.has_value());
      count += *received == SIGUSR1 ? 1 : 0;
    }
    co_return count;
  }());
  CHECK(delivered == rounds);
}

TEST_CASE("ctrl_c registers at its first poll and completes at the next SIGINT") {
  Runtime rt(1);
  const bool ok = rt.block_on([]() -> Async<bool> {
    auto interrupted = ctrl_c();
    auto first = co_await select(interrupted, ready());  // one poll: registered, not interrupted
    CHECK(first.index() == 1);
    REQUIRE(::raise(SIGINT) == 0);
    const io::Result<void> result = co_await interrupted;
    co_return result.ok();
  }());
  CHECK(ok);
  CHECK(has_default_action(SIGINT));  // the second Ctrl-C would end the process
}

TEST_CASE("ctrl_c outside a runtime reports not_on_worker") {
  auto interrupted = ctrl_c();
  Context cx(Waker::noop());
  auto result = interrupted.poll(cx);
  REQUIRE(result.is_ready());
  CHECK(result->error() == io::make_error_code(io::errc::not_on_worker));
}

TEST_CASE("the default action comes back only when the last listener of a signal goes") {
  Runtime rt(1);
  const int delivered = rt.block_on([]() -> Async<int> {
    std::optional<Signals> first(std::in_place, std::initializer_list<int>{SIGUSR2});
    Signals second{SIGUSR2};
    CHECK(!has_default_action(SIGUSR2));
    first.reset();
    CHECK(!has_default_action(SIGUSR2));  // `second` still listens...
    REQUIRE(::raise(SIGUSR2) == 0);
    const std::optional<int> signal_number = co_await second.recv();  // ...and gets it
    co_return signal_number.value_or(0);
  }());
  CHECK(delivered == SIGUSR2);
  CHECK(has_default_action(SIGUSR2));
}

TEST_CASE("a signal that cannot be caught is refused, and nothing stays registered") {
  Runtime rt(1);
  CHECK_THROWS_AS(Signals(rt.io_context(0), {SIGUSR1, SIGKILL}), std::system_error);
  CHECK(has_default_action(SIGUSR1));
  CHECK_THROWS_AS(Signals({SIGUSR1}), std::logic_error);  // not on a worker
}

TEST_SUITE_END();
