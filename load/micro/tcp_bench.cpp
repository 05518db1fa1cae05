// Workload 7, tcp_echo_loopback: 100 clients, each doing 10,000 round trips of 64 bytes with an
// echo server in the same runtime. With two workers, which worker serves a connection decides
// the cost: served on the CPU where its client sends (and so where loopback delivers its
// packets), a round trip never crosses cores; served on the other, its socket bounces between
// them. Placing connections in turn made runs vary from 5,950 to 8,000 ns per round trip with
// the pairing the accept order happened to give; the acceptor steers by SO_INCOMING_CPU instead,
// as a server behind a multi-queue NIC would.

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/sync/notify.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

constexpr std::size_t message_size = 64;

// tokio::sync::Barrier(clients + 1), the way the workload uses it: everyone waits for the last.
class Barrier {
 public:
  explicit Barrier(std::size_t parties) noexcept : parties_(parties) {}
  Async<void> wait() {
    Notified released = all_here_.notified();  // created first: catches notify_waiters
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
      all_here_.notify_waiters();
      co_return;
    }
    co_await released;
  }

 private:
  std::size_t parties_;
  std::atomic<std::size_t> arrived_{0};
  Notify all_here_;
};

Async<void> echo_connection(net::TcpStream stream) {
  std::array<std::byte, message_size> buffer{};
  for (;;) {
    io::Result<std::size_t> n = co_await stream.read(buffer);
    if (!n || *n == 0) {
      co_return;
    }
    if (!co_await stream.write_all(std::span(buffer.data(), *n))) {
      co_return;
    }
  }
}

// The worker to serve an accepted connection on. With pinned workers: the one on the CPU where
// the connection's packets arrive (on loopback, its client's CPU), so that each socket is only
// ever touched by one core; otherwise, and when the kernel has not recorded a CPU, the workers in
// turn.
std::size_t serving_worker(const net::TcpStream& stream, std::size_t accepted, const Runtime& runtime) {
  const io::Result<int> cpu = stream.incoming_cpu();
  if (cpu) {
    if (const std::optional<std::size_t> worker = runtime.worker_for_cpu(*cpu)) {
      return *worker;
    }
  }
  return accepted % runtime.threads();
}

// One accept task: accepts every client, sets TCP_NODELAY, and serves each connection on the
// worker serving_worker picks (moving the socket to that worker's reactor), then awaits them all.
Async<void> accept_all(net::TcpListener listener, std::size_t clients, Runtime& runtime) {
  std::vector<JoinHandle<void>> connections;
  connections.reserve(clients);
  for (std::size_t i = 0; i < clients; ++i) {
    io::Result<net::Accepted> accepted = co_await listener.accept();
    if (!accepted) {
      std::abort();
    }
    (void)accepted->stream.set_nodelay(true);
    net::TcpStream stream = std::move(accepted->stream);
    const std::size_t worker = serving_worker(stream, i, runtime);
    if (worker != *Runtime::current_worker_index()) {
      stream = std::move(stream).move_to(runtime.io_context(worker)).value();
    }
    connections.push_back(spawn_on(worker, echo_connection(std::move(stream))));
  }
  for (auto& connection : connections) {
    co_await connection;
  }
}

Async<void> client(asio::ip::tcp::endpoint server, std::size_t id, std::size_t rounds,
                   std::shared_ptr<Barrier> barrier) {
  net::TcpStream stream = (co_await net::TcpStream::connect(server)).value();
  (void)stream.set_nodelay(true);
  std::array<std::uint8_t, message_size> out{};
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k] = static_cast<std::uint8_t>(id + k);
  }
  std::array<std::uint8_t, message_size> in{};
  co_await barrier->wait();
  for (std::size_t r = 0; r < rounds; ++r) {
    out[0] = static_cast<std::uint8_t>(r);
    if (!co_await stream.write_all(std::as_bytes(std::span(out))) ||
        !co_await stream.read_exact(std::as_writable_bytes(std::span(in)))) {
      std::abort();
    }
#ifndef NDEBUG
    if (in != out) {
      std::abort();
    }
#endif
  }
}

Async<Sample> echo_once(std::size_t clients, std::size_t rounds, Runtime& runtime) {
  net::TcpListener listener = net::TcpListener::bind({asio::ip::address_v4::loopback(), 0}).value();
  const asio::ip::tcp::endpoint server = listener.local_endpoint().value();
  JoinHandle<void> acceptor = spawn(accept_all(std::move(listener), clients, runtime));
  auto barrier = std::make_shared<Barrier>(clients + 1);
  std::vector<JoinHandle<void>> handles;
  handles.reserve(clients);
  for (std::size_t c = 0; c < clients; ++c) {
    handles.push_back(spawn_on(c % runtime.threads(), client(server, c, rounds, barrier)));
  }
  co_await barrier->wait();
  const auto t0 = now();
  for (auto& h : handles) {
    co_await h;
  }
  const std::uint64_t ns = elapsed_ns(t0);
  co_await acceptor;
  co_return Sample{ns, clients * rounds, 0};
}

}  // namespace

void tcp_bench(const Options& options) {
  const std::size_t clients = options.quick ? 10 : 100;
  const std::size_t rounds = options.quick ? 100 : 10'000;
  for (std::size_t threads : {1U, 2U}) {
    if (!options.runs(threads == 1 ? "1thread" : "2threads")) {
      continue;
    }
    // Two workers are pinned, one per CPU, so that connections can be steered (serving_worker).
    Runtime rt = threads == 1 ? Runtime::current_thread(options.tcp_locking)
                              : Runtime(threads, WorkerPlacement::pinned, options.tcp_locking);
    const std::vector<Sample> samples =
        options.harness.measure([&] { return rt.block_on(echo_once(clients, rounds, rt)); });
    std::vector<double> per_second;
    per_second.reserve(samples.size());
    for (const Sample& s : samples) {
      per_second.push_back(static_cast<double>(s.ops) * 1e9 / static_cast<double>(s.ns));
    }
    char extra[200];
    std::snprintf(extra, sizeof extra,
                  "median_round_trips_per_s=%.0f;clients=%zu;rounds_per_client=%zu;asio_locking=%s%s",
                  median(per_second), clients, rounds,
                  options.tcp_locking == AsioLocking::worker_thread_only ? "worker_thread_only" : "per_socket",
                  threads == 2 ? ";pinned workers; clients alternate; connections served on their incoming CPU" : "");
    report("tcp_echo_loopback", threads == 1 ? "tcp_64B/1thread" : "tcp_64B/2threads", clients, samples, extra);
  }
}

}  // namespace wakeful::micro
