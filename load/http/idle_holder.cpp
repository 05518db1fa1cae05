// idle_holder: opens many keep-alive connections to an HTTP server, makes one request on each,
// then holds them open and idle until SIGINT/SIGTERM or --hold elapses. Written with wakeful.
//
//   idle_holder --port PORT --connections N [--host 127.0.0.1] [--sources 127.0.0.2]
//               [--per-source 15000] [--path /plaintext] [--parallel 256] [--hold 600]
//
// Past the ephemeral port range, one source address runs out of ports for one destination, so
// connection i binds to source address --sources + i / --per-source (127.0.0.x all reach
// loopback). It prints "holding N failed F" once all are set up, and when told to stop,
// "released N closed_by_server C" (C: connections the server had closed meanwhile), then exits.

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <wakeful/asio.hpp>
#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

using wakeful::Async;
using wakeful::net::TcpSocket;
using wakeful::net::TcpStream;
namespace asio = wakeful::asio;
namespace io = wakeful::io;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t connections = 0;
  std::string sources = "127.0.0.2";
  std::size_t per_source = 15'000;
  std::string path = "/plaintext";
  std::size_t parallel = 256;
  std::chrono::seconds hold{600};
};

// Connects from `source`, sends one request, reads its whole response: a kept-alive connection.
Async<std::optional<TcpStream>> open_one(asio::ip::address source, asio::ip::tcp::endpoint server,
                                         const std::string& request) {
  TcpSocket socket(wakeful::current_io_context());
  wakeful::asio_error_code error;
  socket.open(server.protocol(), error);
  if (!error) {
    socket.set_option(asio::socket_base::reuse_address(true), error);
  }
  if (!error) {
    // The port is then chosen at connect time, knowing the destination, so a port whose earlier
    // connection is in TIME_WAIT can serve again: a second holder on the same sources still finds
    // ports.
    const int enable = 1;
    if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &enable, sizeof enable) != 0) {
      error = wakeful::asio_error_code(errno, asio::error::get_system_category());
    }
  }
  if (!error) {
    socket.bind(asio::ip::tcp::endpoint(source, 0), error);
  }
  if (error) {
    co_return std::nullopt;
  }
  const io::Result<void> connected = co_await socket.async_connect(server, wakeful::use_future);
  if (!connected) {
    co_return std::nullopt;
  }
  TcpStream stream(std::move(socket));
  if (!co_await stream.write_all(wakeful::net::as_bytes(request))) {
    co_return std::nullopt;
  }
  // The head, then Content-Length bytes of body.
  std::string response;
  std::array<char, 4096> buffer{};
  std::size_t wanted = std::string::npos;
  while (response.size() < wanted) {
    auto n = co_await wakeful::time::timeout(std::chrono::seconds(10),
                                             stream.read(std::as_writable_bytes(std::span(buffer))));
    if (!n || !*n || **n == 0) {
      co_return std::nullopt;
    }
    response.append(buffer.data(), **n);
    const std::size_t head_end = response.find("\r\n\r\n");
    if (wanted == std::string::npos && head_end != std::string::npos) {
      const std::size_t field = response.find("Content-Length: ");
      if (field == std::string::npos || field > head_end) {
        co_return std::nullopt;
      }
      wanted = head_end + 4 + std::strtoul(response.c_str() + field + 16, nullptr, 10);
    }
  }
  co_return std::move(stream);
}

// True when the server has closed `stream` (EOF or reset): a non-blocking look.
bool closed_by_peer(TcpStream& stream) {
  char byte = 0;
  const ssize_t n = ::recv(stream.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

Async<int> run(Options options) {
  const asio::ip::tcp::endpoint server(asio::ip::make_address(options.host), options.port);
  const asio::ip::address_v4 first_source = asio::ip::make_address_v4(options.sources);
  const std::string request = "GET " + options.path + " HTTP/1.1\r\nHost: " + options.host + "\r\n\r\n";

  std::vector<TcpStream> held;
  held.reserve(options.connections);
  std::size_t failed = 0;
  std::size_t started = 0;
  wakeful::FuturesUnordered<Async<std::optional<TcpStream>>> opening;
  while (started < options.connections || !opening.is_empty()) {
    while (started < options.connections && opening.len() < options.parallel) {
      const asio::ip::address_v4 source(first_source.to_uint() +
                                        static_cast<std::uint32_t>(started / options.per_source));
      opening.push(open_one(source, server, request));
      ++started;
    }
    std::optional<std::optional<TcpStream>> done = co_await opening.next();
    if (done && *done) {
      held.push_back(std::move(**done));
    } else {
      ++failed;
    }
  }
  std::printf("holding %zu failed %zu\n", held.size(), failed);
  std::fflush(stdout);

  asio::signal_set signals(wakeful::current_io_context(), SIGINT, SIGTERM);
  co_await wakeful::time::timeout(options.hold, signals.async_wait(wakeful::use_future));
  std::size_t closed = 0;
  for (TcpStream& stream : held) {
    closed += closed_by_peer(stream) ? 1 : 0;
  }
  std::printf("released %zu closed_by_server %zu\n", held.size(), closed);
  std::fflush(stdout);
  co_return failed == 0 ? 0 : 1;
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      options.port = static_cast<std::uint16_t>(std::stoul(value));
    } else if (flag == "--connections") {
      options.connections = std::stoul(value);
    } else if (flag == "--sources") {
      options.sources = value;
    } else if (flag == "--per-source") {
      options.per_source = std::max<std::size_t>(1, std::stoul(value));
    } else if (flag == "--path") {
      options.path = value;
    } else if (flag == "--parallel") {
      options.parallel = std::max<std::size_t>(1, std::stoul(value));
    } else if (flag == "--hold") {
      options.hold = std::chrono::seconds(std::stoul(value));
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && options.port != 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    if (!parse(argc, argv, options)) {
      std::fprintf(stderr,
                   "usage: idle_holder --port PORT --connections N [--host 127.0.0.1] [--sources 127.0.0.2]\n"
                   "                   [--per-source 15000] [--path /plaintext] [--parallel 256] [--hold 600]\n");
      return 2;
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "idle_holder: bad number\n");
    return 2;
  }
  // As many descriptors as the hard limit allows.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  wakeful::Runtime runtime = wakeful::Runtime::current_thread();
  return runtime.block_on(run(options));
}
