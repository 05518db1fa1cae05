// An echo server: one task per connection, each reading and writing back until EOF.
//
//   build/release/lib/examples/echo_server [port]      (port 0, the default, picks a free one)
//
// It prints "listening on ADDRESS:PORT" and serves until it is killed.

#include <array>
#include <cstdio>
#include <cstdlib>

#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

using wakeful::Async;
using wakeful::net::TcpListener;
using wakeful::net::TcpStream;

Async<void> echo(TcpStream stream) {
  std::array<std::byte, 4096> buffer{};
  for (;;) {
    wakeful::io::Result<std::size_t> n = co_await stream.read(buffer);
    if (!n || *n == 0) {
      co_return;  // an error, or the client closed its side
    }
    if (!co_await stream.write_all(std::span(buffer.data(), *n))) {
      co_return;
    }
  }
}

Async<int> serve(unsigned short port) {
  auto listener = TcpListener::bind({wakeful::asio::ip::address_v4::loopback(), port});
  if (!listener) {
    std::fprintf(stderr, "bind: %s\n", listener.error().message().c_str());
    co_return 1;
  }
  const auto address = listener->local_endpoint().value();
  std::printf("listening on %s:%u\n", address.address().to_string().c_str(), address.port());
  std::fflush(stdout);
  for (;;) {
    auto accepted = co_await listener->accept();
    if (accepted) {
      wakeful::spawn(echo, std::move(accepted->stream)).detach();  // runs on this worker
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<unsigned short>(argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 0);
  wakeful::Runtime runtime(1);
  return runtime.block_on(serve(port));
}
