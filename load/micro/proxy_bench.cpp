// Workload 12, proxy_copy: a client writes BYTES in 64 KiB chunks through a proxy
// (io::copy_bidirectional) to a sink that counts them and answers with the count, on 1 and 2
// threads. The Rust reference is proxy_bench in ../shared/reference/rust-micro/src/net_wl.rs.

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

constexpr std::size_t chunk = std::size_t{64} * 1024;

// Reads until EOF in 64 KiB reads, then writes the byte count back as 8 little-endian bytes.
Async<void> sink(net::TcpListener listener) {
  net::TcpStream stream = std::move((co_await listener.accept()).value().stream);
  std::vector<std::byte> buffer(chunk);
  std::uint64_t total = 0;
  for (;;) {
    const std::size_t n = (co_await stream.read(buffer)).value();
    if (n == 0) {
      break;
    }
    total += n;
  }
  std::array<std::byte, 8> count{};
  for (std::size_t i = 0; i < count.size(); ++i) {
    count[i] = static_cast<std::byte>(total >> (8 * i));
  }
  (void)(co_await stream.write_all(count)).value();
}

// Accepts one connection, connects to the sink, copies both ways until both directions end.
Async<void> proxy(net::TcpListener listener, asio::ip::tcp::endpoint sink_at) {
  net::TcpStream inbound = std::move((co_await listener.accept()).value().stream);
  net::TcpStream outbound = (co_await net::TcpStream::connect(sink_at)).value();
  (void)(co_await io::copy_bidirectional(inbound, outbound)).value();
}

Async<Sample> proxy_once(std::size_t bytes) {
  net::TcpListener sink_listener = net::TcpListener::bind({asio::ip::address_v4::loopback(), 0}).value();
  const asio::ip::tcp::endpoint sink_at = sink_listener.local_endpoint().value();
  JoinHandle<void> sink_task = spawn(sink(std::move(sink_listener)));
  net::TcpListener proxy_listener = net::TcpListener::bind({asio::ip::address_v4::loopback(), 0}).value();
  const asio::ip::tcp::endpoint proxy_at = proxy_listener.local_endpoint().value();
  JoinHandle<void> proxy_task = spawn(proxy(std::move(proxy_listener), sink_at));

  net::TcpStream client = (co_await net::TcpStream::connect(proxy_at)).value();
  const std::vector<std::byte> data(chunk, std::byte{0x5a});
  const auto t0 = now();
  std::size_t sent = 0;
  while (sent < bytes) {
    (void)(co_await client.write_all(data)).value();
    sent += chunk;
  }
  (void)client.shutdown(asio::socket_base::shutdown_send).value();
  std::array<std::byte, 8> ack{};
  (void)(co_await client.read_exact(ack)).value();
  const std::uint64_t ns = elapsed_ns(t0);
  std::uint64_t acked = 0;
  for (std::size_t i = 0; i < ack.size(); ++i) {
    acked |= std::to_integer<std::uint64_t>(ack[i]) << (8 * i);
  }
  if (acked != sent) {
    std::fprintf(stderr, "proxy_copy: the sink counted %llu bytes of %zu\n", static_cast<unsigned long long>(acked),
                 sent);
    std::abort();
  }
  co_await sink_task;
  co_await proxy_task;
  co_return Sample{ns, sent / chunk, 0};
}

}  // namespace

void proxy_bench(const Options& options) {
  const std::size_t bytes = options.quick ? std::size_t{16} << 20U : std::size_t{1} << 30U;
  for (std::size_t threads : {1U, 2U}) {
    const char* flavour = threads == 1 ? "1thread" : "2threads";
    if (!options.runs(flavour)) {
      continue;
    }
    Runtime rt = make_runtime(threads);
    const std::vector<Sample> samples = options.harness.measure([&] { return rt.block_on(proxy_once(bytes)); });
    std::vector<double> per_second;
    per_second.reserve(samples.size());
    for (const Sample& s : samples) {
      per_second.push_back(static_cast<double>(s.ops * chunk) * 1e9 / static_cast<double>(s.ns));
    }
    char extra[64];
    std::snprintf(extra, sizeof extra, "median_bytes_per_s=%.0f", median(per_second));
    report("proxy_copy", std::string("copy_bidirectional/") + flavour, bytes, samples, extra);
  }
}

}  // namespace wakeful::micro
