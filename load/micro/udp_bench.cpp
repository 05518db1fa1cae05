// Workload 11, udp_pingpong: one echo task on a UdpSocket bound to 127.0.0.1:0 (recv_from into a
// 2,048-byte buffer, send_to back) and the benchmark task on a second socket connected to it,
// doing M round trips of a 64-byte datagram (send, recv, check that 64 bytes came back), on one
// worker.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "workloads.hpp"

namespace wakeful::micro {
namespace {

constexpr std::size_t datagram_size = 64;

Async<void> echo(net::UdpSocket server, std::size_t rounds) {
  std::array<std::byte, 2048> buffer{};
  for (std::size_t r = 0; r < rounds; ++r) {
    io::Result<net::ReceivedFrom<asio::ip::udp::endpoint>> got = co_await server.recv_from(buffer);
    if (!got || !co_await server.send_to(std::span(buffer.data(), got->size), got->peer)) {
      std::abort();
    }
  }
}

Async<Sample> udp_once(std::size_t rounds) {
  const asio::ip::udp::endpoint loopback{asio::ip::address_v4::loopback(), 0};
  net::UdpSocket server = net::UdpSocket::bind(loopback).value();
  const asio::ip::udp::endpoint server_address = server.local_endpoint().value();
  JoinHandle<void> echoing = spawn(echo(std::move(server), rounds));
  net::UdpSocket client = net::UdpSocket::bind(loopback).value();
  client.connect(server_address).value();
  std::array<std::uint8_t, datagram_size> out{};
  std::array<std::uint8_t, 2048> in{};
  const auto t0 = now();
  for (std::size_t r = 0; r < rounds; ++r) {
    out[0] = static_cast<std::uint8_t>(r);
    if (!co_await client.send(std::as_bytes(std::span(out)))) {
      std::abort();
    }
    io::Result<net::Received> back = co_await client.recv(std::as_writable_bytes(std::span(in)));
    if (!back || back->size != datagram_size) {
      std::abort();
    }
#ifndef NDEBUG
    if (!std::equal(out.begin(), out.end(), in.begin())) {
      std::abort();
    }
#endif
  }
  const std::uint64_t ns = elapsed_ns(t0);
  co_await echoing;
  co_return Sample{ns, rounds, 0};
}

}  // namespace

void udp_bench(const Options& options) {
  if (!options.runs("1thread")) {
    return;
  }
  const std::size_t rounds = options.quick ? 1'000 : 100'000;
  // As tcp: both sockets stay on the one worker, so Asio's per-socket locking is off unless asked.
  Runtime rt = Runtime::current_thread(options.tcp_locking);
  const std::vector<Sample> samples = options.harness.measure([&] { return rt.block_on(udp_once(rounds)); });
  report("udp_pingpong", "udp_64B/1thread", rounds, samples, "op=one round trip");
}

}  // namespace wakeful::micro
