// A client that resolves a host, connects with a timeout, retries with a growing pause, then
// sends a line and prints the first line it gets back.
//
//   build/release/lib/examples/connect_retry HOST PORT [attempts]
//
// Exit status 0 once a reply was printed, 1 when every attempt failed.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

using namespace std::chrono_literals;
using wakeful::Async;
using wakeful::net::TcpStream;

constexpr auto connect_timeout = 500ms;

// One attempt over every address the name resolves to; the first that connects in time wins.
Async<std::optional<TcpStream>> try_connect(const std::string& host, const std::string& port) {
  wakeful::asio::ip::tcp::resolver resolver(wakeful::current_io_context());
  auto endpoints = co_await resolver.async_resolve(host, port, wakeful::use_future);
  if (!endpoints) {
    std::printf("resolve %s: %s\n", host.c_str(), endpoints.error().message().c_str());
    co_return std::nullopt;
  }
  for (const auto& entry : *endpoints) {
    wakeful::io::Result<TcpStream> connected = co_await TcpStream::connect(entry.endpoint(), connect_timeout);
    if (connected) {
      co_return std::move(*connected);
    }
    std::printf("connect %s: %s\n", entry.endpoint().address().to_string().c_str(),
                connected.error().message().c_str());
  }
  co_return std::nullopt;
}

Async<int> run(std::string host, std::string port, int attempts) {
  auto pause = 100ms;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    std::optional<TcpStream> stream = co_await try_connect(host, port);
    if (stream) {
      if (!co_await stream->write_all(wakeful::net::as_bytes("hello\n"))) {
        co_return 1;
      }
      std::string reply;
      std::array<char, 256> buffer{};
      while (reply.find('\n') == std::string::npos) {
        auto n = co_await wakeful::time::timeout(2s, stream->read(std::as_writable_bytes(std::span(buffer))));
        if (!n || !*n || **n == 0) {
          std::printf("no reply\n");
          co_return 1;
        }
        reply.append(buffer.data(), **n);
      }
      std::printf("reply: %s", reply.substr(0, reply.find('\n') + 1).c_str());
      co_return 0;
    }
    if (attempt < attempts) {
      std::printf("attempt %d failed; retrying in %lld ms\n", attempt, static_cast<long long>(pause.count()));
      co_await wakeful::time::sleep_for(pause);
      pause *= 2;
    }
  }
  std::printf("giving up after %d attempts\n", attempts);
  co_return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: connect_retry HOST PORT [attempts]\n");
    return 2;
  }
  const int attempts = argc > 3 ? std::atoi(argv[3]) : 3;
  wakeful::Runtime runtime(1);
  const int status = runtime.block_on(run(argv[1], argv[2], attempts < 1 ? 1 : attempts));
  std::fflush(stdout);
  return status;
}
