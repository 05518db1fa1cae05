// Tasks and the runtime: spawn, await a JoinHandle, exceptions, abort.
#include <cstdio>
#include <stdexcept>
#include <wakeful/io.hpp>  // time
#include <wakeful/wakeful.hpp>

using namespace std::chrono_literals;
namespace wf = wakeful;

wf::Async<int> square(int x) {
  co_await wf::yield_now();  // let other tasks run: a task is polled, never preempted
  co_return x* x;
}

wf::Async<int> fails() {
  throw std::runtime_error("boom");
  co_return 0;
}

wf::Async<int> run() {
  wf::JoinHandle<int> a = wf::spawn(square(6));        // runs on this worker, concurrently
  wf::JoinHandle<int> b = wf::spawn_on(1, square(7));  // on worker 1
  int sum = co_await std::move(a) + co_await std::move(b);

  try {
    co_await wf::spawn(fails());  // the task's exception comes out of the await
  } catch (const std::runtime_error& e) {
    std::printf("task failed: %s\n", e.what());
  }

  wf::JoinHandle<void> forever = wf::spawn(wf::time::sleep_for(1h));
  forever.abort();  // cancelled at its next scheduling point
  try {
    co_await std::move(forever);
  } catch (const wf::TaskCancelled&) {
    std::printf("aborted task reports TaskCancelled\n");
  }
  co_return sum;
}

int main() {
  wf::Runtime rt(2);  // two workers, each a thread with its run queue and asio::io_context
  std::printf("sum = %d\n", rt.block_on(run()));
}
