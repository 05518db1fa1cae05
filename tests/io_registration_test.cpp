// io::Registration on descriptors of the user's own: pipes and eventfds, owned and borrowed,
// released and registered again; what try_io does with would_block, short transfers and the
// cooperative budget; and what open refuses.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include "support/counting_waker.hpp"
#include "wakeful/async.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"
#include "wakeful/time/sleep.hpp"
#include "wakeful/time/timeout.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;
using io::Direction;
using io::Ownership;
using io::Registration;

namespace {

// A non-blocking pipe; each end closed with the object unless taken.
struct Pipe {
  Pipe() {
    std::array<int, 2> fds{};
    REQUIRE(::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    for (int fd : {read_end, write_end}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  int take_read_end() noexcept { return std::exchange(read_end, -1); }

  int read_end = -1;
  int write_end = -1;
};

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

io::Result<std::size_t> read_some(int fd, std::span<char> buffer) {
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n < 0) {
    return io::last_error();
  }
  return static_cast<std::size_t>(n);
}

// Reads the pipe until `expected` bytes came, waiting through the registration.
Async<std::string> read_through(Registration& registration, std::size_t expected) {
  std::string got;
  std::array<char, 64> buffer{};
  while (got.size() < expected) {
    const io::Result<std::size_t> n = co_await registration.async_io(
        Direction::read, [&] { return read_some(registration.native_handle(), buffer); },
        io::ShortTransfer{buffer.size()});
    if (!n || *n == 0) {
      break;
    }
    got.append(buffer.data(), *n);
  }
  co_return got;
}

}  // namespace

TEST_SUITE_BEGIN("io");

TEST_CASE("a task waiting on a pipe's registration is woken by a write from another thread") {
  Runtime rt(1);
  Pipe pipe;
  const int read_end = pipe.take_read_end();
  const int write_end = pipe.write_end;
  const std::string got = rt.block_on([](int fd, int writer_fd) -> Async<std::string> {
    Registration registration = Registration::open(fd).value();
    std::thread writer([writer_fd] {
      std::this_thread::sleep_for(20ms);  // the reader waits first
      for (const char* part : {"hello, ", "registration"}) {
        REQUIRE(::write(writer_fd, part, std::char_traits<char>::length(part)) > 0);
        std::this_thread::sleep_for(5ms);
      }
    });
    std::string text = co_await read_through(registration, 19);
    writer.join();
    co_return text;
  }(read_end, write_end));
  CHECK(got == "hello, registration");
}

TEST_CASE("the pipe's end of file wakes the reader and reads as zero bytes") {
  Runtime rt(1);
  Pipe pipe;
  const int read_end = pipe.take_read_end();
  const int write_end = std::exchange(pipe.write_end, -1);
  const std::size_t last = rt.block_on([](int fd, int writer_fd) -> Async<std::size_t> {
    Registration registration = Registration::open(fd).value();
    std::thread closer([writer_fd] {
      std::this_thread::sleep_for(20ms);
      ::close(writer_fd);
    });
    std::array<char, 8> buffer{};
    auto n = co_await time::timeout(
        5s, registration.async_io(Direction::read, [&] { return read_some(registration.native_handle(), buffer); }));
    closer.join();
    co_return n&&* n ? **n : 99;
  }(read_end, write_end));
  CHECK(last == 0);
}

TEST_CASE("would_block clears the readiness it saw and waits for the next event") {
  Runtime rt(1);
  Pipe pipe;
  const int read_end = pipe.take_read_end();
  const auto [calls, first_wait_pending] = rt.block_on([](int fd, int writer_fd) -> Async<std::pair<int, bool>> {
    Registration registration = Registration::open(fd).value();
    int calls = 0;
    std::array<char, 8> buffer{};
    auto op = [&] {
      ++calls;
      return read_some(registration.native_handle(), buffer);
    };
    // Registered as readable: the first try runs the call, which would block, so the readiness
    // is cleared and the task waits; nothing else runs the call again until an event.
    const bool pending = co_await poll_fn(
        [&](Context& cx) -> Poll<bool> { return registration.try_io(cx, Direction::read, op).is_pending(); });
    const int calls_before_write = calls;
    REQUIRE(::write(writer_fd, "x", 1) == 1);
    auto n = co_await time::timeout(5s, registration.async_io(Direction::read, op));
    co_return std::pair{calls_before_write * 10 + (n && *n && **n == 1 ? calls - calls_before_write : -1), pending};
  }(read_end, pipe.write_end));
  CHECK(first_wait_pending);
  CHECK(calls == 11);  // one would_block before the write, one read after it
}

TEST_CASE("a short transfer clears the readiness without a would_block call") {
  Runtime rt(1);
  Pipe pipe;
  const int read_end = pipe.take_read_end();
  REQUIRE(::write(pipe.write_end, "abc", 3) == 3);
  const auto [got, ready_after] = rt.block_on([](int fd) -> Async<std::pair<std::size_t, bool>> {
    Registration registration = Registration::open(fd).value();
    std::array<char, 16> buffer{};
    auto n = co_await registration.async_io(
        Direction::read, [&] { return read_some(registration.native_handle(), buffer); },
        io::ShortTransfer{buffer.size()});
    // The pipe is empty now and its readiness was cleared by the short read, so a readiness
    // poll waits (it would report ready had the read only been counted).
    const bool ready =
        co_await poll_fn([&](Context& cx) -> Poll<bool> { return registration.poll_read_ready(cx).is_ready(); });
    co_return std::pair{n ? *n : 0, ready};
  }(read_end));
  CHECK(got == 3);
  CHECK_FALSE(ready_after);
}

TEST_CASE("try_io spends the cooperative budget and returns Pending with a wake when it is spent") {
  Runtime rt(1);
  const auto [ran, wakes] = rt.block_on([]() -> Async<std::pair<int, int>> {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    Registration registration = Registration::open(fd).value();
    test::CountingWaker counter;
    int ran = 0;
    {
      Waker waker = counter.waker();
      Context cx(waker);
      const coop::BudgetScope scope(2);
      auto op = [&]() -> io::Result<std::size_t> {
        ++ran;
        return std::size_t{8};
      };
      for (int i = 0; i < 3; ++i) {
        (void)registration.try_io(cx, Direction::write, op);
      }
    }
    co_return std::pair{ran, counter.wakes()};
  }());
  CHECK(ran == 2);
  CHECK(wakes == 1);
}

TEST_CASE("an owned descriptor is closed with its registration, a borrowed one is left open") {
  Runtime rt(1);
  Pipe pipe;
  const auto [owned_fd, borrowed_fd] = rt.block_on([](int owned, int borrowed) -> Async<std::pair<int, int>> {
    {
      Registration a = Registration::open(owned, Ownership::owned).value();
      Registration b = Registration::open(borrowed, Ownership::borrowed).value();
    }
    co_await time::sleep_for(1ms);  // the reactor lets go of what was armed
    co_return std::pair{owned, borrowed};
  }(pipe.take_read_end(), pipe.write_end));
  CHECK_FALSE(is_open(owned_fd));
  CHECK(is_open(borrowed_fd));
}

TEST_CASE("into_descriptor takes the descriptor off the reactor so that it can be registered again") {
  Runtime rt(1);
  Pipe pipe;
  const int read_end = pipe.take_read_end();
  const std::string got = rt.block_on([](int fd, int writer_fd) -> Async<std::string> {
    Registration first = Registration::open(fd).value();
    // Wait once, so that something is armed when the descriptor leaves.
    (void)co_await time::timeout(5ms, first.readable());
    io::Result<int> released = std::move(first).into_descriptor();
    REQUIRE(released);
    REQUIRE(*released == fd);
    REQUIRE_FALSE(first.is_open());  // NOLINT(bugprone-use-after-move): the point
    // epoll would refuse a second registration of a descriptor still on it (EEXIST).
    io::Result<Registration> again = Registration::open(*released);
    REQUIRE(again);
    REQUIRE(::write(writer_fd, "again", 5) == 5);
    co_return co_await read_through(*again, 5);
  }(read_end, pipe.write_end));
  CHECK(got == "again");
}

TEST_CASE("open refuses what epoll cannot watch, and closes an owned descriptor it refuses") {
  Runtime rt(1);
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  const int file_fd = ::dup(::fileno(file));
  const auto [regular, negative] = rt.block_on([](int fd) -> Async<std::pair<std::error_code, std::error_code>> {
    co_return std::pair{Registration::open(fd).error(), Registration::open(-1).error()};
  }(file_fd));
  CHECK(regular == std::errc::operation_not_permitted);
  CHECK(negative == std::errc::bad_file_descriptor);
  CHECK_FALSE(is_open(file_fd));
  std::fclose(file);
}

TEST_CASE("open outside a worker fails with not_on_worker and closes an owned descriptor") {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  const io::Result<Registration> registration = Registration::open(fd);
  CHECK(registration.error() == io::errc::not_on_worker);
  CHECK_FALSE(is_open(fd));
}

TEST_CASE("an empty registration fails try_io and throws on a readiness poll") {
  Registration empty;
  Context cx(Waker::noop());
  auto result = empty.try_io(cx, Direction::read, []() -> io::Result<int> { return 1; });
  REQUIRE(result.is_ready());
  CHECK(result->error() == std::errc::bad_file_descriptor);
  CHECK_THROWS_AS((void)empty.poll_read_ready(cx), std::logic_error);
  CHECK(empty.native_handle() == -1);
}

TEST_CASE("a reader and a writer wait on one registration at once, each woken for its direction") {
  Runtime rt(2);
  // A socket pair: both directions of one descriptor can be waited for.
  std::array<int, 2> pair{};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair.data()) == 0);
  const int peer = pair[1];
  // Fill the send buffer so that the writer must wait too.
  std::array<char, 4096> chunk{};
  while (::write(pair[0], chunk.data(), chunk.size()) > 0) {
  }
  const auto [read_bytes, wrote] = rt.block_on([](int fd, int other) -> Async<std::pair<std::size_t, bool>> {
    Registration registration = Registration::open(fd).value();
    auto reader = spawn([](Registration& r) -> Async<std::size_t> {
      std::array<char, 16> buffer{};
      auto n = co_await r.async_io(Direction::read, [&] { return read_some(r.native_handle(), buffer); });
      co_return n ? *n : 0;
    }(registration));
    auto writer = spawn([](Registration& r) -> Async<bool> {
      auto n = co_await r.async_io(Direction::write, [&]() -> io::Result<std::size_t> {
        const ssize_t w = ::write(r.native_handle(), "w", 1);
        return w < 0 ? io::Result<std::size_t>(io::last_error()) : static_cast<std::size_t>(w);
      });
      co_return n&&* n == 1;
    }(registration));
    co_await time::sleep_for(10ms);  // both wait now
    std::thread peer_side([other] {
      REQUIRE(::write(other, "ping", 4) == 4);
      std::array<char, 65536> sink{};
      while (::read(other, sink.data(), sink.size()) > 0) {  // frees the writer's buffer
      }
    });
    const std::size_t got = (co_await time::timeout(5s, std::move(reader))).value_or(0);
    const bool sent = (co_await time::timeout(5s, std::move(writer))).value_or(false);
    peer_side.join();
    co_return std::pair{got, sent};
  }(pair[0], peer));
  CHECK(read_bytes == 4);
  CHECK(wrote);
  ::close(peer);
}
