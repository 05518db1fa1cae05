// BufReader and BufWriter over a stream of the test's own and over TCP loopback: lines and
// records cut at every place a buffer can cut them, reads that bypass the buffer, writes that
// are gathered and writes that go through.

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/memory_stream.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/stream.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::MemoryStream;

namespace {

constexpr std::string_view text =
    "first\r\nsecond line, a little longer than the buffers\n\nx\r\n\r\nlast without newline";
std::vector<std::string> expected_lines() {
  return {"first", "second line, a little longer than the buffers", "", "x", "", "last without newline"};
}

Async<void> send_text(MemoryStream stream, std::string data) {
  CHECK((co_await io::write_all(stream, net::as_bytes(data))).ok());
  CHECK((co_await io::shutdown(stream)).ok());
}

Async<std::vector<std::string>> collect_lines(io::BufReader<MemoryStream> reader) {
  io::Lines<io::BufReader<MemoryStream>> lines = io::lines(std::move(reader));
  std::vector<std::string> got;
  while (std::optional<io::Result<std::string>> line = co_await next(lines)) {
    got.push_back(std::move(line->value()));
  }
  co_return got;
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("lines() finds every line whatever the buffer and read sizes") {
  Runtime rt = Runtime::current_thread();
  for (std::size_t capacity : {1U, 2U, 3U, 5U, 8U, 64U}) {
    for (std::size_t max_read : {1U, 3U, 7U, 1000U}) {
      CAPTURE(capacity);
      CAPTURE(max_read);
      auto [a, b] = MemoryStream::pair(16, max_read);
      JoinHandle<void> writer = rt.spawn(send_text(std::move(a), std::string(text)));
      CHECK(rt.block_on(collect_lines(io::BufReader(std::move(b), capacity))) == expected_lines());
      rt.block_on(std::move(writer));
    }
  }
}

TEST_CASE("read_line keeps the newline and returns 0 at the end; read_until splits records") {
  Runtime rt = Runtime::current_thread();
  auto [a, b] = MemoryStream::pair(16, 3);
  JoinHandle<void> writer = rt.spawn(send_text(std::move(a), std::string("ab\ncd;ef;;g\n", 12)));
  rt.block_on([](MemoryStream stream) -> Async<void> {
    io::BufReader reader(std::move(stream), 4);
    std::string line;
    CHECK((co_await io::read_line(reader, line)).value() == 3);
    CHECK(line == "ab\n");
    std::vector<std::byte> record;
    CHECK((co_await io::read_until(reader, std::byte{';'}, record)).value() == 3);
    CHECK(record.size() == 3);
    record.clear();
    CHECK((co_await io::read_until(reader, std::byte{';'}, record)).value() == 3);
    record.clear();
    CHECK((co_await io::read_until(reader, std::byte{';'}, record)).value() == 1);
    line.clear();
    CHECK((co_await io::read_line(reader, line)).value() == 2);
    CHECK(line == "g\n");
    CHECK((co_await io::read_line(reader, line)).value() == 0);
    CHECK(line == "g\n");
  }(std::move(b)));
  rt.block_on(std::move(writer));
}

TEST_CASE("BufReader: small reads come from its buffer, a large read into an empty one bypasses it") {
  Runtime rt = Runtime::current_thread();
  auto [a, b] = MemoryStream::pair(4096);
  JoinHandle<void> writer = rt.spawn(send_text(std::move(a), std::string(1000, 'z')));
  rt.block_on([](MemoryStream stream) -> Async<void> {
    io::BufReader reader(std::move(stream), 100);
    std::array<std::byte, 10> small{};
    CHECK((co_await io::read(reader, small)).value() == 10);
    CHECK(reader.get_ref().reads() == 1);  // one read filled the buffer
    CHECK(reader.buffered().size() == 90);
    for (int i = 0; i < 9; ++i) {
      CHECK((co_await io::read(reader, small)).value() == 10);
    }
    CHECK(reader.get_ref().reads() == 1);
    std::array<std::byte, 500> large{};
    CHECK((co_await io::read(reader, large)).value() == 500);  // straight into `large`
    CHECK(reader.get_ref().reads() == 2);
    CHECK(reader.buffered().empty());
  }(std::move(b)));
  rt.block_on(std::move(writer));
}

TEST_CASE("BufWriter gathers small writes, flushes on poll_flush and shutdown, writes big ones through") {
  Runtime rt = Runtime::current_thread();
  auto [a, b] = MemoryStream::pair(1 << 20);
  rt.block_on([](MemoryStream out, MemoryStream in) -> Async<void> {
    io::BufWriter writer(std::move(out), 64);
    for (int i = 0; i < 10; ++i) {
      CHECK((co_await io::write_all(writer, net::as_bytes("abcde"))).ok());
    }
    CHECK(writer.get_ref().writes() == 0);
    CHECK(writer.buffered().size() == 50);
    CHECK((co_await io::write_all(writer, net::as_bytes("0123456789abcdef"))).ok());  // does not fit
    CHECK(writer.get_ref().writes() == 1);
    CHECK(writer.buffered().size() == 16);
    CHECK((co_await io::flush(writer)).ok());
    CHECK(writer.get_ref().writes() == 2);
    CHECK(writer.get_ref().flushes() == 1);
    const std::string big(200, 'B');
    CHECK((co_await io::write_all(writer, net::as_bytes("tail"))).ok());
    CHECK((co_await io::write(writer, net::as_bytes(big))).value() == 200);  // flush, then through
    CHECK(writer.get_ref().writes() == 4);
    CHECK(writer.buffered().empty());
    const std::string one = "vec";
    const std::string two = "tored";
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(one), asio::buffer(two)};
    CHECK((co_await io::write_vectored(writer, buffers)).value() == 8);
    CHECK(writer.buffered().size() == 8);
    CHECK((co_await io::shutdown(writer)).ok());  // flushes first
    CHECK(writer.get_ref().writes() == 5);
    std::vector<std::byte> got;
    CHECK((co_await io::read_to_end(in, got)).ok());
    std::string expected;
    for (int i = 0; i < 10; ++i) {
      expected += "abcde";
    }
    expected +=
        "0123456789abcdef"
        "tail" +
        big + "vectored";
    CHECK(std::string(reinterpret_cast<const char*>(got.data()), got.size()) == expected);  // NOLINT
  }(std::move(a), std::move(b)));
}

TEST_CASE("lines over TCP loopback, sent in pieces that cut lines and CRLFs apart") {
  Runtime rt(1);
  net::TcpListener listener =
      rt.block_on([]() -> Async<net::TcpListener> { co_return net::TcpListener::bind(test::loopback()).value(); }());
  const asio::ip::tcp::endpoint at = listener.local_endpoint().value();
  std::thread peer([at] {
    test::PlainSocket socket(at);
    const int on = 1;
    (void)::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    for (std::size_t i = 0; i < text.size(); i += 3) {
      const std::string_view piece = text.substr(i, 3);
      CHECK(socket.send_all(piece.data(), piece.size()));
    }
  });
  const std::vector<std::string> got = rt.block_on([](net::TcpListener l) -> Async<std::vector<std::string>> {
    net::TcpStream stream = std::move((co_await l.accept()).value().stream);
    auto lines = io::lines(io::BufReader(std::move(stream), 4));
    std::vector<std::string> out;
    while (auto line = co_await next(lines)) {
      out.push_back(std::move(line->value()));
    }
    co_return out;
  }(std::move(listener)));
  peer.join();
  CHECK(got == expected_lines());
}

TEST_SUITE_END();
