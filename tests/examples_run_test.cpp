// The example programs, run as a user would: started on an ephemeral loopback port, spoken to
// over sockets, stopped by their process id.

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <random>
#include <string>

#include "support/child_process.hpp"
#include "support/sockets.hpp"

using wakeful::test::ChildProcess;
using wakeful::test::loopback;
using wakeful::test::PlainSocket;
using wakeful::test::port_of;

namespace {

// Reads one line from a blocking socket (with a receive timeout so a bug fails, not hangs).
std::string read_line(const PlainSocket& socket) {
  const timeval timeout{10, 0};
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string line;
  char c = 0;
  while (socket.recv_all(&c, 1) && c != '\n') {
    line += c;
  }
  return line;
}

}  // namespace

TEST_SUITE_BEGIN("examples");

TEST_CASE("echo_server echoes what it gets") {
  ChildProcess server({ECHO_SERVER_PATH, "0"});
  const auto banner = server.read_line();
  REQUIRE(banner);
  PlainSocket client(loopback(port_of(*banner)));
  std::mt19937 rng(3);
  for (int i = 0; i < 50; ++i) {
    std::string out(1 + rng() % 5000, '\0');
    for (auto& c : out) {
      c = static_cast<char>(rng());
    }
    std::string in(out.size(), '\0');
    REQUIRE(client.send_all(out.data(), out.size()));
    REQUIRE(client.recv_all(in.data(), in.size()));
    CHECK(in == out);
  }
}

TEST_CASE("chat_server broadcasts every line to every client") {
  ChildProcess server({CHAT_SERVER_PATH, "0"});
  const auto banner = server.read_line();
  REQUIRE(banner);
  const auto endpoint = loopback(port_of(*banner));
  PlainSocket alice(endpoint);
  CHECK(read_line(alice) == "* client 1 joined");
  PlainSocket bob(endpoint);
  CHECK(read_line(alice) == "* client 2 joined");
  CHECK(read_line(bob) == "* client 2 joined");
  REQUIRE(alice.send_all("hello bob\r\nand ", 15));
  REQUIRE(alice.send_all("more\n", 5));
  CHECK(read_line(bob) == "client 1: hello bob");
  CHECK(read_line(bob) == "client 1: and more");
  CHECK(read_line(alice) == "client 1: hello bob");
  CHECK(read_line(alice) == "client 1: and more");
  alice.close();
  CHECK(read_line(bob) == "* client 1 left");
}

TEST_CASE("connect_retry gets a reply from a server") {
  ChildProcess server({ECHO_SERVER_PATH, "0"});
  const auto banner = server.read_line();
  REQUIRE(banner);
  ChildProcess client({CONNECT_RETRY_PATH, "localhost", std::to_string(port_of(*banner))});
  const auto [output, status] = client.wait();
  CHECK(status == 0);
  CHECK(output.find("reply: hello\n") != std::string::npos);
}

TEST_CASE("connect_retry retries, then gives up on a refused port") {
  std::uint16_t closed_port = 0;
  {
    ChildProcess server({ECHO_SERVER_PATH, "0"});
    const auto banner = server.read_line();
    REQUIRE(banner);
    closed_port = port_of(*banner);
  }  // stopped: its port now refuses connections
  ChildProcess client({CONNECT_RETRY_PATH, "127.0.0.1", std::to_string(closed_port), "2"});
  const auto [output, status] = client.wait();
  CHECK(status == 1);
  CHECK(output.find("connect 127.0.0.1: Connection refused") != std::string::npos);
  CHECK(output.find("attempt 1 failed; retrying in 100 ms") != std::string::npos);
  CHECK(output.find("giving up after 2 attempts") != std::string::npos);
}

TEST_SUITE_END();
