// Blocking work, cancellation, signals, and a paused clock for tests.
#include <csignal>
#include <cstdio>
#include <wakeful/io.hpp>  // time
#include <wakeful/wakeful.hpp>

using namespace std::chrono_literals;
namespace wf = wakeful;

// Cancellable work: each worker stops at its next await once the token is cancelled.
wf::Async<int> work_until_cancelled(wf::CancellationToken token) {
  int rounds = 0;
  for (;;) {
    auto outcome = co_await wf::select(token.cancelled(), wf::time::sleep_for(1ms));
    if (outcome.index() == 0)
      co_return rounds;  // cancelled() finished first
    ++rounds;
  }
}

wf::Async<void> run() {
  // spawn_blocking: a blocking call runs on the blocking pool, not on a worker.
  wf::JoinHandle<long> sum = wf::spawn_blocking([] {
    long total = 0;
    for (long i = 1; i <= 1000; ++i)
      total += i;  // stands for a file read, a DNS lookup, a hash
    return total;
  });
  std::printf("blocking: %ld\n", co_await std::move(sum));

  // One cancel reaches every child token and every task awaiting cancelled() on them.
  wf::CancellationToken shutdown;
  wf::JoinHandle<int> a = wf::spawn(work_until_cancelled, shutdown.child_token());
  wf::JoinHandle<int> b = wf::spawn(work_until_cancelled, shutdown.child_token());
  co_await wf::time::sleep_for(10ms);
  shutdown.cancel();
  (void)co_await std::move(a);
  (void)co_await std::move(b);
  std::printf("both stopped\n");

  // Signals: a stream of deliveries (the default action comes back when the last one goes).
  wf::Signals signals{SIGUSR1};
  std::raise(SIGUSR1);
  std::optional<int> got = co_await signals.recv();
  std::printf("signal %s\n", got == SIGUSR1 ? "SIGUSR1" : "?");
}

// With the clock paused, a test of an hour-long timeout takes no time: when every task waits on
// a timer, the clock jumps to the next deadline.
wf::Async<void> paused_clock_test() {
  wf::time::pause();
  const auto start = wf::time::now();
  std::optional<int> late = co_await wf::time::timeout(1h, [](wf::CancellationToken never) -> wf::Async<int> {
    co_await never.cancelled();
    co_return 0;
  }(wf::CancellationToken{}));
  std::printf(
      "timed out: %s, after %lld min of paused time\n", late ? "no" : "yes",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::minutes>(wf::time::now() - start).count()));
}

int main() {
  wf::Runtime rt(2);
  rt.block_on(run());
  wf::Runtime::current_thread().block_on(paused_clock_test());
}
