// TcpStream::connect to a list of addresses and to a host name: each address in turn, the last
// error when none connects, and names that do not resolve.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using asio::ip::tcp;
using net::TcpListener;
using net::TcpStream;
using test::loopback;

namespace {

// (Inside coroutines, host names are passed as std::string and endpoint lists as named vectors:
// g++ 12 cannot keep a temporary array, a string literal's or an initializer list's, across a
// co_await.)

// A loopback port that was just free: bound, noted, closed.
Async<std::uint16_t> closed_port() { co_return TcpListener::bind(loopback()).value().local_endpoint().value().port(); }

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("connect by name reaches a listener on localhost") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    TcpListener listener = TcpListener::bind(loopback()).value();
    const std::uint16_t port = listener.local_endpoint().value().port();
    // Wherever "localhost" resolves to (127.0.0.1, maybe ::1 first), one address connects.
    TcpStream client = (co_await TcpStream::connect(std::string("localhost"), port)).value();
    CHECK(client.peer_endpoint().value() == loopback(port));
    net::Accepted accepted = (co_await listener.accept()).value();
    CHECK(accepted.peer == client.local_endpoint().value());

    TcpStream numeric = (co_await TcpStream::connect(std::string("127.0.0.1"), port, 5s)).value();
    CHECK(numeric.peer_endpoint().value() == loopback(port));
  }());
}

TEST_CASE("each address is tried in turn; the error of the last is reported") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    TcpListener listener = TcpListener::bind(loopback()).value();
    const tcp::endpoint live = listener.local_endpoint().value();
    const tcp::endpoint refused = loopback(co_await closed_port());

    const std::vector<tcp::endpoint> last_live{refused, refused, live};
    const std::vector<tcp::endpoint> none_live{refused, refused};

    TcpStream stream = (co_await TcpStream::connect(last_live)).value();
    CHECK(stream.peer_endpoint().value() == live);
    TcpStream timed = (co_await TcpStream::connect(last_live, 5s)).value();
    CHECK(timed.peer_endpoint().value() == live);

    CHECK((co_await TcpStream::connect(none_live)).error() == std::errc::connection_refused);
    CHECK((co_await TcpStream::connect(std::vector<tcp::endpoint>())).error() == std::errc::invalid_argument);
    CHECK((co_await TcpStream::connect(std::string("localhost"), refused.port())).error() ==
          std::errc::connection_refused);
  }());
}

TEST_CASE("a name that does not resolve is the resolver's error") {
  Runtime rt(1);
  const std::error_code error = rt.block_on([]() -> Async<std::error_code> {
    // .invalid never resolves (RFC 6761); offline, the resolver may say "try again" instead.
    co_return (co_await TcpStream::connect(std::string("no-such-host.invalid"), 80, 1s)).error();
  }());
  CHECK((error == std::error_code(asio_error_code(asio::error::host_not_found)) ||
         error == std::error_code(asio_error_code(asio::error::host_not_found_try_again))));
}

TEST_CASE("connect by name outside a worker throws") {
  CHECK_THROWS_AS((void)TcpStream::connect("localhost", 80), std::logic_error);
}

TEST_SUITE_END();
