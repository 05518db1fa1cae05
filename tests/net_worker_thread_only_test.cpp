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

/// A runtime of two workers that leaves Asio calls on each socket to the socket's own worker.
Runtime owner_only_runtime() { return Runtime(2, WorkerPlacement::floating, AsioLocking::worker_thread_only); }

/// A listener bound on worker 0 of `rt`, and a plain client connected to it.
std::pair<TcpListener, asio::ip::tcp::endpoint> listen_on_worker0(Runtime& rt) {
  TcpListener listener =
      block_on(rt.spawn_on(0, []() -> Async<TcpListener> { co_return TcpListener::bind(loopback()).value(); }()));
  const asio::ip::tcp::endpoint endpoint = listener.local_endpoint().value();
  return {std::move(listener), endpoint};
}

/// Accepts one connection on the listener's own worker (0).
TcpStream accept_on_worker0(Runtime& rt, TcpListener& listener) {
  return block_on(rt.spawn_on(
      0, [](TcpListener& l) -> Async<TcpStream> { co_return (co_await l.accept()).value().stream; }(listener)));
}

/// Makes blocking receives on `socket` give up after two seconds instead of hanging a test.
void limit_receive_wait(const PlainSocket& socket) {
  const timeval limit{2, 0};
  REQUIRE(::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == 0);
}

/// Reads exactly `in.size()` bytes from `stream` and writes them back.
Async<bool> echo_once(TcpStream stream, std::size_t size) {
  std::array<std::byte, 16> in{};
  if (!co_await stream.read_exact(std::span(in).first(size))) {
    co_return false;
  }
  co_return static_cast<bool>(co_await stream.write_all(std::span<const std::byte>(in).first(size)));
}

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("a stream dropped on another thread ends its connection at once") {
  Runtime rt = owner_only_runtime();
  auto [listener, endpoint] = listen_on_worker0(rt);
  PlainSocket client(endpoint);
  limit_receive_wait(client);
  {
    // Worker 0 queues a read wait on the stream, then hands the stream over to this thread.
    TcpStream accepted = block_on(rt.spawn_on(0, [](TcpListener& l) -> Async<TcpStream> {
      TcpStream stream = (co_await l.accept()).value().stream;
      std::array<std::byte, 1> in{};
      co_await poll_fn([&](Context& cx) -> Poll<void> {
        CHECK(stream.poll_read(cx, in).is_pending());
        return Ready;
      });
      co_return stream;
    }(listener)));
    REQUIRE(client.send_all("x", 1));  // an edge: worker 0's reactor runs the queued wait
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }  // dropped here, on the test's thread, while worker 0's reactor holds its wait
  char byte = 0;
  CHECK(::recv(client.fd(), &byte, 1, 0) == 0);  // EOF, not a time-out
}

TEST_CASE("a stream first waited on from another worker has the wait armed by its own") {
  Runtime rt = owner_only_runtime();
  auto [listener, endpoint] = listen_on_worker0(rt);
  PlainSocket client(endpoint);
  limit_receive_wait(client);
  TcpStream accepted = accept_on_worker0(rt, listener);
  // Worker 1 reads a stream of worker 0's reactor; the client writes only once the read waits.
  JoinHandle<bool> echo = rt.spawn_on(1, echo_once(std::move(accepted), 4));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(client.send_all("ping", 4));
  std::array<char, 4> back{};
  REQUIRE(client.recv_all(back.data(), back.size()));
  CHECK(std::string(back.data(), back.size()) == "ping");
  CHECK(block_on(std::move(echo)));
  char byte = 0;
  CHECK(::recv(client.fd(), &byte, 1, 0) == 0);  // dropped on worker 1: closed all the same
}

TEST_CASE("move_to called off the stream's worker carries the connection over") {
  Runtime rt = owner_only_runtime();
  auto [listener, endpoint] = listen_on_worker0(rt);
  PlainSocket client(endpoint);
  limit_receive_wait(client);
  TcpStream accepted = accept_on_worker0(rt, listener);
  TcpStream moved = std::move(accepted).move_to(rt.io_context(1)).value();  // from the test's thread
  JoinHandle<bool> echo = rt.spawn_on(1, echo_once(std::move(moved), 4));
  REQUIRE(client.send_all("pong", 4));
  std::array<char, 4> back{};
  REQUIRE(client.recv_all(back.data(), back.size()));
  CHECK(std::string(back.data(), back.size()) == "pong");
  CHECK(block_on(std::move(echo)));
  char byte = 0;
  CHECK(::recv(client.fd(), &byte, 1, 0) == 0);  // the original descriptor kept nothing open
}

TEST_CASE("a listener dropped on another thread stops accepting") {
  Runtime rt = owner_only_runtime();
  auto [listener, endpoint] = listen_on_worker0(rt);
  { PlainSocket first(endpoint); }
  { TcpListener dropped = std::move(listener); }
  CHECK_THROWS_AS(PlainSocket{endpoint}, std::runtime_error);
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
