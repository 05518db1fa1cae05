// Spawns 100 tasks that send their index through a channel and sums what arrives.
#include <cstdio>

#include <wakeful/wakeful.hpp>

namespace {

wakeful::Async<int> sum_of_tasks(int n) {
  auto [tx, rx] = wakeful::mpsc::channel<int>(8);
  for (int i = 0; i < n; ++i) {
    wakeful::spawn([](wakeful::mpsc::Sender<int> out, int value) -> wakeful::Async<void> {
      (void)co_await out.send(value);
    }(tx, i))
        .detach();
  }
  { auto last = std::move(tx); }  // the channel ends when the tasks' senders are gone
  int sum = 0;
  while (auto value = co_await rx.recv()) {
    sum += *value;
  }
  co_return sum;
}

}  // namespace

int main() {
  wakeful::Runtime runtime(2);
  std::printf("sum of 100 tasks: %d\n", runtime.block_on(sum_of_tasks(100)));
}
