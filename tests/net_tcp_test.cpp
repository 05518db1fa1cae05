// TcpListener and TcpStream end to end on loopback: echo at scale, lost wake-ups, drops while a
// wait is in flight, resets, half-closes, EOF, broken pipes, connect errors and timeouts.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/counted.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/future/select.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/clock.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using net::TcpListener;
using net::TcpStream;
using test::loopback;
using test::PlainSocket;

namespace {

/// Echoes everything until EOF or an error.
Async<void> echo(TcpStream stream) {
  std::array<std::byte, 4096> buffer{};
  for (;;) {
    io::Result<std::size_t> n = co_await stream.read(buffer);
    if (!n || *n == 0) {
      co_return;
    }
    if (!co_await stream.write_all(std::span(buffer.data(), *n))) {
      co_return;
    }
  }
}

/// Accepts forever, spawning an echo task per connection.
Async<void> echo_server(TcpListener listener) {
  for (;;) {
    io::Result<net::Accepted> accepted = co_await listener.accept();
    if (accepted) {
      spawn(echo(std::move(accepted->stream))).detach();
    }
  }
}

/// Binds an echo server on the calling worker and returns its address.
Async<asio::ip::tcp::endpoint> start_echo_server() {
  TcpListener listener = TcpListener::bind(loopback()).value();
  asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  spawn(echo_server(std::move(listener))).detach();
  co_return endpoint;
}

std::span<const std::byte> bytes_of(const std::vector<std::uint8_t>& v) { return std::as_bytes(std::span(v)); }

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("echo end to end with 1,000 concurrent clients") {
  test::raise_descriptor_limit(4096);
  Runtime rt(2);
  const asio::ip::tcp::endpoint server = rt.block_on(start_echo_server());
  constexpr int clients = 1000;
  auto client = [](asio::ip::tcp::endpoint to, int id) -> Async<bool> {
    io::Result<TcpStream> stream = co_await TcpStream::connect(to);
    if (!stream) {
      co_return false;
    }
    std::mt19937 rng(static_cast<unsigned>(id));
    for (int round = 0; round < 5; ++round) {
      std::vector<std::uint8_t> out(1 + rng() % 3000);
      for (auto& b : out) {
        b = static_cast<std::uint8_t>(rng());
      }
      std::vector<std::uint8_t> in(out.size());
      if (!co_await stream->write_all(bytes_of(out)) ||
          !co_await stream->read_exact(std::as_writable_bytes(std::span(in)))) {
        co_return false;
      }
      if (in != out) {
        co_return false;
      }
    }
    co_return true;
  };
  std::vector<JoinHandle<bool>> handles;
  handles.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    handles.push_back(rt.spawn(client(server, i)));
  }
  int ok = 0;
  for (auto& h : handles) {
    ok += block_on(h) ? 1 : 0;
  }
  CHECK(ok == clients);
}

TEST_CASE("no wake-up is lost when the peer writes at random moments") {
  Runtime rt(1);
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  constexpr int messages = 3000;
  std::thread writer([endpoint] {
    PlainSocket peer(endpoint);
    std::mt19937 rng(7);
    for (int i = 0; i < messages; ++i) {
      const auto byte = static_cast<std::uint8_t>(i);
      REQUIRE(peer.send_all(&byte, 1));
      // Sometimes at once, sometimes after the reader has had time to park.
      if (rng() % 3 != 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
      }
    }
  });
  // Each read has a deadline: a lost wake-up fails the test instead of hanging it.
  const int received = rt.block_on([](TcpListener l) -> Async<int> {
    io::Result<net::Accepted> accepted = co_await l.accept();
    if (!accepted) {
      co_return -1;
    }
    int count = 0;
    std::array<std::byte, 64> buffer{};
    while (count < messages) {
      auto read = co_await time::timeout(5s, accepted->stream.read(buffer));
      if (!read || !*read || **read == 0) {
        co_return count;  // timed out (lost wake-up), failed, or closed early
      }
      for (std::size_t i = 0; i < **read; ++i) {
        if (buffer[i] != static_cast<std::byte>(count++)) {
          co_return -2;
        }
      }
    }
    co_return count;
  }(std::move(listener)));
  writer.join();
  CHECK(received == messages);
}

TEST_CASE("dropping a read while its wait is in flight, then the stream, is safe") {
  Runtime rt(1);
  const asio::ip::tcp::endpoint endpoint = rt.block_on(start_echo_server());
  const bool survived = rt.block_on([](asio::ip::tcp::endpoint to) -> Async<bool> {
    for (int i = 0; i < 50; ++i) {
      TcpStream stream = (co_await TcpStream::connect(to)).value();
      std::array<std::byte, 16> buffer{};
      // The read waits (the echo server sends nothing unprompted), the sleep wins, the read
      // future is dropped with its readiness operation queued in the reactor.
      auto first = co_await select(stream.read(buffer), time::sleep_for(1ms));
      if (first.index() != 1) {
        co_return false;
      }
      if (i % 2 == 0) {
        // Use the stream again after the drop: the readiness operation is still there.
        const std::array<std::byte, 3> ping{std::byte{1}, std::byte{2}, std::byte{3}};
        if (!co_await stream.write_all(ping) || !co_await stream.read_exact(std::span(buffer.data(), 3))) {
          co_return false;
        }
      }
    }                               // each stream closes with its wait still queued
    co_await time::sleep_for(5ms);  // let the reactor run the aborted operations
    co_return true;
  }(endpoint));
  CHECK(survived);
}

// No Asio object leaves a stream: an Asio operation started on one would sit behind the
// registration's own in the reactor queue and never run.
template <class Stream>
concept exposes_asio_socket = requires(Stream& stream) {
  stream.socket();
};
static_assert(!exposes_asio_socket<TcpStream>);

TEST_CASE("a moved-from stream fails its operations instead of waiting") {
  Runtime rt(1);
  const asio::ip::tcp::endpoint endpoint = rt.block_on(start_echo_server());
  const std::vector<std::string> outcomes =
      rt.block_on([](asio::ip::tcp::endpoint to) -> Async<std::vector<std::string>> {
        TcpStream stream = (co_await TcpStream::connect(to)).value();
        std::array<std::byte, 16> buffer{};
        // The read waits (the echo server sends nothing unprompted): its wait is armed.
        if ((co_await select(stream.read(buffer), time::sleep_for(1ms))).index() != 1) {
          co_return std::vector<std::string>{"the first read did not wait"};
        }
        TcpStream taken = std::move(stream);
        std::vector<std::string> seen;
        auto read = co_await time::timeout(2s, stream.read(buffer));  // NOLINT(bugprone-use-after-move): the point
        seen.push_back(!read ? "read: waited" : *read ? "read: succeeded" : read->error().message());
        const std::array<std::byte, 1> ping{std::byte{1}};
        auto write = co_await time::timeout(2s, stream.write(ping));
        seen.push_back(!write ? "write: waited" : *write ? "write: succeeded" : write->error().message());
        Context cx(Waker::noop());
        try {
          (void)stream.poll_read_ready(cx);
          seen.emplace_back("readiness: returned");
        } catch (const std::logic_error&) {
          seen.emplace_back("readiness: threw");
        }
        seen.push_back(stream.native_handle() == -1 && taken.native_handle() >= 0 ? "descriptor: moved"
                                                                                  : "descriptor: kept");
        co_return seen;
      }(endpoint));
  const std::string closed = std::make_error_code(std::errc::bad_file_descriptor).message();
  REQUIRE(outcomes.size() == 4);
  CHECK(outcomes[0] == closed);
  CHECK(outcomes[1] == closed);
  CHECK(outcomes[2] == "readiness: threw");
  CHECK(outcomes[3] == "descriptor: moved");
}

TEST_CASE("a peer reset is an error code, not a crash") {
  Runtime rt(1);
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  PlainSocket peer(endpoint);
  const std::error_code error = rt.block_on([](TcpListener& l, PlainSocket& p) -> Async<std::error_code> {
    TcpStream stream = std::move((co_await l.accept()).value().stream);
    p.reset();
    std::array<std::byte, 16> buffer{};
    for (;;) {
      io::Result<std::size_t> n = co_await stream.read(buffer);
      if (!n) {
        co_return n.error();
      }
      if (*n == 0) {
        co_return std::error_code();
      }
    }
  }(listener, peer));
  CHECK(error == std::errc::connection_reset);
}

TEST_CASE("half-close: the server reads EOF and can still answer") {
  Runtime rt(1);
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  std::thread client([endpoint] {
    PlainSocket peer(endpoint);
    REQUIRE(peer.send_all("question", 8));
    ::shutdown(peer.fd(), SHUT_WR);
    char answer[6] = {};
    REQUIRE(peer.recv_all(answer, 6));
    CHECK(std::string(answer, 6) == "answer");
  });
  const std::string heard = rt.block_on([](TcpListener& l) -> Async<std::string> {
    TcpStream stream = std::move((co_await l.accept()).value().stream);
    std::string text;
    std::array<std::byte, 4> buffer{};
    for (;;) {
      io::Result<std::size_t> n = co_await stream.read(buffer);
      if (!n || *n == 0) {
        break;  // EOF: the peer is done talking
      }
      text.append(reinterpret_cast<const char*>(buffer.data()), *n);  // NOLINT: bytes as text
    }
    (void)co_await stream.write_all(net::as_bytes("answer"));
    co_return text;
  }(listener));
  client.join();
  CHECK(heard == "question");
}

TEST_CASE("EOF reads as zero bytes, again and again") {
  Runtime rt(1);
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  { PlainSocket peer(listener.local_endpoint().value()); }  // connects and closes
  const int zero_reads = rt.block_on([](TcpListener& l) -> Async<int> {
    TcpStream stream = std::move((co_await l.accept()).value().stream);
    std::array<std::byte, 8> buffer{};
    int zeros = 0;
    for (int i = 0; i < 3; ++i) {
      io::Result<std::size_t> n = co_await stream.read(buffer);
      zeros += (n && *n == 0) ? 1 : 0;
    }
    co_return zeros;
  }(listener));
  CHECK(zero_reads == 3);
}

TEST_CASE("writing to a closed peer fails with an error and raises no SIGPIPE") {
  Runtime rt(1);
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  auto peer = std::make_unique<PlainSocket>(listener.local_endpoint().value());
  const std::error_code error =
      rt.block_on([](TcpListener& l, std::unique_ptr<PlainSocket>& p) -> Async<std::error_code> {
        TcpStream stream = std::move((co_await l.accept()).value().stream);
        p.reset();  // the peer closes
        const std::vector<std::byte> chunk(std::size_t{64} * 1024);
        for (int i = 0; i < 1000; ++i) {
          io::Result<void> written = co_await stream.write_all(chunk);
          if (!written) {
            co_return written.error();
          }
        }
        co_return std::error_code();
      }(listener, peer));
  CHECK((error == std::errc::broken_pipe || error == std::errc::connection_reset));
}

TEST_CASE("connect reports a refused connection") {
  Runtime rt(1);
  // A port that was just free: bind, note the port, close.
  const std::uint16_t port = rt.block_on([]() -> Async<std::uint16_t> {
    co_return TcpListener::bind(loopback()).value().local_endpoint().value().port();
  }());
  const std::error_code error = rt.block_on([](std::uint16_t p) -> Async<std::error_code> {
    co_return (co_await TcpStream::connect(loopback(p))).error();
  }(port));
  CHECK(error == std::errc::connection_refused);
}

TEST_CASE("a connect that cannot complete is dropped by its timeout") {
  Runtime rt(1);
  // A listener that never accepts, with a backlog of one: once its queue is full, the kernel
  // drops further SYNs and a connect hangs.
  net::ListenOptions options;
  options.backlog = 1;
  TcpListener listener = rt.block_on(
      [](net::ListenOptions o) -> Async<TcpListener> { co_return TcpListener::bind(loopback(), o).value(); }(options));
  const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  const auto started = std::chrono::steady_clock::now();
  const bool timed_out = rt.block_on([](asio::ip::tcp::endpoint to) -> Async<bool> {
    std::vector<TcpStream> held;  // keep the queue full
    for (int i = 0; i < 16; ++i) {
      auto attempt = co_await time::timeout(200ms, TcpStream::connect(to));
      if (!attempt) {
        co_return true;  // this connect hung and the timeout dropped it
      }
      if (*attempt) {
        held.push_back(std::move(**attempt));
      }
    }
    co_return false;
  }(endpoint));
  CHECK(timed_out);
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  // The same through connect's own timeout.
  const std::error_code error = rt.block_on([](asio::ip::tcp::endpoint to) -> Async<std::error_code> {
    std::vector<TcpStream> held;
    for (int i = 0; i < 16; ++i) {
      io::Result<TcpStream> attempt = co_await TcpStream::connect(to, 200ms);
      if (!attempt) {
        co_return attempt.error();
      }
      held.push_back(std::move(*attempt));
    }
    co_return std::error_code();
  }(endpoint));
  CHECK(error == std::errc::timed_out);
}

TEST_CASE("connect's own timeout counts on the runtime's clock, a paused one too") {
  // The paused clock runs an hour ahead of the steady clock here. A deadline taken from the
  // steady clock would lie an hour in the past of the runtime's timers, and the connect would
  // time out at its first Pending, long before its 5 s.
  Runtime rt(1);
  struct Outcome {
    std::error_code error;
    time::Clock::duration elapsed{};
  };
  const Outcome outcome = rt.block_on([]() -> Async<Outcome> {
    TcpListener listener = TcpListener::bind(loopback()).value();
    const asio::ip::tcp::endpoint to = listener.local_endpoint().value();
    time::pause();
    time::advance(1h);
    const time::Clock::time_point start = time::now();
    io::Result<TcpStream> stream = co_await TcpStream::connect(to, 5s);
    co_return Outcome{stream ? std::error_code() : stream.error(), time::now() - start};
  }());
  // Loopback answers at once; should the runtime find nothing ready in between, the paused clock
  // jumps to the deadline, and then the whole 5 s have passed.
  MESSAGE("connect: ", outcome.error.message(), " after ", outcome.elapsed.count(), " ns");
  if (outcome.error == std::errc::timed_out) {
    CHECK(outcome.elapsed == 5s);
  } else {
    CHECK(!outcome.error);
    CHECK(outcome.elapsed < 5s);
  }
}

TEST_CASE("vectored writes, options and addresses") {
  Runtime rt(1);
  const asio::ip::tcp::endpoint server = rt.block_on(start_echo_server());
  const std::string echoed = rt.block_on([](asio::ip::tcp::endpoint to) -> Async<std::string> {
    TcpStream stream = (co_await TcpStream::connect(to)).value();
    CHECK(stream.set_nodelay(true).ok());
    CHECK(stream.peer_endpoint().value() == to);
    CHECK(stream.local_endpoint().value().address() == to.address());
    const std::array<asio::const_buffer, 3> parts{asio::buffer("vec", 3), asio::buffer("tor", 3),
                                                  asio::buffer("ed", 2)};
    std::size_t total = 0;
    while (total < 8) {
      io::Result<std::size_t> n = co_await stream.write_vectored(parts);
      if (!n) {
        co_return "write failed";
      }
      total += *n;
      if (total < 8) {
        co_return "short vectored write on loopback";
      }
    }
    std::array<char, 8> in{};
    if (!co_await stream.read_exact(std::as_writable_bytes(std::span(in)))) {
      co_return "read failed";
    }
    co_return std::string(in.data(), in.size());
  }(server));
  CHECK(echoed == "vectored");
}

TEST_CASE("MoreToSend::yes holds a short write back until the next write, which sends both") {
  Runtime rt(1);
  const asio::ip::tcp::endpoint server = rt.block_on(start_echo_server());
  const auto [held, echoed] = rt.block_on([](asio::ip::tcp::endpoint to) -> Async<std::pair<int, std::string>> {
    TcpStream stream = (co_await TcpStream::connect(to)).value();
    CHECK(stream.set_nodelay(true).ok());  // MSG_MORE holds bytes back even then
    const std::array<asio::const_buffer, 2> head{asio::buffer("he", 2), asio::buffer("ad", 2)};
    const std::array<asio::const_buffer, 1> body{asio::buffer("body", 4)};
    const io::Result<std::size_t> first = co_await stream.write_vectored(head, net::MoreToSend::yes);
    if (!first || *first != 4) {
      co_return std::pair{-1, std::string("first write failed")};
    }
    int unsent = -1;  // bytes in the send queue not yet sent: the held head
    ::ioctl(stream.native_handle(), SIOCOUTQNSD, &unsent);
    const io::Result<std::size_t> second = co_await stream.write_vectored(body);
    if (!second || *second != 4) {
      co_return std::pair{unsent, std::string("second write failed")};
    }
    std::array<char, 8> in{};
    if (!co_await stream.read_exact(std::as_writable_bytes(std::span(in)))) {
      co_return std::pair{unsent, std::string("read failed")};
    }
    co_return std::pair{unsent, std::string(in.data(), in.size())};
  }(server));
  CHECK(held == 4);
  CHECK(echoed == "headbody");
}

TEST_CASE("IPv6 loopback and SO_REUSEPORT listeners") {
  Runtime rt(2);
  const bool ok = rt.block_on([]() -> Async<bool> {
    io::Result<TcpListener> v6 = TcpListener::bind(asio::ip::tcp::endpoint(asio::ip::address_v6::loopback(), 0));
    if (!v6) {
      co_return true;  // no IPv6 on this machine: nothing to check
    }
    const asio::ip::tcp::endpoint endpoint = v6->local_endpoint().value();
    spawn(echo_server(std::move(*v6))).detach();
    TcpStream stream = (co_await TcpStream::connect(endpoint)).value();
    if (!co_await stream.write_all(net::as_bytes("six"))) {
      co_return false;
    }
    std::array<std::byte, 3> in{};
    co_return (co_await stream.read_exact(in)).ok();
  }());
  CHECK(ok);
  const bool shared = rt.block_on([]() -> Async<bool> {
    net::ListenOptions options;
    options.reuse_port = true;
    TcpListener first = TcpListener::bind(loopback(), options).value();
    const asio::ip::tcp::endpoint endpoint = first.local_endpoint().value();
    io::Result<TcpListener> second = TcpListener::bind(endpoint, options);
    co_return second.ok();
  }());
  CHECK(shared);
}

TEST_CASE("a listener is a stream of connections") {
  Runtime rt(1);
  const int accepted = rt.block_on([]() -> Async<int> {
    TcpListener listener = TcpListener::bind(loopback()).value();
    const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
    std::vector<TcpStream> clients;
    clients.reserve(3);
    for (int i = 0; i < 3; ++i) {
      clients.push_back((co_await TcpStream::connect(endpoint)).value());
    }
    int count = 0;
    while (count < 3) {
      std::optional<io::Result<net::Accepted>> next = co_await wakeful::next(listener);
      if (!next || !*next) {
        break;
      }
      ++count;
    }
    co_return count;
  }());
  CHECK(accepted == 3);
}

TEST_CASE("a listening socket made elsewhere is adopted; other descriptors are refused and closed") {
  // A blocking listener with a connection already queued, as systemd or a parent process hands it over.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  const asio::ip::tcp::endpoint any = loopback();
  REQUIRE(::bind(fd, any.data(), static_cast<socklen_t>(any.size())) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  asio::ip::tcp::endpoint endpoint;
  auto length = static_cast<socklen_t>(endpoint.capacity());
  REQUIRE(::getsockname(fd, endpoint.data(), &length) == 0);
  endpoint.resize(length);
  PlainSocket queued(endpoint);
  REQUIRE(queued.send_all("hi", 2));
  Runtime rt(1);
  const std::string got = rt.block_on([](int descriptor) -> Async<std::string> {
    TcpListener listener = TcpListener::from_descriptor(current_io_context(), descriptor).value();
    CHECK((::fcntl(descriptor, F_GETFL) & O_NONBLOCK) != 0);
    CHECK((::fcntl(descriptor, F_GETFD) & FD_CLOEXEC) != 0);
    net::Accepted accepted = (co_await listener.accept()).value();
    std::array<std::byte, 2> in{};
    (void)(co_await accepted.stream.read_exact(in)).value();
    co_return std::string(reinterpret_cast<const char*>(in.data()), in.size());  // NOLINT
  }(fd));
  CHECK(got == "hi");
  CHECK(::fcntl(fd, F_GETFD) == -1);  // the listener closed it when dropped

  const auto refused = [&rt](int descriptor) {
    return rt.block_on([](int d) -> Async<std::error_code> {
      co_return TcpListener::from_descriptor(current_io_context(), d).error();
    }(descriptor));
  };
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  CHECK(refused(pipe_fds[0]) == std::errc::not_a_socket);
  CHECK(::fcntl(pipe_fds[0], F_GETFD) == -1);
  ::close(pipe_fds[1]);
  const int unbound = ::socket(AF_INET, SOCK_STREAM, 0);  // not listening
  CHECK(refused(unbound) == std::errc::invalid_argument);
  CHECK(::fcntl(unbound, F_GETFD) == -1);
  const int datagram = ::socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(refused(datagram) == std::errc::invalid_argument);
  CHECK(refused(-1) == std::errc::bad_file_descriptor);
}

TEST_CASE("I/O objects outside a worker report it") {
  const io::Result<TcpListener> listener = TcpListener::bind(loopback());
  CHECK(listener.error() == io::errc::not_on_worker);
  CHECK(listener.error().message() == "I/O objects must be created on a runtime worker thread");
  CHECK_THROWS_AS((void)TcpStream::connect(loopback(1)), std::logic_error);
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("net");

TEST_CASE("a stream moved to another worker is served there, with local wake-ups only") {
  Runtime rt(2);
  JoinHandle<asio::ip::tcp::endpoint> started = rt.spawn_on(0, [](Runtime& runtime) -> Async<asio::ip::tcp::endpoint> {
    TcpListener listener = TcpListener::bind(loopback()).value();
    const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
    // spawn_on: a plain spawn may be taken by idle worker 1 before its first poll (balance),
    // which would count it there.
    spawn_on(0,
             [](TcpListener l, Runtime& r) -> Async<void> {
               io::Result<net::Accepted> accepted = co_await l.accept();
               io::Result<TcpStream> moved = std::move(accepted->stream).move_to(r.io_context(1));
               spawn_on(1, echo(std::move(*moved))).detach();
             }(std::move(listener), runtime))
        .detach();
    co_return endpoint;
  }(rt));
  const asio::ip::tcp::endpoint endpoint = block_on(started);
  PlainSocket client(endpoint);
  for (int i = 0; i < 100; ++i) {
    const auto out = static_cast<std::uint8_t>(i);
    std::uint8_t in = 0;
    REQUIRE(client.send_all(&out, 1));
    REQUIRE(client.recv_all(&in, 1));
    CHECK(in == out);
  }
  const WorkerMetrics second = rt.metrics()[1];
  // The echo task lives on worker 1 and only worker 1's reactor wakes it (how often depends on
  // how fast the client answers: a read may find the next byte already there).
  CHECK(second.tasks_spawned == 1);
  CHECK(second.wakes_remote == 0);
}

TEST_SUITE_END();
