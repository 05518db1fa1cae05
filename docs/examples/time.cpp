// Time: sleeps, timeouts and intervals on the worker's timer wheel.
#include <cstdio>
#include <wakeful/io.hpp>  // time
#include <wakeful/wakeful.hpp>

using namespace std::chrono_literals;
namespace wf = wakeful;

wf::Async<int> slow_answer() {
  co_await wf::time::sleep_for(50ms);
  co_return 42;
}

wf::Async<void> run() {
  // timeout gives std::optional: the output, or nullopt when the deadline came first (the inner
  // future is then dropped, which cancels it).
  std::optional<int> late = co_await wf::time::timeout(1ms, slow_answer());
  std::optional<int> in_time = co_await wf::time::timeout(5s, slow_answer());
  std::printf("late: %s, in time: %d\n", late ? "answered" : "timed out", in_time.value_or(-1));

  // An interval ticks at a fixed period; the first tick is immediate.
  wf::time::Interval every(10ms);
  for (int i = 0; i < 3; ++i) {
    co_await every.tick();
  }
  std::printf("3 ticks\n");
}

int main() {
  wf::Runtime rt(1);
  rt.block_on(run());
}
