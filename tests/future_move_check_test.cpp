// Futures that link themselves into a list (mpsc::Send, Notified) and the combinators that hold
// them (select, join, timeout) abort when moved after their first poll, in every build; moved
// before it, they work. Each bad move runs in a forked child, which must die of SIGABRT with the
// message on its standard error.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "support/counting_waker.hpp"
#include "wakeful/future/join.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/sync/cancellation_token.hpp"
#include "wakeful/sync/mpsc.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/poll_all.hpp"
#include "wakeful/time/timeout.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Manual;

namespace {

struct Death {
  bool aborted = false;
  std::string stderr_text;
};

/// Runs `body` in a forked child (no threads run in this program, so fork is safe) and reports
/// whether it died of SIGABRT, with what it wrote to standard error.
Death run_in_child(const std::function<void()>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const rlimit no_core{0, 0};
    (void)::setrlimit(RLIMIT_CORE, &no_core);
    (void)std::signal(SIGABRT, SIG_DFL);  // not doctest's crash report: die as abort() means
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    body();
    ::_exit(0);  // survived: the parent reports it
  }
  ::close(fds[1]);
  Death death;
  char buffer[512];
  for (ssize_t n = 0; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) {
    death.stderr_text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  death.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  return death;
}

void check_dies_naming(const std::function<void()>& body, const std::string& type) {
  const Death death = run_in_child(body);
  CHECK(death.aborted);
  CHECK(death.stderr_text.find("wakeful: " + type + " moved after its first poll") != std::string::npos);
}

template <class F>
void move_away(F& future) {
  F moved(std::move(future));
  (void)moved;
}

}  // namespace

TEST_SUITE_BEGIN("future");

TEST_CASE("a polled mpsc::Send, Notified or WaitForCancellation aborts when moved, naming its type") {
  check_dies_naming(
      [] {
        auto [tx, rx] = mpsc::channel<int>(1);
        (void)tx.try_send(1);  // full: the send below waits in the channel's list
        Manual m;
        auto send = tx.send(2);
        (void)send.poll(m.cx);
        move_away(send);
      },
      "mpsc::Send");
  check_dies_naming(
      [] {
        auto [tx, rx] = mpsc::channel<int>(1);
        Manual m;
        auto send = tx.send(2);  // room: done at once, not in the list, yet polled is polled
        (void)send.poll(m.cx);
        move_away(send);
      },
      "mpsc::Send");
  check_dies_naming(
      [] {
        Notify notify;
        Manual m;
        Notified notified = notify.notified();
        (void)notified.poll(m.cx);
        move_away(notified);
      },
      "Notified");
  check_dies_naming(
      [] {
        const CancellationToken token;
        Manual m;
        auto cancelled = token.cancelled();
        (void)cancelled.poll(m.cx);
        move_away(cancelled);
      },
      "WaitForCancellation");
}

TEST_CASE("select, join and timeout holding such a future abort when moved after their first poll") {
  check_dies_naming(
      [] {
        auto [tx, rx] = mpsc::channel<int>(1);
        (void)tx.try_send(1);
        Notify notify;
        Manual m;
        auto both = select(tx.send(2), notify.notified());
        (void)both.poll(m.cx);
        move_away(both);
      },
      "select");
  check_dies_naming(
      [] {
        Notify notify;
        Manual m;
        auto both = join(notify.notified(), pending<void>());
        (void)both.poll(m.cx);
        move_away(both);
      },
      "join");
  check_dies_naming(
      [] {
        auto [tx, rx] = mpsc::channel<int>(1);
        (void)tx.try_send(1);
        Manual m;
        // Polled outside a runtime, the sleep throws after the send has queued itself.
        auto limited = time::timeout(std::chrono::seconds(1), tx.send(2));
        try {
          (void)limited.poll(m.cx);
        } catch (const std::logic_error&) {
        }
        move_away(limited);
      },
      "timeout");
}

// PollAll moves its children after polls: futures that must stay put are refused at compile time.
template <class F>
concept PollAllAccepts = requires {
  typename PollAll<F>;
};
static_assert(PollAllAccepts<ReadyFuture<int>>);
static_assert(!PollAllAccepts<Notified>);
static_assert(!PollAllAccepts<mpsc::Send<int>>);
static_assert(!PollAllAccepts<Select<Notified, ReadyFuture<void>>>);

TEST_CASE("combinators of futures that may move stay movable after a poll") {
  static_assert(!Select<PendingFuture<int>, ReadyFuture<int>>::pinned_once_polled);
  static_assert(Select<PendingFuture<int>, Notified>::pinned_once_polled);
  static_assert(!Select<detail::Borrowed<Notified>, ReadyFuture<int>>::pinned_once_polled);
  Manual m;
  auto f = select(pending<int>(), pending<int>());
  CHECK(f.poll(m.cx).is_pending());
  auto moved = std::move(f);
  CHECK(moved.poll(m.cx).is_pending());
}

TEST_CASE("moving before the first poll works: the moved future sends, or is notified") {
  auto [tx, rx] = mpsc::channel<int>(1);
  Manual m;
  auto send = tx.send(7);
  auto moved_send = std::move(send);
  auto out = moved_send.poll(m.cx);
  REQUIRE(out.is_ready());
  CHECK(out->ok());
  CHECK(rx.try_recv() == std::optional<int>(7));

  Notify notify;
  auto both = select(tx.send(8), notify.notified());
  auto moved_select = std::move(both);
  auto first = moved_select.poll(m.cx);
  REQUIRE(first.is_ready());
  CHECK(first->index() == 0);
  CHECK(rx.try_recv() == std::optional<int>(8));

  Notified notified = notify.notified();
  Notified moved_notified(std::move(notified));
  CHECK(moved_notified.poll(m.cx).is_pending());
  notify.notify_one();
  CHECK(m.counter.wakes() == 1);
  CHECK(moved_notified.poll(m.cx).is_ready());
}

TEST_SUITE_END();
