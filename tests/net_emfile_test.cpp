// Out of descriptors: accept backs off instead of spinning or failing, and accepts again once a
// descriptor is free (TcpListener and UnixListener). This program lowers its own RLIMIT_NOFILE, so it runs as its own
// process.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/counted.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

TEST_CASE("accept backs off on EMFILE and recovers when descriptors free up") {
  Runtime rt(1);
  net::TcpListener listener =
      rt.block_on([]() -> Async<net::TcpListener> { co_return net::TcpListener::bind(test::loopback()).value(); }());
  const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();

  // A low limit, then fill the table: the next descriptor anyone asks for is refused.
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = 128;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  std::vector<int> fillers;
  // The client socket must exist before the table is full; it connects afterwards.
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(client >= 0);
  for (;;) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      break;
    }
    fillers.push_back(fd);
  }
  REQUIRE(::connect(client, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0);

  JoinHandle<bool> acceptor = rt.spawn([](net::TcpListener& l) -> Async<bool> {
    io::Result<net::Accepted> accepted = co_await l.accept();
    co_return accepted.ok();
  }(listener));
  // The accept fails with EMFILE and backs off: it must neither finish nor spin.
  REQUIRE(test::eventually([&] { return listener.backoffs() >= 2; }));
  CHECK_FALSE(acceptor.is_finished());
  const std::uint64_t polls_while_starved = rt.metrics()[0].polls;
  CHECK(polls_while_starved < 50);  // a back-off of 5 ms doubling, not a busy loop

  ::close(fillers.back());  // one descriptor free: the next retry succeeds
  fillers.pop_back();
  CHECK(block_on(acceptor));
  for (int fd : fillers) {
    ::close(fd);
  }
  ::close(client);
}

TEST_CASE("a Unix listener backs off on EMFILE too") {
  Runtime rt(1);
  const std::string name = "wakeful-test-emfile-" + std::to_string(::getpid());
  const net::UnixAddress address = net::UnixAddress::abstract(name).value();
  net::UnixListener listener = rt.block_on(
      [](net::UnixAddress at) -> Async<net::UnixListener> { co_return net::UnixListener::bind(at).value(); }(address));

  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = 128;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  const int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(client >= 0);
  std::vector<int> fillers;
  for (;;) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      break;
    }
    fillers.push_back(fd);
  }
  REQUIRE(::connect(client, address.data(), address.size()) == 0);

  JoinHandle<bool> acceptor = rt.spawn([](net::UnixListener& l) -> Async<bool> {
    io::Result<net::UnixAccepted> accepted = co_await l.accept();
    co_return accepted.ok();
  }(listener));
  REQUIRE(test::eventually([&] { return listener.backoffs() >= 2; }));
  CHECK_FALSE(acceptor.is_finished());

  ::close(fillers.back());
  fillers.pop_back();
  CHECK(block_on(acceptor));
  for (int fd : fillers) {
    ::close(fd);
  }
  ::close(client);
}
