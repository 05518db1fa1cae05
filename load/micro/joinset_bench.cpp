// Workloads 1 and 2, joinset_wake_one: N pending children, one woken per round. 1 drives a
// FuturesUnordered (and the naive poll-all set) by hand, with no runtime; 2 joins spawned tasks
// woken through oneshot channels with a JoinSet.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/oneshot.hpp"
#include "wakeful/task/futures_unordered.hpp"
#include "wakeful/task/join_set.hpp"
#include "wakeful/task/poll_all.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

// --- workload 1 -------------------------------------------------------------------------------

// Slot i: the ready flag and the waker its current child stored (single-threaded, like Cell).
// An empty slot holds the no-op waker (Rust's Option<Waker> is the same 16 bytes).
struct Slot {
  Waker waker;
  bool ready = false;
  bool has_waker = false;
};

// The reference's hand-written child.
class Child {
 public:
  Child(Slot& slot, std::uint32_t id, std::uint64_t& polls) noexcept : slot_(&slot), id_(id), polls_(&polls) {}
  Poll<std::uint32_t> poll(Context& cx) {
    ++*polls_;
    if (slot_->ready) {
      return id_;
    }
    if (!slot_->has_waker || !slot_->waker.will_wake(cx.waker())) {
      slot_->waker = cx.waker();
      slot_->has_waker = true;
    }
    return Pending;
  }

 private:
  Slot* slot_;
  std::uint32_t id_;
  std::uint64_t* polls_;
};

// The root waker of the manual executor: sets a flag; reference counted like the reference's
// Arc-based waker.
struct RootWake {
  std::atomic<bool> woken{false};
  std::atomic<std::size_t> refs{1};
};

RawWaker root_clone(const void* data);
void root_wake_by_ref(const void* data) {
  static_cast<RootWake*>(const_cast<void*>(data))->woken.store(true, std::memory_order_release);
}
void root_drop(const void* data) {
  auto* root = static_cast<RootWake*>(const_cast<void*>(data));
  if (root->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete root;
  }
}
void root_wake(const void* data) {
  root_wake_by_ref(data);
  root_drop(data);
}
constexpr RawWakerVTable root_vtable{&root_clone, &root_wake, &root_wake_by_ref, &root_drop};
RawWaker root_clone(const void* data) {
  static_cast<RootWake*>(const_cast<void*>(data))->refs.fetch_add(1, std::memory_order_relaxed);
  return RawWaker{data, &root_vtable};
}

struct ManualResult {
  Sample rounds;
  Sample setup;
  std::uint64_t root_wakes;
};

// Runs the rounds of workload 1 on `set`, which is FuturesUnordered<Child> or PollAll<Child>.
template <class Set>
ManualResult run_manual(std::size_t n, std::size_t m) {
  std::vector<Slot> slots(n);
  std::uint64_t polls = 0;
  auto* root = new RootWake;
  const Waker waker = Waker::from_raw(RawWaker{root, &root_vtable});
  Context cx(waker);
  SplitMix64 rng;

  // Setup: push N children, poll until each was polled once. (futures 0.3.21 polls all N in its
  // first poll_next; wakeful's poll_next polls at most 32 per call and yields, so it takes N / 32.)
  auto t0 = now();
  Set set;
  for (std::size_t i = 0; i < n; ++i) {
    set.push(Child(slots[i], static_cast<std::uint32_t>(i), polls));
  }
  while (polls < n) {
    if (set.poll_next(cx).is_ready()) {
      std::abort();
    }
  }
  const Sample setup{elapsed_ns(t0), n, polls};

  polls = 0;
  root->woken.store(false, std::memory_order_relaxed);
  std::uint64_t root_wakes = 0;
  t0 = now();
  for (std::size_t r = 0; r < m; ++r) {
    const std::size_t i = rng.below(n);
    Slot& slot = slots[i];
    slot.ready = true;
    if (slot.has_waker) {
      slot.has_waker = false;
      std::move(slot.waker).wake();  // by value: leaves the no-op waker behind
    }
    if (root->woken.exchange(false, std::memory_order_acquire)) {
      ++root_wakes;
    }
    Poll<std::optional<std::uint32_t>> out = set.poll_next(cx);
    if (out.is_pending() || !*out || **out != i) {
      std::abort();
    }
    slot.ready = false;
    set.push(Child(slot, static_cast<std::uint32_t>(i), polls));
  }
  const Sample rounds{elapsed_ns(t0), m, polls};
  return ManualResult{rounds, setup, root_wakes};
}

template <class Set>
void report_manual(const Options& options, std::size_t n, std::size_t m, const char* variant,
                   const char* setup_variant) {
  std::vector<Sample> rounds;
  std::vector<Sample> setups;
  std::uint64_t root_wakes = 0;
  for (const ManualResult& r : options.harness.measure([&] { return run_manual<Set>(n, m); })) {
    rounds.push_back(r.rounds);
    setups.push_back(r.setup);
    root_wakes = r.root_wakes;
  }
  char extra[64];
  std::snprintf(extra, sizeof extra, "root_wakes_per_round=%.3f",
                static_cast<double>(root_wakes) / static_cast<double>(m));
  report("joinset_wake_one", variant, n, rounds, extra);
  report("joinset_setup", setup_variant, n, setups, "op=one child");
}

// --- workload 2 -------------------------------------------------------------------------------

// `Counted(async move { let _ = rx.await; i })`.
class OneshotChild {
 public:
  OneshotChild(oneshot::Receiver<bool> rx, std::uint32_t id) noexcept : rx_(std::move(rx)), id_(id) {}
  Poll<std::uint32_t> poll(Context& cx) {
    if (rx_.poll(cx).is_pending()) {
      return Pending;
    }
    return id_;
  }

 private:
  oneshot::Receiver<bool> rx_;
  std::uint32_t id_;
};

struct JoinSetResult {
  Sample rounds;
  Sample setup;
};

Async<JoinSetResult> joinset_once(std::size_t n, std::size_t m) {
  SplitMix64 rng;
  JoinSet<std::uint32_t> set;
  std::vector<std::optional<oneshot::Sender<bool>>> senders;
  senders.reserve(n);

  std::uint64_t p0 = task_polls;
  auto t0 = now();
  for (std::size_t i = 0; i < n; ++i) {
    auto [tx, rx] = oneshot::channel<bool>();
    senders.emplace_back(std::move(tx));
    set.spawn(counted(OneshotChild(std::move(rx), static_cast<std::uint32_t>(i))));
  }
  while (task_polls - p0 < n) {
    co_await yield_now();
  }
  const Sample setup{elapsed_ns(t0), n, task_polls - p0};

  p0 = task_polls;
  t0 = now();
  for (std::size_t r = 0; r < m; ++r) {
    const std::size_t i = rng.below(n);
    (void)std::exchange(senders[i], std::nullopt)->send(true);
    const std::optional<std::uint32_t> id = co_await set.join_next();
    if (!id || *id != i) {
      std::abort();
    }
    auto [tx, rx] = oneshot::channel<bool>();
    senders[i].emplace(std::move(tx));
    set.spawn(counted(OneshotChild(std::move(rx), static_cast<std::uint32_t>(i))));
  }
  const Sample rounds{elapsed_ns(t0), m, task_polls - p0};
  co_await set.shutdown();
  co_return JoinSetResult{rounds, setup};
}

}  // namespace

void joinset_manual_bench(const Options& options) {
  const std::size_t m = options.quick ? 10'000 : 100'000;
  const std::uint64_t naive_budget = options.quick ? 1'000'000 : 100'000'000;
  for (std::size_t n : options.sizes()) {
    report_manual<FuturesUnordered<Child>>(options, n, m, "futures_unordered_manual",
                                           "futures_unordered_push_plus_first_poll");
    const std::size_t m_naive = std::clamp<std::size_t>(naive_budget / n, 1'000, m);
    report_manual<PollAll<Child>>(options, n, m_naive, "naive_poll_all_manual", "naive_vec_build_plus_first_poll");
  }
}

void joinset_runtime_bench(const Options& options) {
  const std::size_t m = options.quick ? 10'000 : 100'000;
  if (!options.runs("1thread")) {
    return;
  }
  for (std::size_t n : options.sizes()) {
    Runtime rt = make_runtime(1);
    std::vector<Sample> rounds;
    std::vector<Sample> setups;
    for (const JoinSetResult& r : options.harness.measure([&] { return rt.block_on(joinset_once(n, m)); })) {
      rounds.push_back(r.rounds);
      setups.push_back(r.setup);
    }
    report("joinset_wake_one", "joinset_oneshot/1thread", n, rounds, "");
    report("joinset_setup", "joinset_spawn_plus_first_poll/1thread", n, setups, "op=one child");
  }
}

}  // namespace wakeful::micro
