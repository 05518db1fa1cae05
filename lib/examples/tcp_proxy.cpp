// A TCP proxy: each connection accepted is joined to a new connection to the upstream server and
// copied both ways by io::copy_bidirectional, in a task of its own; the tasks are held in a
// JoinSet, which reports each one's byte counts as it ends (and aborts the rest if the proxy is
// dropped).
//
//   build/release/lib/examples/tcp_proxy <port> <upstream address> <upstream port>
//   build/release/lib/examples/tcp_proxy --demo [connections]
//
// --demo runs the whole picture in one process: an upstream echo server, the proxy serving that
// many connections, and as many clients sending data through it and checking that it comes back.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

using wakeful::Async;
using wakeful::JoinSet;
using wakeful::asio::ip::tcp;
using wakeful::io::CopiedBytes;
using wakeful::net::TcpListener;
using wakeful::net::TcpStream;

// One proxied connection: connects upstream, then copies until both directions have ended.
Async<CopiedBytes> proxy_connection(TcpStream inbound, tcp::endpoint upstream) {
  wakeful::io::Result<TcpStream> outbound = co_await TcpStream::connect(upstream);
  if (!outbound) {
    std::fprintf(stderr, "upstream: %s\n", outbound.error().message().c_str());
    co_return CopiedBytes{};
  }
  wakeful::io::Result<CopiedBytes> copied = co_await wakeful::io::copy_bidirectional(inbound, *outbound);
  if (!copied) {
    std::fprintf(stderr, "proxy: %s\n", copied.error().message().c_str());
    co_return CopiedBytes{};
  }
  co_return *copied;
}

// Accepts `connections` connections (0: without end), one task each; returns the totals.
Async<CopiedBytes> proxy(TcpListener listener, tcp::endpoint upstream, int connections) {
  JoinSet<CopiedBytes> tasks;
  CopiedBytes total;
  for (int accepted = 0; connections == 0 || accepted < connections; ++accepted) {
    wakeful::io::Result<wakeful::net::Accepted> next = co_await listener.accept();
    if (!next) {
      std::fprintf(stderr, "accept: %s\n", next.error().message().c_str());
      continue;
    }
    tasks.spawn(proxy_connection(std::move(next->stream), upstream));
    while (std::optional<CopiedBytes> done = tasks.try_join_next()) {  // reap the finished
      total.a_to_b += done->a_to_b;
      total.b_to_a += done->b_to_a;
    }
  }
  while (std::optional<CopiedBytes> done = co_await tasks.join_next()) {
    total.a_to_b += done->a_to_b;
    total.b_to_a += done->b_to_a;
  }
  co_return total;
}

// --- the demo ------------------------------------------------------------------------------------

// The upstream: echoes each connection through its split halves until the client's side ends.
Async<void> echo(TcpStream stream) {
  auto [from, to] = std::move(stream).into_split();
  (void)co_await wakeful::io::copy(from, to);
}  // dropping the write half shuts it down: the client reads the end

Async<void> echo_server(TcpListener listener) {
  for (;;) {
    if (auto accepted = co_await listener.accept()) {
      wakeful::spawn(echo(std::move(accepted->stream))).detach();
    }
  }
}

// A client: sends its bytes, ends its side, and checks that exactly those bytes come back.
Async<bool> client(tcp::endpoint proxy_at, int id, std::size_t size) {
  std::vector<std::byte> sent(size);
  for (std::size_t i = 0; i < size; ++i) {
    sent[i] = static_cast<std::byte>(i * 7 + static_cast<std::size_t>(id));
  }
  wakeful::io::Result<TcpStream> stream = co_await TcpStream::connect(proxy_at);
  if (!stream || !co_await wakeful::io::write_all(*stream, sent) || !co_await wakeful::io::shutdown(*stream)) {
    co_return false;
  }
  std::vector<std::byte> received;
  co_return (co_await wakeful::io::read_to_end(*stream, received)).ok() && received == sent;
}

Async<int> demo(int connections) {
  constexpr std::size_t bytes_per_client = std::size_t{64} * 1024;
  TcpListener upstream = TcpListener::bind({wakeful::asio::ip::address_v4::loopback(), 0}).value();
  TcpListener front = TcpListener::bind({wakeful::asio::ip::address_v4::loopback(), 0}).value();
  const tcp::endpoint upstream_at = upstream.local_endpoint().value();
  const tcp::endpoint proxy_at = front.local_endpoint().value();
  wakeful::JoinHandle<void> echoing = wakeful::spawn(echo_server(std::move(upstream)));
  wakeful::JoinHandle<CopiedBytes> proxying = wakeful::spawn(proxy(std::move(front), upstream_at, connections));
  JoinSet<bool> clients;
  for (int id = 0; id < connections; ++id) {
    clients.spawn(client(proxy_at, id, bytes_per_client));
  }
  int intact = 0;
  while (std::optional<bool> ok = co_await clients.join_next()) {
    intact += *ok ? 1 : 0;
  }
  const CopiedBytes total = co_await proxying;
  echoing.abort();
  std::printf("%d connections proxied, %llu bytes up, %llu bytes down, %d echoed intact\n", connections,
              static_cast<unsigned long long>(total.a_to_b), static_cast<unsigned long long>(total.b_to_a), intact);
  co_return intact == connections ? 0 : 1;
}

Async<int> serve(unsigned short port, tcp::endpoint upstream) {
  auto listener = TcpListener::bind({wakeful::asio::ip::address_v4::loopback(), port});
  if (!listener) {
    std::fprintf(stderr, "bind: %s\n", listener.error().message().c_str());
    co_return 1;
  }
  std::printf("proxying 127.0.0.1:%u to %s\n", listener->local_endpoint().value().port(),
              upstream.address().to_string().c_str());
  std::fflush(stdout);
  (void)co_await proxy(std::move(*listener), upstream, 0);
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  wakeful::Runtime runtime(2);
  if (argc >= 2 && std::strcmp(argv[1], "--demo") == 0) {
    return runtime.block_on(demo(argc > 2 ? std::atoi(argv[2]) : 16));
  }
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: tcp_proxy <port> <upstream address> <upstream port>\n       tcp_proxy --demo [connections]\n");
    return 2;
  }
  wakeful::asio_error_code error;
  const auto address = wakeful::asio::ip::make_address(argv[2], error);
  if (error) {
    std::fprintf(stderr, "bad upstream address: %s\n", argv[2]);
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::strtoul(argv[1], nullptr, 10));
  const auto upstream_port = static_cast<unsigned short>(std::strtoul(argv[3], nullptr, 10));
  return runtime.block_on(serve(port, tcp::endpoint(address, upstream_port)));
}
