// AsioLocking::worker_thread_only: Asio keeps no per-socket lock, so wakeful's sockets carry out
// their Asio calls on their own worker even when another thread drops, moves or first waits on
// them. ThreadSanitizer checks the "no race" half; these tests check that the work still gets done.

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "support/counting_waker.hpp"
#include "support/sockets.hpp"
#include "wakeful/async.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/net/tcp_listener.hpp"
#include "wakeful/net/tcp_stream.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/time/sleep.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using net::TcpListener;
using net::TcpStream;
using test::loopback;
using test::PlainSocket;

namespace {

/// Makes blocking receives on `socket` give up after two seconds instead of hanging a test.
void limit_receive_wait(const PlainSocket& socket) {
  const timeval limit{2, 0};
  REQUIRE(::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == 0);
}

/// A runtime of two workers that leaves Asio calls on each socket to the socket's own worker,
/// a listener on worker 0, and a plain client connected to it (receives give up after 2 s).
struct ListeningOnWorker0 {
  ListeningOnWorker0() { limit_receive_wait(client); }

  /// Accepts the client's connection on the listener's own worker.
  TcpStream accept() {
    return block_on(rt.spawn_on(
        0, [](TcpListener& l) -> Async<TcpStream> { co_return (co_await l.accept()).value().stream; }(listener)));
  }

  Runtime rt{2, WorkerPlacement::floating, AsioLocking::worker_thread_only};
  TcpListener listener =
      block_on(rt.spawn_on(0, []() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }()));
  asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  PlainSocket client{endpoint};
};

/// Reads exactly `in.size()` bytes from `stream` and writes them back.
Async<bool> echo_once(TcpStream stream, std::size_t size) {
  std::array<std::byte, 16> in{};
  if (!co_await stream.read_exact(std::span(in).first(size))) {
    co_return false;
  }
  co_return static_cast<bool>(co_await stream.write_all(std::span<const std::byte>(in).first(size)));
}

/// Sends the four bytes of `message`, expects them back from `echo` (a task running echo_once)
/// and then the end of the connection, whose stream the task dropped.
void expect_echo_then_end(const PlainSocket& client, JoinHandle<bool> echo, const std::string& message) {
  REQUIRE(client.send_all(message.data(), 4));
  std::array<char, 4> back{};
  REQUIRE(client.recv_all(back.data(), back.size()));
  CHECK(std::string(back.data(), back.size()) == message);
  CHECK(block_on(std::move(echo)));
  char byte = 0;
  CHECK(::recv(client.fd(), &byte, 1, 0) == 0);  // EOF, not a time-out
}

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("a stream dropped on another thread ends its connection at once") {
  ListeningOnWorker0 setup;
  {
    // Worker 0 queues a read wait on the stream, then hands the stream over to this thread.
    TcpStream accepted = block_on(setup.rt.spawn_on(0, [](TcpListener& l) -> Async<TcpStream> {
      TcpStream stream = (co_await l.accept()).value().stream;
      std::array<std::byte, 1> in{};
      co_await poll_fn([&](Context& cx) -> Poll<void> {
        CHECK(stream.poll_read(cx, in).is_pending());
        return Ready;
      });
      co_return stream;
    }(setup.listener)));
    REQUIRE(setup.client.send_all("x", 1));  // an edge: worker 0's reactor runs the queued wait
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // A plain system call, no Asio: read the byte so that closing sends FIN, not RST.
    std::array<std::byte, 1> in{};
    CHECK(accepted.try_read(in).value() == 1);
  }  // dropped here, on the test's thread, while worker 0's reactor holds its wait
  char byte = 0;
  CHECK(::recv(setup.client.fd(), &byte, 1, 0) == 0);  // EOF, not a time-out
}

TEST_CASE("a stream first waited on from another worker has the wait armed by its own") {
  ListeningOnWorker0 setup;
  // Worker 1 reads a stream of worker 0's reactor; the client writes only once the read waits.
  JoinHandle<bool> echo = setup.rt.spawn_on(1, echo_once(setup.accept(), 4));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  expect_echo_then_end(setup.client, std::move(echo), "ping");  // dropped on worker 1: closed all the same
}

TEST_CASE("move_to called off the stream's worker carries the connection over") {
  ListeningOnWorker0 setup;
  TcpStream moved = setup.accept().move_to(setup.rt.io_context(1)).value();  // from the test's thread
  // The end arrives although the original descriptor waits for worker 0 to close it.
  expect_echo_then_end(setup.client, setup.rt.spawn_on(1, echo_once(std::move(moved), 4)), "pong");
}

TEST_CASE("a listener dropped on another thread stops accepting") {
  ListeningOnWorker0 setup;
  { TcpListener dropped = std::move(setup.listener); }
  CHECK_THROWS_AS(PlainSocket{setup.endpoint}, std::runtime_error);
}

TEST_CASE("a current-thread runtime arms a wait made outside block_on at its next block_on") {
  Runtime rt = Runtime::current_thread(AsioLocking::worker_thread_only);
  TcpListener listener = rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
  PlainSocket client(listener.local_endpoint().value());
  TcpStream accepted =
      rt.block_on([](TcpListener& l) -> Async<TcpStream> { co_return (co_await l.accept()).value().stream; }(listener));

  test::CountingWaker counting;
  const Waker waker = counting.waker();
  Context cx(waker);
  std::array<std::byte, 4> in{};
  REQUIRE(accepted.poll_read(cx, in).is_pending());  // outside block_on: the wait is posted
  REQUIRE(client.send_all("data", 4));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(counting.wakes() == 0);  // nobody runs the worker, so nothing was armed yet

  rt.block_on(time::sleep_for(std::chrono::milliseconds(20)));  // the worker arms it and sees the data
  CHECK(counting.wakes() == 1);
  auto read = accepted.poll_read(cx, in);
  REQUIRE(read.is_ready());
  CHECK(std::move(read).value().value() == 4);
}

TEST_CASE("a wait posted to a runtime that then shuts down still wakes its task") {
  test::CountingWaker counting;
  const Waker waker = counting.waker();
  Context cx(waker);
  {
    Runtime rt = Runtime::current_thread(AsioLocking::worker_thread_only);
    TcpListener listener =
        rt.block_on([]() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }());
    PlainSocket client(listener.local_endpoint().value());
    TcpStream accepted = rt.block_on(
        [](TcpListener& l) -> Async<TcpStream> { co_return (co_await l.accept()).value().stream; }(listener));
    std::array<std::byte, 4> in{};
    REQUIRE(accepted.poll_read(cx, in).is_pending());
    CHECK(counting.wakes() == 0);
  }  // the stream, then the runtime: the posted wait and close are dropped with the io_context
  CHECK(counting.wakes() == 1);
  CHECK(counting.outstanding() == 1);  // ours alone: the clone the stream stored was used up
}

TEST_SUITE_END();
