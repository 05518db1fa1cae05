// UdpSocket end to end on loopback: round trips unconnected and connected, truncated datagrams
// and peeks, errors from the kernel (ICMP, sizes, families, broadcast permission), multicast,
// cross-thread wake-ups, and drops while a wait is in flight.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using asio::ip::udp;
using net::UdpSocket;

namespace {

udp::endpoint loopback_v4(std::uint16_t port = 0) { return {asio::ip::address_v4::loopback(), port}; }

std::span<const std::byte> bytes_of(std::string_view text) { return net::as_bytes(text); }

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: byte view of chars
}

// Echoes `count` datagrams back to their senders, then returns.
Async<void> echo(UdpSocket socket, int count) {
  std::array<std::byte, 2048> buffer{};
  for (int i = 0; i < count; ++i) {
    io::Result<net::ReceivedFrom<udp::endpoint>> got = co_await socket.recv_from(buffer);
    if (!got) {
      co_return;
    }
    (void)co_await socket.send_to(std::span(buffer.data(), got->size), got->peer);
  }
}

// A plain blocking UDP socket with a receive timeout, so a bug fails a test instead of hanging it.
class PlainUdp {
 public:
  PlainUdp() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    const timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  PlainUdp(const PlainUdp&) = delete;
  PlainUdp& operator=(const PlainUdp&) = delete;
  ~PlainUdp() { ::close(fd_); }
  bool send_to(const void* data, std::size_t size, const udp::endpoint& to) const {
    return ::sendto(fd_, data, size, 0, to.data(), static_cast<socklen_t>(to.size())) == static_cast<ssize_t>(size);
  }
  ssize_t recv(void* data, std::size_t size) const { return ::recv(fd_, data, size, 0); }

 private:
  int fd_;
};

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("datagrams go both ways, unconnected and connected") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket server = UdpSocket::bind(loopback_v4()).value();
    UdpSocket client = UdpSocket::bind(loopback_v4()).value();
    const udp::endpoint server_address = server.local_endpoint().value();
    const udp::endpoint client_address = client.local_endpoint().value();
    CHECK(server_address.port() != 0);

    CHECK((co_await client.send_to(bytes_of("hello"), server_address)).value() == 5);
    std::array<std::byte, 64> buffer{};
    const net::ReceivedFrom<udp::endpoint> got = (co_await server.recv_from(buffer)).value();
    CHECK(text_of(std::span(buffer.data(), got.size)) == "hello");
    CHECK(got.length == 5);
    CHECK_FALSE(got.truncated());
    CHECK(got.peer == client_address);

    // Connected: send and recv talk to the peer only.
    CHECK(client.peer_endpoint().error() == std::errc::not_connected);
    REQUIRE(client.connect(server_address));
    CHECK(client.peer_endpoint().value() == server_address);
    JoinHandle<void> echoing = spawn(echo(std::move(server), 100));
    for (int i = 0; i < 100; ++i) {
      const std::string message = "message " + std::to_string(i);
      CHECK((co_await client.send(bytes_of(message))).value() == message.size());
      const net::Received back = (co_await client.recv(buffer)).value();
      CHECK(text_of(std::span(buffer.data(), back.size)) == message);
    }
    co_await echoing;
  }());
}

TEST_CASE("a datagram longer than the buffer is reported truncated, and the next is whole") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket receiver = UdpSocket::bind(loopback_v4()).value();
    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    REQUIRE(sender.connect(receiver.local_endpoint().value()));
    REQUIRE(receiver.connect(sender.local_endpoint().value()));
    const std::string big(100, 'x');
    REQUIRE((co_await sender.send(bytes_of(big))).value() == 100);
    REQUIRE((co_await sender.send(bytes_of("small"))).value() == 5);

    std::array<std::byte, 10> buffer{};
    const net::Received cut = (co_await receiver.recv(buffer)).value();
    CHECK(cut.size == 10);
    CHECK(cut.length == 100);
    CHECK(cut.truncated());
    CHECK(text_of(buffer) == std::string(10, 'x'));

    const net::ReceivedFrom<udp::endpoint> next = (co_await receiver.recv_from(buffer)).value();
    CHECK(next.size == 5);
    CHECK(next.length == 5);
    CHECK_FALSE(next.truncated());
    CHECK(text_of(std::span(buffer.data(), next.size)) == "small");
  }());
}

TEST_CASE("peek_from reports the next datagram's length and leaves it queued") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket receiver = UdpSocket::bind(loopback_v4()).value();
    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    const std::string message(50, 'p');
    REQUIRE(co_await sender.send_to(bytes_of(message), receiver.local_endpoint().value()));

    std::array<std::byte, 4> small{};
    const net::ReceivedFrom<udp::endpoint> peeked = (co_await receiver.peek_from(small)).value();
    CHECK(peeked.size == 4);
    CHECK(peeked.length == 50);
    CHECK(peeked.truncated());
    CHECK(peeked.peer == sender.local_endpoint().value());

    std::vector<std::byte> sized(peeked.length);
    const net::ReceivedFrom<udp::endpoint> taken = (co_await receiver.recv_from(sized)).value();
    CHECK(taken.size == 50);
    CHECK_FALSE(taken.truncated());
    CHECK(text_of(sized) == message);
    CHECK(receiver.try_recv_from(sized).error() == std::errc::operation_would_block);
  }());
}

TEST_CASE("the kernel's refusals come back as error codes") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket socket = UdpSocket::bind(loopback_v4()).value();
    // A port nobody listens on: the ICMP port-unreachable fails the next operation of a
    // connected socket.
    const std::uint16_t closed_port = UdpSocket::bind(loopback_v4()).value().local_endpoint().value().port();
    REQUIRE(socket.connect(loopback_v4(closed_port)));
    REQUIRE(co_await socket.send(bytes_of("anyone?")));
    std::array<std::byte, 16> buffer{};
    CHECK((co_await socket.recv(buffer)).error() == std::errc::connection_refused);

    UdpSocket unconnected = UdpSocket::bind(loopback_v4()).value();
    CHECK((co_await unconnected.send(bytes_of("x"))).error() == std::errc::destination_address_required);
    const std::vector<std::byte> too_big(70'000);
    CHECK((co_await unconnected.send_to(too_big, loopback_v4(closed_port))).error() == std::errc::message_size);
    CHECK((co_await unconnected.send_to(bytes_of("x"), {asio::ip::address_v6::loopback(), closed_port})).error() ==
          std::errc::address_family_not_supported);
    CHECK(UdpSocket::bind(socket.local_endpoint().value()).error() == std::errc::address_in_use);
  }());
}

TEST_CASE("IPv6 loopback") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    io::Result<UdpSocket> server = UdpSocket::bind({asio::ip::address_v6::loopback(), 0});
    if (!server) {
      MESSAGE("no IPv6 loopback here: " << server.error().message());
      co_return;
    }
    UdpSocket client = UdpSocket::bind({asio::ip::address_v6::loopback(), 0}).value();
    REQUIRE(co_await client.send_to(bytes_of("six"), server->local_endpoint().value()));
    std::array<std::byte, 8> buffer{};
    const net::ReceivedFrom<udp::endpoint> got = (co_await server->recv_from(buffer)).value();
    CHECK(got.size == 3);
    CHECK(got.peer == client.local_endpoint().value());
    CHECK(got.peer.address().is_v6());
  }());
}

TEST_CASE("broadcast needs set_broadcast") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket receiver = UdpSocket::bind({asio::ip::address_v4::any(), 0}).value();
    const udp::endpoint broadcast{asio::ip::make_address_v4("127.255.255.255"), receiver.local_endpoint()->port()};
    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    CHECK((co_await sender.send_to(bytes_of("all"), broadcast)).error() == std::errc::permission_denied);

    REQUIRE(sender.set_broadcast(true));
    asio::socket_base::broadcast enabled;
    REQUIRE(sender.get_option(enabled));
    CHECK(enabled.value());
    REQUIRE(co_await sender.send_to(bytes_of("all"), broadcast));
    std::array<std::byte, 8> buffer{};
    const net::ReceivedFrom<udp::endpoint> got = (co_await receiver.recv_from(buffer)).value();
    CHECK(text_of(std::span(buffer.data(), got.size)) == "all");
  }());
}

TEST_CASE("multicast: join, loop back, options, leave") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    const auto group = asio::ip::make_address_v4("239.255.77.77");
    const auto lo = asio::ip::address_v4::loopback();
    UdpSocket member = UdpSocket::bind({asio::ip::address_v4::any(), 0}).value();
    if (io::Result<void> joined = member.join_multicast_v4(group, lo); !joined) {
      MESSAGE("no multicast on the loopback interface here: " << joined.error().message());
      co_return;
    }
    CHECK(member.join_multicast_v4(group, lo).error() == std::errc::address_in_use);  // already a member

    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    REQUIRE(sender.set_multicast_interface_v4(lo));
    REQUIRE(sender.set_multicast_loop(true));
    REQUIRE(sender.set_multicast_ttl(1));
    REQUIRE(sender.set_ttl(7));
    asio::ip::multicast::hops hops;
    REQUIRE(sender.get_option(hops));
    CHECK(hops.value() == 1);
    asio::ip::unicast::hops unicast_hops;
    REQUIRE(sender.get_option(unicast_hops));
    CHECK(unicast_hops.value() == 7);
    asio::ip::multicast::enable_loopback loop;
    REQUIRE(sender.get_option(loop));
    CHECK(loop.value());

    REQUIRE(co_await sender.send_to(bytes_of("to the group"), {group, member.local_endpoint()->port()}));
    std::array<std::byte, 32> buffer{};
    const net::ReceivedFrom<udp::endpoint> got = (co_await member.recv_from(buffer)).value();
    CHECK(text_of(std::span(buffer.data(), got.size)) == "to the group");
    CHECK(got.peer == sender.local_endpoint().value());

    REQUIRE(member.leave_multicast_v4(group, lo));
    CHECK(member.leave_multicast_v4(group, lo).error() == std::errc::address_not_available);  // not a member
    CHECK(sender.join_multicast_v6(asio::ip::make_address_v6("ff02::1")).error());            // an IPv4 socket
  }());
}

TEST_CASE("a task woken from another thread, 1,000 round trips") {
  Runtime rt(1);
  UdpSocket socket = rt.block_on([]() -> Async<UdpSocket> { co_return UdpSocket::bind(loopback_v4()).value(); }());
  const udp::endpoint address = socket.local_endpoint().value();
  constexpr int rounds = 1000;
  JoinHandle<int> echoed = rt.spawn([](UdpSocket s) -> Async<int> {
    std::array<std::byte, 16> buffer{};
    int count = 0;
    for (int i = 0; i < rounds; ++i) {
      io::Result<net::ReceivedFrom<udp::endpoint>> got = co_await s.recv_from(buffer);
      if (!got || !co_await s.send_to(std::span(buffer.data(), got->size), got->peer)) {
        co_return count;
      }
      ++count;
    }
    co_return count;
  }(std::move(socket)));
  int answered = 0;
  std::thread peer([&answered, address] {
    PlainUdp plain;
    for (std::uint32_t i = 0; i < rounds; ++i) {
      std::uint32_t back = 0;
      if (!plain.send_to(&i, sizeof i, address) || plain.recv(&back, sizeof back) != sizeof back || back != i) {
        return;
      }
      ++answered;
    }
  });
  peer.join();
  CHECK(answered == rounds);
  CHECK(block_on(echoed) == rounds);
}

TEST_CASE("dropping a receive while its wait is in flight, then the socket, is safe") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket socket = UdpSocket::bind(loopback_v4()).value();
    std::array<std::byte, 16> buffer{};
    // Nothing arrives: the receive waits, and the timeout drops it.
    CHECK_FALSE(co_await time::timeout(20ms, socket.recv_from(buffer)));
    // The socket still works afterwards, and its readiness was not lost.
    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    REQUIRE(co_await sender.send_to(bytes_of("late"), socket.local_endpoint().value()));
    CHECK((co_await socket.recv_from(buffer)).value().size == 4);
    (void)co_await time::timeout(1ms, socket.recv_from(buffer));
  }());
}

TEST_CASE("poll_ forms, readiness and try_io") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    UdpSocket socket = UdpSocket::bind(loopback_v4()).value();
    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    std::array<std::byte, 16> buffer{};
    // Nothing queued: the first poll finds out and waits.
    int polls = 0;
    const bool pending_first = co_await poll_fn([&](Context& cx) -> Poll<bool> {
      ++polls;
      if (socket.poll_recv(cx, buffer).is_pending()) {
        return Poll<bool>(true);
      }
      return Poll<bool>(false);
    });
    CHECK(pending_first);
    CHECK(polls == 1);
    REQUIRE(co_await poll_fn(
        [&](Context& cx) { return sender.poll_send_to(cx, bytes_of("poll"), socket.local_endpoint().value()); }));
    // A system call of the caller's own through try_io.
    const int fd = socket.native_handle();
    auto receive = [fd, &buffer]() -> io::Result<ssize_t> {
      const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got < 0) {
        return io::last_error();
      }
      return got;
    };
    const ssize_t n = (co_await socket.async_io(io::Direction::read, receive)).value();
    CHECK(n == 4);
  }());
}

TEST_CASE("an adopted Asio socket, set up before bind") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    net::UdpAsioSocket asio_socket(current_io_context().get_executor(), udp::v4());
    asio_socket.set_option(asio::socket_base::reuse_address(true));
    asio_socket.bind(loopback_v4());
    UdpSocket socket(std::move(asio_socket));
    asio::socket_base::reuse_address reuse;
    REQUIRE(socket.get_option(reuse));
    CHECK(reuse.value());
    UdpSocket sender = UdpSocket::bind(loopback_v4()).value();
    REQUIRE(co_await sender.send_to(bytes_of("adopted"), socket.local_endpoint().value()));
    std::array<std::byte, 16> buffer{};
    CHECK((co_await socket.recv_from(buffer)).value().size == 7);
  }());
}

TEST_CASE("a UdpSocket outside a worker reports it") {
  CHECK(UdpSocket::bind(loopback_v4()).error() == io::errc::not_on_worker);
}

TEST_SUITE_END();
