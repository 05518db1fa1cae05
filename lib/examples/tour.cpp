// The README's tour, compiled and run by the tests so that it stays true.
#include <cstdio>

#include <wakeful/wakeful.hpp>

using namespace wakeful;  // NOLINT(google-build-using-namespace): a tutorial

// An Async<T> is a coroutine that is itself a Future: it runs only when polled, and inside it
// co_await works on any Future.
Async<int> sum_jobs(mpsc::Receiver<int> jobs) {
  int sum = 0;
  while (std::optional<int> job = co_await jobs.recv()) {  // nullopt once every sender is gone
    sum += *job;
  }
  co_return sum;
}

// A future by hand: ready at the fourth poll, asking to be polled again until then.
struct Countdown {
  int left;
  Poll<int> poll(Context& cx) {
    if (left == 0) {
      return 42;  // Ready(42)
    }
    --left;
    cx.waker().wake_by_ref();  // poll me again (after the other ready tasks)
    return Pending;
  }
};

Async<int> run() {
  auto [tx, rx] = mpsc::channel<int>(16);  // bounded: senders wait while it is full
  JoinHandle<int> summer = spawn(sum_jobs, std::move(rx));
  for (int i = 1; i <= 100; ++i) {
    (void)co_await tx.send(i);  // std::nullopt: delivered
  }
  { auto last = std::move(tx); }  // dropping the last sender ends the receiver's loop
  auto [sum, answer] = co_await join(std::move(summer), Countdown{3});
  co_return sum + answer;  // 5050 + 42
}

int main() {
  Runtime rt(2);  // two workers: a thread, a run queue and an asio::io_context each
  std::printf("%d\n", rt.block_on(run()));
}
