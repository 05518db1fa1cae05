// Join-sets: many children, and only the woken ones are polled again.
#include <cstdio>
#include <wakeful/io.hpp>  // time
#include <wakeful/wakeful.hpp>

using namespace std::chrono_literals;
namespace wf = wakeful;

wf::Async<int> job(int i) {
  co_await wf::time::sleep_for(std::chrono::milliseconds(i % 7));
  co_return i;
}

wf::Async<void> run() {
  // JoinSet: spawned tasks (they run on the workers in parallel); outputs in completion order.
  wf::JoinSet<int> tasks;
  for (int i = 0; i < 100; ++i) {
    tasks.spawn(job(i));
  }
  long sum = 0;
  while (std::optional<int> done = co_await tasks.join_next()) {
    sum += *done;
  }

  // FuturesUnordered: children polled inline, inside this task (no task per child).
  wf::FuturesUnordered<wf::Async<int>> inline_children;
  for (int i = 0; i < 100; ++i) {
    inline_children.push(job(i));
  }
  while (std::optional<int> done = co_await inline_children.next()) {
    sum += *done;
  }
  std::printf("sum = %ld\n", sum);  // 2 * 4950
}

int main() {
  wf::Runtime rt(2);
  rt.block_on(run());
}
