// Sync: a Mutex across workers, a Semaphore bounding concurrency, watch for the latest value,
// broadcast for every value to every receiver.
#include <atomic>
#include <cstdio>
#include <memory>
#include <wakeful/wakeful.hpp>

namespace wf = wakeful;

wf::Async<void> add(std::shared_ptr<wf::Mutex<long>> total, int n) {
  for (int i = 0; i < n; ++i) {
    wf::MutexGuard<long> guard = co_await total->lock();  // FIFO: waiters are served in order
    *guard += 1;
    co_await wf::yield_now();  // holding an async Mutex across an await is allowed
  }
}

// How many jobs run at this moment, and the most that ever did (jobs run on both workers).
struct Gauge {
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
};

wf::Async<void> bounded(wf::OwnedSemaphorePermit permit, std::shared_ptr<Gauge> gauge) {
  const int now = gauge->running.fetch_add(1) + 1;
  int peak = gauge->peak.load();
  while (now > peak && !gauge->peak.compare_exchange_weak(peak, now)) {
  }
  co_await wf::yield_now();  // let other jobs start while this one holds its permit
  gauge->running.fetch_sub(1);
  (void)permit;
}  // the permit is released here, when the task drops it

wf::Async<void> run() {
  auto total = std::make_shared<wf::Mutex<long>>(0);
  wf::JoinSet<void> adders;
  for (int t = 0; t < 8; ++t)
    adders.spawn_on(t % 2, add(total, 1000));
  while (co_await adders.join_next()) {
  }
  std::printf("mutex total: %ld\n", *co_await total->lock());

  // At most 3 jobs at once: a job's task owns its permit (acquire_owned keeps the semaphore alive).
  auto limit = std::make_shared<wf::Semaphore>(3);
  auto gauge = std::make_shared<Gauge>();
  wf::JoinSet<void> jobs;
  for (int i = 0; i < 20; ++i) {
    jobs.spawn(bounded(co_await wf::Semaphore::acquire_owned(limit), gauge));
  }
  while (co_await jobs.join_next()) {
  }
  std::printf("20 jobs, %s\n", gauge->peak <= 3 ? "never more than 3 at once" : "TOO MANY at once");

  // watch: receivers see the latest value; changed() completes once however many sends came.
  auto [config_tx, config_rx] = wf::watch::channel<int>(1);
  (void)config_tx.send(2);  // a SendResult: false only when no receiver is left
  (void)config_tx.send(3);
  const bool changed = co_await config_rx.changed();
  std::printf("watch: changed=%d, latest=%d\n", changed, *config_rx.borrow_and_update());

  // broadcast: every receiver gets every value; one that falls behind learns how many it missed.
  auto [events, first] = wf::broadcast::channel<int>(4);
  wf::broadcast::Receiver<int> second = events.subscribe();
  for (int i = 1; i <= 6; ++i)
    (void)events.send(i);
  wf::broadcast::RecvResult<int> lagged = co_await first.recv();
  wf::broadcast::RecvResult<int> next = co_await first.recv();
  std::printf("broadcast: missed %llu, then %d\n", static_cast<unsigned long long>(lagged.missed()), next.value());
  (void)second;
}

int main() {
  wf::Runtime rt(2);
  rt.block_on(run());
}
