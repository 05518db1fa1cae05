// Framed with LinesCodec and LengthDelimitedCodec: the codecs on their own, then frames end to
// end over TCP loopback: frames larger than a read, a frame longer than the maximum (an error
// before anything is allocated for it), and a peer that goes away inside a frame or between two.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/memory_stream.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/join.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/stream.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using codec::Framed;
using codec::LengthDelimitedCodec;
using codec::LinesCodec;
using net::TcpListener;
using net::TcpStream;

static_assert(codec::Decoder<LinesCodec> && codec::Encoder<LinesCodec, std::string>);
static_assert(codec::Decoder<LengthDelimitedCodec> && codec::Encoder<LengthDelimitedCodec, std::vector<std::byte>&>);
static_assert(Stream<Framed<TcpStream, LinesCodec>>);
static_assert(Stream<Framed<net::TcpReadHalf, LengthDelimitedCodec>>);

namespace {

std::vector<std::byte> bytes_of(std::string_view s) {
  const auto b = net::as_bytes(s);
  return {b.begin(), b.end()};
}

io::ByteBuffer buffer_of(std::string_view s) {
  io::ByteBuffer buffer;
  buffer.append(s);
  return buffer;
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("LinesCodec: lines, CRLF, the maximum, the last line at the end") {
  LinesCodec codec(8);
  io::ByteBuffer src = buffer_of("one\r\ntw");
  CHECK(codec.decode(src).value() == "one");
  CHECK(!codec.decode(src).value().has_value());
  src.append(std::string_view("o\n12345678\n123456789"));
  CHECK(codec.decode(src).value() == "two");
  CHECK(codec.decode(src).value() == "12345678");  // exactly the maximum
  CHECK(codec.decode(src).error() == io::stream_errc::frame_too_long);

  LinesCodec unbounded;
  io::ByteBuffer rest = buffer_of("a\nlast");
  CHECK(unbounded.decode_eof(rest).value() == "a");
  CHECK(unbounded.decode_eof(rest).value() == "last");
  CHECK(!unbounded.decode_eof(rest).value().has_value());

  io::ByteBuffer dst;
  CHECK(codec.encode("hi", dst).ok());
  CHECK(dst.text() == "hi\n");
  CHECK(codec.encode("two\nlines", dst).error() == std::errc::invalid_argument);
  CHECK(codec.encode("123456789", dst).error() == io::stream_errc::frame_too_long);
  CHECK(dst.text() == "hi\n");
}

TEST_CASE("LengthDelimitedCodec: round trips in every header format") {
  for (std::size_t field : {1U, 2U, 3U, 4U, 8U}) {
    for (std::endian order : {std::endian::big, std::endian::little}) {
      CAPTURE(field);
      LengthDelimitedCodec codec({.max_frame_length = 300, .length_field_bytes = field, .byte_order = order});
      io::ByteBuffer wire;
      const std::vector<std::byte> empty;
      const std::vector<std::byte> payload(field == 1 ? 255 : 300, std::byte{7});
      CHECK(codec.encode(empty, wire).ok());
      CHECK(codec.encode(payload, wire).ok());
      CHECK(wire.size() == 2 * field + payload.size());
      // Handed over one byte at a time.
      io::ByteBuffer src;
      std::vector<std::vector<std::byte>> frames;
      for (std::byte b : wire.data()) {
        src.append(std::span(&b, 1));
        while (auto frame = codec.decode(src).value()) {
          frames.push_back(std::move(*frame));
        }
      }
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].empty());
      CHECK(frames[1] == payload);
      CHECK(!codec.decode_eof(src).value().has_value());
    }
  }
  LengthDelimitedCodec one_byte({.max_frame_length = 1000, .length_field_bytes = 1});
  io::ByteBuffer dst;
  CHECK(one_byte.encode(std::vector<std::byte>(256), dst).error() == io::stream_errc::frame_too_long);
  CHECK(LengthDelimitedCodec().encode(std::vector<std::byte>(std::size_t{8} * 1024 * 1024 + 1), dst).error() ==
        io::stream_errc::frame_too_long);
  CHECK(dst.empty());
  CHECK_THROWS_AS(LengthDelimitedCodec({.length_field_bytes = 9}), std::invalid_argument);
}

namespace {

struct Pair {
  TcpStream client;
  TcpStream server;
};

Async<Pair> connect_pair() {
  TcpListener listener = TcpListener::bind(test::loopback()).value();
  auto [client, accepted] = co_await join(TcpStream::connect(listener.local_endpoint().value()), listener.accept());
  co_return Pair{std::move(client).value(), std::move(accepted.value().stream)};
}

}  // namespace

TEST_CASE("Framed over TCP: frames both ways, larger than a read, many in one read") {
  Runtime rt(2);
  rt.block_on([]() -> Async<void> {
    Pair p = co_await connect_pair();
    Framed client(std::move(p.client), LengthDelimitedCodec());
    Framed server(std::move(p.server), LengthDelimitedCodec());
    std::vector<std::vector<std::byte>> sent;
    for (std::size_t size : {0U, 1U, 100U, 65'536U, 1'000'003U, 3U, 3U, 3U}) {
      std::vector<std::byte> frame(size);
      for (std::size_t i = 0; i < size; ++i) {
        frame[i] = static_cast<std::byte>(i * 31 + size);
      }
      sent.push_back(frame);
    }
    JoinHandle<void> sender = spawn([](Framed<TcpStream, LengthDelimitedCodec>& f,
                                       const std::vector<std::vector<std::byte>>& frames) -> Async<void> {
      for (const auto& frame : frames) {
        CHECK((co_await f.send(std::span<const std::byte>(frame))).ok());
      }
      CHECK((co_await f.close()).ok());
    }(client, sent));
    std::vector<std::vector<std::byte>> received;
    while (auto frame = co_await next(server)) {
      received.push_back(std::move(frame->value()));
    }
    co_await sender;
    CHECK(received == sent);
    // Back the other way, as lines this time, on the same connection's other direction.
    Framed lines_out(std::move(server).into_inner(), LinesCodec(100));
    Framed lines_in(std::move(client).into_inner(), LinesCodec(100));
    CHECK((co_await lines_out.send(std::string("hello"))).ok());
    CHECK((co_await lines_out.send("world")).ok());
    CHECK((co_await lines_out.close()).ok());
    CHECK((co_await next(lines_in))->value() == "hello");
    CHECK((co_await next(lines_in))->value() == "world");
    CHECK(!(co_await next(lines_in)).has_value());
  }());
}

namespace {

// Sends `wire` from a plain socket (the peer), then closes, and collects what a Framed with
// `codec` makes of it: the frames, and the error that ended them if any.
template <class Codec>
struct Outcome {
  std::vector<typename Codec::Item> frames;
  std::error_code error;
  std::size_t read_buffer_capacity = 0;
};

template <class Codec>
Async<Outcome<Codec>> collect_frames(TcpListener listener, Codec codec) {
  io::Result<net::Accepted> accepted = co_await listener.accept();
  Framed framed(std::move(accepted.value().stream), std::move(codec));
  Outcome<Codec> out;
  while (std::optional<io::Result<typename Codec::Item>> frame = co_await next(framed)) {
    if (!*frame) {
      out.error = frame->error();
      std::optional<io::Result<typename Codec::Item>> after = co_await next(framed);
      CHECK(!after.has_value());  // an error is the last item
      break;
    }
    out.frames.push_back(std::move(**frame));
  }
  out.read_buffer_capacity = framed.read_buffer().capacity();
  co_return out;
}

template <class Codec>
Outcome<Codec> frames_from_peer(const std::string& wire, Codec codec) {
  Runtime rt(1);
  TcpListener listener =
      rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(test::loopback()).value(); }());
  const asio::ip::tcp::endpoint at = listener.local_endpoint().value();
  std::thread peer([at, &wire] {
    test::PlainSocket socket(at);
    CHECK(socket.send_all(wire.data(), wire.size()));
  });  // closed here: the peer vanishes
  Outcome<Codec> outcome = rt.block_on(collect_frames(std::move(listener), std::move(codec)));
  peer.join();
  return outcome;
}

std::string header(std::uint32_t length) {
  return {static_cast<char>(length >> 24U), static_cast<char>(length >> 16U), static_cast<char>(length >> 8U),
          static_cast<char>(length)};
}

}  // namespace

TEST_CASE("a frame longer than the maximum is an error, and nothing is allocated for it") {
  // The peer claims 1 GiB and sends a little of it.
  const std::string wire = header(5) + "hello" + header(1U << 30U) + std::string(100, 'x');
  Outcome outcome = frames_from_peer(wire, LengthDelimitedCodec({.max_frame_length = std::size_t{64} * 1024}));
  REQUIRE(outcome.frames.size() == 1);
  CHECK(outcome.frames[0] == bytes_of("hello"));
  CHECK(outcome.error == io::stream_errc::frame_too_long);
  CHECK(outcome.read_buffer_capacity < std::size_t{64} * 1024);

  // A line with no end: refused at the maximum, not buffered without bound.
  Outcome lines = frames_from_peer("ok\n" + std::string(200'000, 'y'), LinesCodec(1000));
  REQUIRE(lines.frames.size() == 1);
  CHECK(lines.frames[0] == "ok");
  CHECK(lines.error == io::stream_errc::frame_too_long);
  CHECK(lines.read_buffer_capacity < std::size_t{64} * 1024);
}

TEST_CASE("a peer that vanishes inside a frame: truncated_frame; between frames: the end") {
  const std::string whole = header(3) + "abc" + header(0) + header(2) + "de";
  SUBCASE("between frames") {
    Outcome outcome = frames_from_peer(whole, LengthDelimitedCodec());
    CHECK(outcome.frames.size() == 3);
    CHECK(!outcome.error);
  }
  SUBCASE("inside a header") {
    Outcome outcome = frames_from_peer(whole + header(7).substr(0, 2), LengthDelimitedCodec());
    CHECK(outcome.frames.size() == 3);
    CHECK(outcome.error == io::stream_errc::truncated_frame);
  }
  SUBCASE("after a header, before its payload") {
    Outcome outcome = frames_from_peer(whole + header(7), LengthDelimitedCodec());
    CHECK(outcome.frames.size() == 3);
    CHECK(outcome.error == io::stream_errc::truncated_frame);
  }
  SUBCASE("inside a payload") {
    Outcome outcome = frames_from_peer(whole + header(7) + "1234", LengthDelimitedCodec());
    CHECK(outcome.frames.size() == 3);
    CHECK(outcome.error == io::stream_errc::truncated_frame);
  }
  SUBCASE("lines: the unterminated last line is still a line") {
    Outcome outcome = frames_from_peer("a\r\nb\nc", LinesCodec(10));
    CHECK(outcome.frames == std::vector<std::string>{"a", "b", "c"});
    CHECK(!outcome.error);
  }
}

TEST_CASE("Framed batches small frames: poll_ready writes only past the backpressure boundary") {
  Runtime rt = Runtime::current_thread();
  auto [a, b] = test::MemoryStream::pair(1 << 20);
  rt.block_on([](test::MemoryStream out, test::MemoryStream in) -> Async<void> {
    Framed framed(std::move(out), LinesCodec());
    const std::string line(99, 'l');
    for (int i = 0; i < 81; ++i) {  // 8,100 bytes: under the 8 KiB boundary
      CHECK((co_await poll_fn([&](Context& cx) { return framed.poll_ready(cx); })).ok());
      CHECK(framed.start_send(line).ok());
    }
    CHECK(framed.get_ref().writes() == 0);
    CHECK((co_await poll_fn([&](Context& cx) { return framed.poll_ready(cx); })).ok());
    CHECK(framed.start_send(line).ok());
    CHECK((co_await poll_fn([&](Context& cx) { return framed.poll_ready(cx); })).ok());  // 8,200: written
    CHECK(framed.get_ref().writes() == 1);
    CHECK(framed.write_buffer().empty());
    CHECK((co_await framed.close()).ok());
    Framed reader(std::move(in), LinesCodec());
    int count = 0;
    while (auto got = co_await next(reader)) {
      CHECK(got->value() == line);
      ++count;
    }
    CHECK(count == 82);
  }(std::move(a), std::move(b)));
}

TEST_SUITE_END();
