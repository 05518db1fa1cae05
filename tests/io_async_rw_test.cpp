// io::AsyncRead and io::AsyncWrite: the concepts met by TcpStream, its halves, the buffered
// types and a stream written in the test (support/memory_stream.hpp); the generic read, write
// and copy futures on them; copy_bidirectional end to end on loopback with exact byte counts.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "support/memory_stream.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using net::TcpListener;
using net::TcpStream;
using test::loopback;
using test::MemoryStream;

// The concepts, as users meet them.
static_assert(io::AsyncRead<TcpStream> && io::AsyncWrite<TcpStream> && io::AsyncWriteVectored<TcpStream>);
static_assert(io::AsyncRead<MemoryStream> && io::AsyncWrite<MemoryStream> && !io::AsyncWriteVectored<MemoryStream>);
static_assert(io::AsyncRead<net::TcpReadHalf> && !io::AsyncWrite<net::TcpReadHalf>);
static_assert(io::AsyncWrite<net::TcpWriteHalf> && !io::AsyncRead<net::TcpWriteHalf>);
static_assert(io::AsyncBufRead<io::BufReader<TcpStream>> && io::AsyncRead<io::BufReader<TcpStream>>);
static_assert(io::AsyncWrite<io::BufReader<TcpStream>>);
static_assert(!io::AsyncWrite<io::BufReader<net::TcpReadHalf>>);
static_assert(io::AsyncWrite<io::BufWriter<MemoryStream>> && io::AsyncRead<io::BufWriter<MemoryStream>>);
static_assert(!io::AsyncRead<io::BufWriter<net::TcpWriteHalf>>);
static_assert(!io::Splittable<MemoryStream> && io::Splittable<TcpStream> && io::Splittable<net::UnixStream>);
static_assert(io::AsyncRead<io::OwnedReadHalf<net::UnixStream>> && io::AsyncWrite<io::OwnedWriteHalf<net::UnixStream>>);

namespace {

std::vector<std::byte> random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> bytes(size);
  for (std::byte& b : bytes) {
    b = static_cast<std::byte>(rng());
  }
  return bytes;
}

// A writer that takes nothing: write_all must fail, not spin.
struct NullWriter {
  Poll<io::Result<std::size_t>> poll_write(Context& /*cx*/, std::span<const std::byte> /*data*/) {
    return Poll<io::Result<std::size_t>>(std::in_place, std::size_t{0});
  }
  Poll<io::Result<void>> poll_flush(Context& /*cx*/) { return Poll<io::Result<void>>(std::in_place); }
  Poll<io::Result<void>> poll_shutdown(Context& /*cx*/) { return Poll<io::Result<void>>(std::in_place); }
};
static_assert(io::AsyncWrite<NullWriter>);

// Gives `data` in reads of at most `chunk` bytes, then the end.
struct ChunkReader {
  std::span<const std::byte> data;
  std::size_t chunk;
  std::size_t reads = 0;
  Poll<io::Result<std::size_t>> poll_read(Context& /*cx*/, std::span<std::byte> into) {
    const std::size_t n = std::min({chunk, into.size(), data.size()});
    std::copy_n(data.begin(), n, into.begin());
    data = data.subspan(n);
    ++reads;
    return Poll<io::Result<std::size_t>>(std::in_place, n);
  }
};
static_assert(io::AsyncRead<ChunkReader>);

// Takes `first` bytes, then is full (Pending) until opened, then takes everything.
struct GatedWriter {
  std::size_t first;
  bool open = false;
  std::vector<std::byte> written;
  std::vector<std::size_t> writes;
  Poll<io::Result<std::size_t>> poll_write(Context& /*cx*/, std::span<const std::byte> data) {
    if (!writes.empty() && !open) {
      return Pending;
    }
    const std::size_t n = writes.empty() ? std::min(first, data.size()) : data.size();
    written.insert(written.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    writes.push_back(n);
    return Poll<io::Result<std::size_t>>(std::in_place, n);
  }
  Poll<io::Result<void>> poll_flush(Context& /*cx*/) { return Poll<io::Result<void>>(std::in_place); }
  Poll<io::Result<void>> poll_shutdown(Context& /*cx*/) { return Poll<io::Result<void>>(std::in_place); }
};
static_assert(io::AsyncWrite<GatedWriter>);

Async<io::Result<void>> write_then_close(MemoryStream stream, std::vector<std::byte> data) {
  io::Result<void> written = co_await io::write_all(stream, data);
  if (written) {
    written = co_await io::shutdown(stream);
  }
  co_return written;
}

Async<std::vector<std::byte>> read_all(MemoryStream stream) {
  std::vector<std::byte> out;
  (void)(co_await io::read_to_end(stream, out)).value();
  co_return out;
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("read, read_exact, read_to_end and write_all on a stream of the user's own") {
  Runtime rt = Runtime::current_thread();
  const std::vector<std::byte> data = random_bytes(100'000, 1);
  // A 1 KiB pipe: the writer waits for the reader again and again.
  auto [a, b] = MemoryStream::pair(1024, 700);
  JoinHandle<io::Result<void>> writer = rt.spawn(write_then_close(std::move(a), data));
  auto reader = [](MemoryStream stream, std::size_t total) -> Async<std::vector<std::byte>> {
    std::vector<std::byte> got(total);
    std::array<std::byte, 10> head{};
    CHECK((co_await io::read_exact(stream, head)).ok());
    std::copy(head.begin(), head.end(), got.begin());
    std::size_t n = (co_await io::read(stream, std::span(got).subspan(10, 500))).value();
    CHECK(n > 0);
    CHECK(n <= 500);
    std::vector<std::byte> rest;
    const std::size_t appended = (co_await io::read_to_end(stream, rest)).value();
    CHECK(appended == rest.size());
    CHECK(10 + n + rest.size() == total);
    std::copy(rest.begin(), rest.end(), got.begin() + static_cast<std::ptrdiff_t>(10 + n));
    // At the end, read is 0 and read_exact is asio's eof.
    std::array<std::byte, 1> more{};
    CHECK((co_await io::read(stream, more)).value() == 0);
    CHECK((co_await io::read_exact(stream, more)).error() ==
          std::error_code(wakeful::asio_error_code(asio::error::eof)));
    co_return got;
  };
  CHECK(rt.block_on(reader(std::move(b), data.size())) == data);
  CHECK(rt.block_on(std::move(writer)).ok());
}

TEST_CASE("write_all fails with write_zero on a writer that takes nothing") {
  Runtime rt = Runtime::current_thread();
  auto run = []() -> Async<io::Result<void>> {
    NullWriter writer;
    const std::array<std::byte, 3> data{};
    co_return co_await io::write_all(writer, data);
  };
  CHECK(rt.block_on(run()).error() == io::stream_errc::write_zero);
}

TEST_CASE("poll_write_vectored writes the first non-empty buffer of a writer without one") {
  Runtime rt = Runtime::current_thread();
  auto run = []() -> Async<void> {
    auto [a, b] = MemoryStream::pair();
    const std::string one = "abc";
    const std::string two = "defg";
    const std::array<asio::const_buffer, 3> buffers{asio::buffer(one.data(), 0), asio::buffer(one), asio::buffer(two)};
    CHECK((co_await io::write_vectored(a, buffers)).value() == 3);
    const std::array<asio::const_buffer, 1> none{asio::buffer(one.data(), 0)};
    CHECK((co_await io::write_vectored(a, none)).value() == 0);
    std::array<std::byte, 8> in{};
    CHECK((co_await io::read(b, in)).value() == 3);
    CHECK(static_cast<char>(in[0]) == 'a');
    CHECK(static_cast<char>(in[2]) == 'c');
  };
  rt.block_on(run());
}

TEST_CASE("copy moves every byte and reports the count") {
  Runtime rt = Runtime::current_thread();
  const std::vector<std::byte> data = random_bytes(50'000, 2);
  auto [source, source_peer] = MemoryStream::pair(3000, 1000);
  auto [sink, sink_peer] = MemoryStream::pair(2000);
  JoinHandle<io::Result<void>> writer = rt.spawn(write_then_close(std::move(source_peer), data));
  JoinHandle<std::vector<std::byte>> collector = rt.spawn(read_all(std::move(sink_peer)));
  auto run = [](MemoryStream from, MemoryStream to) -> Async<std::uint64_t> {
    const std::uint64_t copied = (co_await io::copy(from, to)).value();
    CHECK(to.flushes() >= 1);  // the writer is flushed once the reader has ended
    co_return copied;
  };
  CHECK(rt.block_on(run(std::move(source), std::move(sink))) == data.size());
  CHECK(rt.block_on(std::move(writer)).ok());
  CHECK(rt.block_on(std::move(collector)) == data);  // the sink ended: its MemoryStream dropped
}

TEST_CASE("copy keeps reading into its buffer's free tail while the writer is full, then writes it at once") {
  const std::vector<std::byte> data = random_bytes(20'000, 5);
  ChunkReader reader{data, 1000, 0};
  GatedWriter writer{100, false, {}, {}};
  auto copy = io::copy(reader, writer);
  Context cx(Waker::noop());
  CHECK(copy.poll(cx).is_pending());
  CHECK(writer.writes == std::vector<std::size_t>{100});
  CHECK(reader.reads == 2);  // the second read came while the writer was full
  CHECK(reader.data.size() == 18'000);
  writer.open = true;
  Poll<io::Result<std::uint64_t>> done = copy.poll(cx);
  REQUIRE(done.is_ready());
  CHECK(done->value() == data.size());
  CHECK(writer.written == data);
  REQUIRE(writer.writes.size() >= 2);
  CHECK(writer.writes[1] >= 1900);  // what piled up while the writer was full, in one write
}

TEST_CASE("copy_bidirectional on streams of the user's own: exact counts, both sides shut down") {
  Runtime rt = Runtime::current_thread();
  const std::vector<std::byte> up = random_bytes(30'000, 3);
  const std::vector<std::byte> down = random_bytes(70'001, 4);
  auto [a, client] = MemoryStream::pair(4096, 1500);
  auto [b, server] = MemoryStream::pair(1024);
  JoinHandle<std::vector<std::byte>> client_side =
      rt.spawn([](MemoryStream s, std::vector<std::byte> d) -> Async<std::vector<std::byte>> {
        std::vector<std::byte> got;
        CHECK((co_await io::write_all(s, d)).ok());
        CHECK((co_await io::shutdown(s)).ok());
        CHECK((co_await io::read_to_end(s, got)).ok());
        co_return got;
      }(std::move(client), up));
  JoinHandle<std::vector<std::byte>> server_side =
      rt.spawn([](MemoryStream s, std::vector<std::byte> d) -> Async<std::vector<std::byte>> {
        std::vector<std::byte> got;
        CHECK((co_await io::read_to_end(s, got)).ok());  // the client's side ends first
        CHECK((co_await io::write_all(s, d)).ok());
        CHECK((co_await io::shutdown(s)).ok());
        co_return got;
      }(std::move(server), down));
  auto proxy = [](MemoryStream a, MemoryStream b) -> Async<io::CopiedBytes> {
    co_return (co_await io::copy_bidirectional(a, b)).value();
  };
  const io::CopiedBytes copied = rt.block_on(proxy(std::move(a), std::move(b)));
  CHECK(copied.a_to_b == up.size());
  CHECK(copied.b_to_a == down.size());
  CHECK(rt.block_on(std::move(client_side)) == down);
  CHECK(rt.block_on(std::move(server_side)) == up);
}

namespace {

// The far end of the loopback tests: reads until EOF, then answers with `reply` and closes.
// Returns what it read.
Async<std::vector<std::byte>> upstream(TcpListener listener, std::vector<std::byte> reply) {
  TcpStream stream = std::move((co_await listener.accept()).value().stream);
  std::vector<std::byte> got;
  (void)(co_await io::read_to_end(stream, got)).value();
  (void)(co_await io::write_all(stream, reply)).value();
  (void)(co_await io::shutdown(stream)).value();
  co_return got;
}

// One proxied connection: accepts the client, connects upstream, copies both ways.
Async<io::CopiedBytes> proxy_one(TcpListener listener, asio::ip::tcp::endpoint to) {
  TcpStream inbound = std::move((co_await listener.accept()).value().stream);
  TcpStream outbound = (co_await TcpStream::connect(to)).value();
  co_return (co_await io::copy_bidirectional(inbound, outbound)).value();
}

// The client: sends `data`, half-closes, reads the reply to the end.
Async<std::vector<std::byte>> client(asio::ip::tcp::endpoint to, std::vector<std::byte> data) {
  TcpStream stream = (co_await TcpStream::connect(to)).value();
  (void)(co_await io::write_all(stream, data)).value();
  (void)(co_await io::shutdown(stream)).value();
  std::vector<std::byte> reply;
  (void)(co_await io::read_to_end(stream, reply)).value();
  co_return reply;
}

struct ProxyRun {
  std::vector<std::byte> upstream_got;
  io::CopiedBytes copied;
  std::vector<std::byte> client_got;
};

Async<ProxyRun> run_proxy(std::vector<std::byte> up, std::vector<std::byte> down) {
  TcpListener upstream_listener = TcpListener::bind(loopback()).value();
  TcpListener proxy_listener = TcpListener::bind(loopback()).value();
  const asio::ip::tcp::endpoint upstream_at = upstream_listener.local_endpoint().value();
  const asio::ip::tcp::endpoint proxy_at = proxy_listener.local_endpoint().value();
  JoinHandle<std::vector<std::byte>> far = spawn(upstream(std::move(upstream_listener), std::move(down)));
  JoinHandle<io::CopiedBytes> proxy = spawn(proxy_one(std::move(proxy_listener), upstream_at));
  JoinHandle<std::vector<std::byte>> near = spawn(client(proxy_at, std::move(up)));
  ProxyRun run;
  run.client_got = co_await near;
  run.copied = co_await proxy;
  run.upstream_got = co_await far;
  co_return run;
}

}  // namespace

TEST_CASE("copy_bidirectional through a TCP proxy: exact byte counts each way") {
  for (const std::pair<std::size_t, std::size_t>& sizes :
       {std::pair<std::size_t, std::size_t>{0, 0}, {1, 0}, {0, 1}, {3'000'003, 17}, {5, 2'000'001}}) {
    const std::size_t up_size = sizes.first;  // not a structured binding: CAPTURE is a lambda
    const std::size_t down_size = sizes.second;
    CAPTURE(up_size);
    CAPTURE(down_size);
    Runtime rt(2);
    const std::vector<std::byte> up = random_bytes(up_size, 5);
    const std::vector<std::byte> down = random_bytes(down_size, 6);
    const ProxyRun run = rt.block_on(run_proxy(up, down));
    CHECK(run.copied.a_to_b == up_size);
    CHECK(run.copied.b_to_a == down_size);
    CHECK(run.upstream_got == up);
    CHECK(run.client_got == down);
  }
}

TEST_SUITE_END();
