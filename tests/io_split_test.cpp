// Split TcpStreams end to end on loopback: half-closes through the halves, the write half's drop,
// reunite, and the two halves driven at once from tasks on different workers (lost wake-ups).

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/join.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using net::TcpListener;
using net::TcpStream;
using test::loopback;

namespace {

struct Connection {
  TcpStream client;
  TcpStream server;
};

// A connected pair on the calling worker.
Async<Connection> connect_pair() {
  TcpListener listener = TcpListener::bind(loopback()).value();
  TcpStream::Connect connect = TcpStream::connect(listener.local_endpoint().value());
  auto accept = listener.accept();
  auto [client, accepted] = co_await join(std::move(connect), std::move(accept));
  co_return Connection{std::move(client).value(), std::move(accepted.value().stream)};
}

std::string text_of(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: chars of bytes
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("a half-close through the write half: the peer reads EOF, the read half reads on") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Connection c = co_await connect_pair();
    auto [read_half, write_half] = std::move(c.server).into_split();
    CHECK((co_await io::write_all(write_half, net::as_bytes("hello"))).ok());
    CHECK((co_await io::shutdown(write_half)).ok());
    std::vector<std::byte> got;
    CHECK((co_await io::read_to_end(c.client, got)).value() == 5);  // EOF arrived
    CHECK(text_of(got) == "hello");
    // The other direction is still open both ways.
    CHECK((co_await io::write_all(c.client, net::as_bytes("world"))).ok());
    CHECK((co_await io::shutdown(c.client)).ok());
    got.clear();
    CHECK((co_await io::read_to_end(read_half, got)).value() == 5);
    CHECK(text_of(got) == "world");
    CHECK(read_half.stream().local_endpoint().ok());
  }());
}

TEST_CASE("dropping the write half shuts its direction down; the read half keeps the socket") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Connection c = co_await connect_pair();
    auto [read_half, write_half] = std::move(c.server).into_split();
    { net::TcpWriteHalf dropped = std::move(write_half); }
    std::vector<std::byte> got;
    CHECK((co_await io::read_to_end(c.client, got)).value() == 0);
    CHECK((co_await io::write_all(c.client, net::as_bytes("still here"))).ok());
    std::array<std::byte, 10> in{};
    CHECK((co_await io::read_exact(read_half, in)).ok());
  }());
}

TEST_CASE("reunite gives the stream back, and refuses halves of two streams") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    Connection one = co_await connect_pair();
    Connection two = co_await connect_pair();
    auto [read_one, write_one] = std::move(one.server).into_split();
    auto [read_two, write_two] = std::move(two.server).into_split();
    CHECK(read_one.is_pair_of(write_one));
    CHECK(!read_one.is_pair_of(write_two));
    io::Result<TcpStream> mixed = io::reunite(std::move(read_one), std::move(write_two));
    CHECK(mixed.error() == io::stream_errc::not_same_stream);
    // The halves were left as they were: both still work.
    CHECK((co_await io::write_all(write_two, net::as_bytes("x"))).ok());
    CHECK((co_await io::write_all(one.client, net::as_bytes("y"))).ok());
    std::array<std::byte, 1> in{};
    CHECK((co_await io::read_exact(read_one, in)).ok());
    CHECK((co_await io::read_exact(two.client, in)).ok());
    CHECK(static_cast<char>(in[0]) == 'x');

    io::Result<TcpStream> whole = io::reunite(std::move(read_one), std::move(write_one));
    REQUIRE(whole.ok());
    // Reuniting did not shut the write side down: the stream writes and reads as before.
    CHECK((co_await whole->write_all(net::as_bytes("z"))).ok());
    CHECK((co_await io::read_exact(one.client, in)).ok());
    CHECK(static_cast<char>(in[0]) == 'z');
    CHECK((co_await io::write_all(one.client, net::as_bytes("w"))).ok());
    CHECK((co_await whole->read_exact(in)).ok());
    CHECK(static_cast<char>(in[0]) == 'w');
  }());
}

TEST_CASE("a UnixStream splits too: a half-close through its write half") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    auto [ours, theirs] = net::UnixStream::pair().value();
    auto [read_half, write_half] = std::move(ours).into_split();
    CHECK((co_await io::write_all(write_half, net::as_bytes("ping"))).ok());
    CHECK((co_await io::shutdown(write_half)).ok());
    std::vector<std::byte> got;
    CHECK((co_await io::read_to_end(theirs, got)).value() == 4);
    CHECK((co_await io::write_all(theirs, net::as_bytes("pong"))).ok());
    std::array<std::byte, 4> in{};
    CHECK((co_await io::read_exact(read_half, in)).ok());
    CHECK(static_cast<char>(in[1]) == 'o');
    CHECK(io::reunite(std::move(read_half), std::move(write_half)).ok());
  }());
}

namespace {

constexpr std::size_t stress_bytes = std::size_t{256} * 1024;

// How often the halves under stress had to wait: the test must make both park.
std::atomic<std::uint64_t> reader_waits{0};
std::atomic<std::uint64_t> writer_waits{0};

// A half wrapped by the test (any user adapter meets the concepts the same way) to count its
// Pending results.
template <class Half>
struct WaitCounting {
  Half half;
  Poll<io::Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer) {
    Poll<io::Result<std::size_t>> result = half.poll_read(cx, buffer);
    if (result.is_pending()) {
      reader_waits.fetch_add(1, std::memory_order_relaxed);
    }
    return result;
  }
  Poll<io::Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data) {
    Poll<io::Result<std::size_t>> result = half.poll_write(cx, data);
    if (result.is_pending()) {
      writer_waits.fetch_add(1, std::memory_order_relaxed);
    }
    return result;
  }
  Poll<io::Result<void>> poll_flush(Context& cx) { return half.poll_flush(cx); }
  Poll<io::Result<void>> poll_shutdown(Context& cx) { return half.poll_shutdown(cx); }
};

std::byte pattern(std::size_t i, std::size_t round) { return static_cast<std::byte>((i * 7 + round) % 251); }

Async<bool> write_pattern(net::TcpWriteHalf write_half, std::size_t round) {
  WaitCounting<net::TcpWriteHalf> half{std::move(write_half)};
  std::array<std::byte, 3000> chunk{};
  for (std::size_t sent = 0; sent < stress_bytes;) {
    const std::size_t n = std::min(chunk.size(), stress_bytes - sent);
    for (std::size_t k = 0; k < n; ++k) {
      chunk[k] = pattern(sent + k, round);
    }
    if (!co_await io::write_all(half, std::span(chunk).first(n))) {
      co_return false;
    }
    sent += n;
  }
  co_return (co_await io::shutdown(half)).ok();
}

Async<bool> read_pattern(net::TcpReadHalf read_half, std::size_t round) {
  WaitCounting<net::TcpReadHalf> half{std::move(read_half)};
  std::array<std::byte, 1700> chunk{};
  std::size_t received = 0;
  for (;;) {
    io::Result<std::size_t> n = co_await io::read(half, chunk);
    if (!n) {
      co_return false;
    }
    if (*n == 0) {
      co_return received == stress_bytes;
    }
    for (std::size_t k = 0; k < *n; ++k) {
      if (chunk[k] != pattern(received + k, round)) {
        co_return false;
      }
    }
    received += *n;
  }
}

// The peer echoes through its own halves, in one task.
Async<bool> echo(TcpStream stream) {
  auto [read_half, write_half] = std::move(stream).into_split();
  io::Result<std::uint64_t> copied = co_await io::copy(read_half, write_half);
  co_return copied.ok() && *copied == stress_bytes && (co_await io::shutdown(write_half)).ok();
}

// One round: the halves of one end on two workers, both parking again and again on small
// socket buffers while the other end echoes.
Async<bool> stress_round(std::size_t round) {
  Connection c = co_await connect_pair();
  for (TcpStream* s : {&c.client, &c.server}) {
    // A small send buffer makes the writer wait; a receive buffer smaller than loopback's
    // segment size would make TCP itself stall (zero-window probes with backoff).
    (void)s->set_option(asio::socket_base::send_buffer_size(16 * 1024));
    (void)s->set_option(asio::socket_base::receive_buffer_size(64 * 1024));
  }
  JoinHandle<bool> peer = spawn(echo(std::move(c.server)));
  auto [read_half, write_half] = std::move(c.client).into_split();
  JoinHandle<bool> reader = spawn_on(round % 2, read_pattern(std::move(read_half), round));
  JoinHandle<bool> writer = spawn_on((round + 1) % 2, write_pattern(std::move(write_half), round));
  const bool wrote = co_await writer;
  const bool read = co_await reader;
  const bool echoed = co_await peer;
  co_return wrote&& read&& echoed;
}

}  // namespace

TEST_CASE("split halves on two workers, parked at once: no wake-up is lost") {
  for (AsioLocking locking : {AsioLocking::per_socket, AsioLocking::worker_thread_only}) {
    CAPTURE(static_cast<int>(locking));
    Runtime rt(2, WorkerPlacement::floating, locking);
    for (std::size_t round = 0; round < 150; ++round) {
      CAPTURE(round);
      REQUIRE(rt.block_on(stress_round(round)));
    }
  }
  CHECK(reader_waits.load() > 0);
  CHECK(writer_waits.load() > 0);
}

TEST_SUITE_END();
