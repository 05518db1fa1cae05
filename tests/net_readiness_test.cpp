// Readiness that a TcpStream keeps without asking the kernel: a transfer that moved fewer bytes
// than offered leaves the socket drained (no would_block call needed), and so does a full read
// after which the kernel reports nothing queued (TCP_INQ); the peer's close stays readable even
// when the FIN came with the last data and raises no edge of its own.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/yield_now.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/timeout.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using net::TcpListener;
using net::TcpStream;
using test::loopback;
using test::PlainSocket;

namespace {

// Whether the stream reports read (or write) readiness now, without waiting for it.
Async<bool> read_ready_now(TcpStream& stream) {
  co_return co_await poll_fn([&stream](Context& cx) -> Poll<bool> { return stream.poll_read_ready(cx).is_ready(); });
}
Async<bool> write_ready_now(TcpStream& stream) {
  co_return co_await poll_fn([&stream](Context& cx) -> Poll<bool> { return stream.poll_write_ready(cx).is_ready(); });
}

// Blocks until the kernel has queued the peer's FIN on `fd` (poll(2) is level-triggered and
// leaves epoll's edges alone).
void wait_for_peer_close(int fd) {
  pollfd watched{fd, POLLRDHUP, 0};
  for (int i = 0; i < 200 && (watched.revents & POLLRDHUP) == 0; ++i) {
    ::poll(&watched, 1, 10);
  }
  REQUIRE((watched.revents & POLLRDHUP) != 0);
}

// Blocks until `fd` holds exactly `bytes` unread bytes: everything the peer sent has arrived.
void wait_for_queued(int fd, int bytes) {
  int queued = -1;
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(::ioctl(fd, FIONREAD, &queued) == 0);
    if (queued >= bytes) {
      break;
    }
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(queued == bytes);
}

bool queue_hint_on(int fd) {
  int on = 0;
  socklen_t length = sizeof on;
  REQUIRE(::getsockopt(fd, SOL_TCP, TCP_INQ, &on, &length) == 0);
  return on != 0;
}

struct Pair {
  TcpStream server;
  std::unique_ptr<PlainSocket> peer;
};

Async<Pair> connected_pair() {
  TcpListener listener = TcpListener::bind(loopback()).value();
  auto peer = std::make_unique<PlainSocket>(listener.local_endpoint().value());
  TcpStream server = (co_await listener.accept()).value().stream;
  co_return Pair{std::move(server), std::move(peer)};
}

// The peer sends `count` bytes; once all of them are queued, the server reads once into `buffer`.
Async<std::size_t> deliver_then_read(Pair& pair, std::size_t count, std::span<std::byte> buffer) {
  const std::string bytes(count, 'd');
  REQUIRE(pair.peer->send_all(bytes.data(), bytes.size()));
  wait_for_queued(pair.server.native_handle(), static_cast<int>(count));
  co_return (co_await pair.server.read(buffer)).value();
}

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("a short read clears read readiness, a full one keeps it, and new data wakes the reader") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Pair pair = co_await connected_pair();
    REQUIRE(pair.peer->send_all("0123456789", 10));
    std::array<std::byte, 64> buffer{};
    CHECK((co_await pair.server.read(buffer)).value() == 10);
    CHECK_FALSE(co_await read_ready_now(pair.server));  // drained: no recv returned EAGAIN

    const std::string full(buffer.size(), 'f');
    REQUIRE(pair.peer->send_all(full.data(), full.size()));
    std::optional<io::Result<std::size_t>> n = co_await time::timeout(5s, pair.server.read(buffer));
    REQUIRE(n.has_value());
    CHECK(n->value() == buffer.size());
    CHECK(co_await read_ready_now(pair.server));  // a full buffer proves nothing: ask again
  }());
}

TEST_CASE("after a read that filled its buffer, a full read that leaves nothing queued clears read readiness") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Pair pair = co_await connected_pair();
    std::array<std::byte, 64> buffer{};
    CHECK(co_await deliver_then_read(pair, 64, buffer) == 64);
    CHECK(co_await read_ready_now(pair.server));  // the first full read asks nothing: it proves nothing
    CHECK(co_await deliver_then_read(pair, 128, buffer) == 64);
    CHECK(co_await read_ready_now(pair.server));  // 64 bytes are still queued
    CHECK((co_await pair.server.read(buffer)).value() == 64);
    CHECK_FALSE(co_await read_ready_now(pair.server));  // drained, though every recv returned data

    const std::string more(buffer.size(), 'm');
    REQUIRE(pair.peer->send_all(more.data(), more.size()));
    std::optional<io::Result<std::size_t>> n = co_await time::timeout(5s, pair.server.read(buffer));
    REQUIRE(n.has_value());  // the new data's edge woke the reader
    CHECK(n->value() == 64);
  }());
}

TEST_CASE("a full read with the peer's FIN queued behind it keeps read readiness for the EOF") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Pair pair = co_await connected_pair();
    std::array<std::byte, 64> buffer{};
    CHECK(co_await deliver_then_read(pair, 64, buffer) == 64);  // from now on, reads ask

    const std::string last(buffer.size(), 'l');
    REQUIRE(pair.peer->send_all(last.data(), last.size()));
    ::shutdown(pair.peer->fd(), SHUT_WR);
    wait_for_peer_close(pair.server.native_handle());
    CHECK((co_await pair.server.read(buffer)).value() == 64);
    // No reactor turn since: only the read's own report can keep the stream readable here.
    CHECK(co_await read_ready_now(pair.server));
    CHECK((co_await pair.server.read(buffer)).value() == 0);
  }());
}

TEST_CASE("accepted, connected and adopted streams have the receive-queue hint on") {
  Runtime rt(1);
  rt.block_on([](asio::io_context& context) -> Async<void> {
    TcpListener listener = TcpListener::bind(loopback()).value();
    const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
    TcpStream connected = (co_await TcpStream::connect(endpoint)).value();
    TcpStream accepted = (co_await listener.accept()).value().stream;  // inherits the listener's
    net::TcpSocket socket(context.get_executor());
    socket.connect(endpoint);
    TcpStream adopted(std::move(socket));
    CHECK(queue_hint_on(connected.native_handle()));
    CHECK(queue_hint_on(accepted.native_handle()));
    CHECK(queue_hint_on(adopted.native_handle()));
  }(rt.io_context(0)));
}

TEST_CASE("a FIN that came with the last data is read without another edge") {
  Runtime rt = Runtime::current_thread();
  const std::pair<std::size_t, std::size_t> reads = rt.block_on([]() -> Async<std::pair<std::size_t, std::size_t>> {
    Pair pair = co_await connected_pair();
    const int server_fd = pair.server.native_handle();
    // The reader waits first, so that its wait is queued and EPOLLRDHUP registered.
    JoinHandle<std::pair<std::size_t, std::size_t>> reader =
        spawn([](TcpStream& stream) -> Async<std::pair<std::size_t, std::size_t>> {
          std::array<std::byte, 64> buffer{};
          const std::size_t first = (co_await stream.read(buffer)).value();
          const std::size_t second = (co_await stream.read(buffer)).value();
          co_return std::pair{first, second};
        }(pair.server));
    co_await yield_now();  // the reader runs and parks; the reactor does not turn in between
    // Data and FIN both reach the socket before the reactor looks again: one edge for both.
    REQUIRE(pair.peer->send_all("hello", 5));
    ::shutdown(pair.peer->fd(), SHUT_WR);
    wait_for_peer_close(server_fd);
    std::optional<std::pair<std::size_t, std::size_t>> done = co_await time::timeout(5s, std::move(reader));
    co_return done.value_or(std::pair<std::size_t, std::size_t>{0, 999});
  }());
  CHECK(reads.first == 5);
  CHECK(reads.second == 0);  // EOF at once; a lost FIN would leave the second read waiting
}

TEST_CASE("a FIN queued before the first read is read right after the data") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Pair pair = co_await connected_pair();
    REQUIRE(pair.peer->send_all("hello", 5));
    ::shutdown(pair.peer->fd(), SHUT_WR);
    wait_for_peer_close(pair.server.native_handle());
    std::array<std::byte, 64> buffer{};
    CHECK((co_await pair.server.read(buffer)).value() == 5);
    std::optional<io::Result<std::size_t>> eof = co_await time::timeout(5s, pair.server.read(buffer));
    REQUIRE(eof.has_value());
    CHECK(eof->value() == 0);
    CHECK(co_await read_ready_now(pair.server));  // and stays readable: EOF, again and again
  }());
}

TEST_CASE("a short write clears write readiness until the peer makes room") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Pair pair = co_await connected_pair();
    const std::vector<std::byte> big(64U << 20U, std::byte{'w'});  // more than any socket buffer
    const std::size_t sent = (co_await pair.server.write(big)).value();
    REQUIRE(sent > 0);
    REQUIRE(sent < big.size());
    CHECK_FALSE(co_await write_ready_now(pair.server));
    // The peer drains on a thread of its own; the writer must be woken to finish.
    std::thread drain([fd = pair.peer->fd(), total = big.size()] {
      std::vector<char> sink(1U << 20U);
      std::size_t got = 0;
      while (got < total) {
        const ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
        if (n <= 0) {
          break;
        }
        got += static_cast<std::size_t>(n);
      }
    });
    std::optional<io::Result<void>> rest =
        co_await time::timeout(20s, pair.server.write_all(std::span(big).subspan(sent)));
    drain.join();
    REQUIRE(rest.has_value());
    CHECK(rest->ok());
  }());
}

TEST_SUITE_END();
