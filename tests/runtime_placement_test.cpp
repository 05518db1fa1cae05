// Worker placement: a pinned runtime keeps each worker on its own CPU and maps CPUs back to
// workers; a floating one pins nothing.

#include <doctest/doctest.h>
#include <sched.h>

#include <optional>
#include <stdexcept>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/runtime/runtime.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

namespace {

// The CPUs the calling thread may run on.
std::vector<int> affinity_of_this_thread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) {
      cpus.push_back(cpu);
    }
  }
  return cpus;
}

Async<std::vector<int>> affinity_of_worker() { co_return affinity_of_this_thread(); }

}  // namespace

TEST_SUITE_BEGIN("runtime");

TEST_CASE("a pinned runtime runs worker i on the i-th allowed CPU only") {
  const std::vector<int> allowed = affinity_of_this_thread();
  const std::size_t workers = allowed.size() + 1;  // one more than CPUs: the last one wraps round
  Runtime rt(workers, WorkerPlacement::pinned);
  for (std::size_t i = 0; i < workers; ++i) {
    const int expected = allowed[i % allowed.size()];
    CHECK(rt.worker_cpu(i) == std::optional<int>(expected));
    const std::vector<int> seen = block_on(rt.spawn_on(i, affinity_of_worker()));
    CHECK(seen == std::vector<int>{expected});
  }
  // A CPU maps back to the first worker pinned there.
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    CHECK(rt.worker_for_cpu(allowed[i]) == std::optional<std::size_t>(i));
  }
  CHECK_FALSE(rt.worker_for_cpu(-1).has_value());
  CHECK_FALSE(rt.worker_for_cpu(CPU_SETSIZE).has_value());
  CHECK_THROWS_AS((void)rt.worker_cpu(workers), std::out_of_range);
}

TEST_CASE("a floating runtime pins nothing and maps no CPU to a worker") {
  const std::vector<int> allowed = affinity_of_this_thread();
  Runtime rt(2);
  CHECK_FALSE(rt.worker_cpu(0).has_value());
  CHECK_FALSE(rt.worker_for_cpu(allowed.front()).has_value());
  CHECK(block_on(rt.spawn_on(1, affinity_of_worker())) == allowed);
  Runtime single = Runtime::current_thread();
  CHECK_FALSE(single.worker_cpu(0).has_value());
}

TEST_SUITE_END();
