// Worker placement: a pinned runtime keeps each worker on its own CPU and maps CPUs back to
// workers, so that a connection can be served where its packets arrive; a floating one pins
// nothing.

#include <doctest/doctest.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <vector>

#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using net::TcpListener;
using net::TcpStream;
using test::loopback;

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

TEST_CASE("incoming_cpu names the CPU of the sender on loopback, so a pinned runtime can steer") {
  cpu_set_t allowed;
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  Runtime rt(std::min(CPU_COUNT(&allowed), 4), WorkerPlacement::pinned);  // one worker per CPU
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  const asio::ip::tcp::endpoint server = listener.local_endpoint().value();
  for (std::size_t worker = 0; worker < rt.threads(); ++worker) {
    auto send_one_byte = [](asio::ip::tcp::endpoint to) -> Async<TcpStream> {
      TcpStream stream = (co_await TcpStream::connect(to)).value();
      CHECK(co_await stream.write_all(net::as_bytes("x")));
      co_return stream;
    };
    // The client sends from `worker`'s CPU; loopback processes the packet on the sender's CPU.
    TcpStream client = block_on(rt.spawn_on(worker, send_one_byte(server)));
    const int incoming = rt.block_on([](TcpListener& l) -> Async<int> {
      TcpStream accepted = (co_await l.accept()).value().stream;
      std::array<std::byte, 1> in{};
      CHECK(co_await accepted.read_exact(in));
      co_return accepted.incoming_cpu().value();
    }(listener));
    CHECK(incoming == rt.worker_cpu(worker));
    CHECK(rt.worker_for_cpu(incoming) == std::optional<std::size_t>(worker));
  }
}

TEST_SUITE_END();
