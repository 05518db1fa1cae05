// What an idle keep-alive connection of wakeful-httpd costs on the heap, counted exactly: the
// server runs in this process on a current-thread runtime, and every allocation is counted by
// size while it lives. (Not built under ThreadSanitizer, whose runtime owns operator new.)
//
// An idle connection, after one request answered, holds four heap blocks (reactor_op backend,
// Asio 1.22, x86-64): its task (task header and the Connection: 224 bytes), its readiness
// registration (io::detail::ScheduledIo: 272), Asio's per-descriptor reactor state (168) and its
// node in the worker's JoinSet (72): 736 bytes asked for, 784 as glibc's chunks (8 bytes of
// header each, rounded up to 16), which is what RSS sees. The parser, the read buffer, the
// output and the coroutine that serves requests exist only while a request is in flight, and
// for --warm-time after it on a connection that made more than one request (without the read
// buffer).

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "http/input_buffer.hpp"
#include "router.hpp"
#include "server_state.hpp"
#include "wakeful/config.hpp"
#include "wakeful/future/poll_fn.hpp"
#include "wakeful/net/tcp_listener.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/time/sleep.hpp"
#include "worker.hpp"

namespace {

// Live heap blocks by the size asked for (the last bucket takes everything larger).
constexpr std::size_t size_buckets = 4096;
std::array<std::atomic<long>, size_buckets + 1> live_by_size{};

// Every block carries its size in a header in front of it, so that delete knows it.
constexpr std::size_t header = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

void* counted_allocation(std::size_t size, std::size_t align) {
  const std::size_t front = align > header ? align : header;
  void* block = std::aligned_alloc(front, (front + size + front - 1) / front * front);
  if (block == nullptr) {
    throw std::bad_alloc();
  }
  auto* user = static_cast<std::byte*>(block) + front;
  reinterpret_cast<std::size_t*>(user)[-1] = size;   // NOLINT: the header
  reinterpret_cast<std::size_t*>(user)[-2] = front;  // NOLINT: the header
  live_by_size[size < size_buckets ? size : size_buckets].fetch_add(1, std::memory_order_relaxed);
  return user;
}

void counted_free(void* pointer) noexcept {
  if (pointer == nullptr) {
    return;
  }
  auto* user = static_cast<std::byte*>(pointer);
  const std::size_t size = reinterpret_cast<std::size_t*>(user)[-1];   // NOLINT: the header
  const std::size_t front = reinterpret_cast<std::size_t*>(user)[-2];  // NOLINT: the header
  live_by_size[size < size_buckets ? size : size_buckets].fetch_sub(1, std::memory_order_relaxed);
  std::free(user - front);  // NOLINT: the block aligned_alloc returned
}

std::array<long, size_buckets + 1> snapshot() {
  std::array<long, size_buckets + 1> counts{};
  for (std::size_t i = 0; i <= size_buckets; ++i) {
    counts[i] = live_by_size[i].load(std::memory_order_relaxed);
  }
  return counts;
}

// What glibc's malloc takes for a block of `size` bytes: an 8-byte header, rounded up to 16,
// at least 32.
std::size_t chunk_of(std::size_t size) {
  const std::size_t chunk = (size + 8 + 15) / 16 * 16;
  return chunk < 32 ? 32 : chunk;
}

}  // namespace

void* operator new(std::size_t size) { return counted_allocation(size, header); }
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_allocation(size, static_cast<std::size_t>(align));
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t /*align*/) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t /*size*/, std::align_val_t /*align*/) noexcept { counted_free(p); }

namespace {

/// Connects to `port` on loopback with a blocking socket; the kernel completes the handshake
/// from the listen queue, before the server accepts.
int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);  // NOLINT
  return fd;
}

/// Runs the server until the response to the request written on `fd` has arrived whole.
void await_response(wakeful::Runtime& rt, int fd) {
  constexpr std::string_view expected = "Hello, World!";
  std::array<char, 4096> buffer{};
  std::size_t got = 0;
  rt.block_on(wakeful::poll_fn([&](wakeful::Context& cx) -> wakeful::Poll<void> {
    const ssize_t n = ::recv(fd, buffer.data() + got, buffer.size() - got, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    }
    if (std::string_view(buffer.data(), got).ends_with(expected)) {
      return wakeful::Ready;
    }
    cx.waker().wake_by_ref();  // the server runs in between
    return wakeful::Pending;
  }));
}

}  // namespace

namespace {

/// A worker of wakeful-httpd on a current-thread runtime in this process, its listener on an
/// ephemeral loopback port, and the clients' sockets.
class CountedServer {
 public:
  explicit CountedServer(std::chrono::milliseconds warm_time) : state_(configure(warm_time)), router_(state_) {
    state_.runtime = &rt_;
    clients_.reserve(max_clients);  // a vector that grows while counted would count
    worker_.emplace(state_, 0, router_);
    auto listener = wakeful::net::TcpListener::bind(
        rt_.io_context(0), wakeful::asio::ip::tcp::endpoint(wakeful::asio::ip::address_v4::loopback(), 0));
    REQUIRE(listener.ok());
    port_ = listener->local_endpoint()->port();
    std::vector<wakeful::net::TcpListener> listeners;
    listeners.push_back(std::move(*listener));
    loop_ = rt_.spawn(worker_->run(std::move(listeners)));  // runs within block_on
  }
  CountedServer(const CountedServer&) = delete;
  CountedServer& operator=(const CountedServer&) = delete;
  ~CountedServer() {
    for (const int fd : clients_) {
      ::close(fd);
    }
    state_.drain.cancel();
    rt_.block_on(std::move(loop_));
    CHECK(state_.open_connections.load() == 0);
  }

  /// Opens `count` connections and makes `requests` requests on each, one after the other.
  void open(std::size_t count, int requests) {
    REQUIRE(clients_.size() + count <= max_clients);
    constexpr std::string_view request = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
    for (std::size_t i = 0; i < count; ++i) {
      const int fd = connect_to(port_);
      clients_.push_back(fd);
      for (int r = 0; r < requests; ++r) {
        REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
        await_response(rt_, fd);  // answered, and then idle (or warm) in the same poll
      }
    }
  }

  /// Runs the server for `time` (its timers fire meanwhile).
  void run_for(std::chrono::milliseconds time) { rt_.block_on(wakeful::time::sleep_for(time)); }

  [[nodiscard]] std::size_t open_connections() const { return state_.open_connections.load(); }

 private:
  static constexpr std::size_t max_clients = 1000;

  static httpd::Config configure(std::chrono::milliseconds warm_time) {
    httpd::Config config;
    config.threads = 1;
    config.mode = httpd::Mode::tasks;
    config.limits.warm_time = warm_time;
    return config;
  }

  wakeful::Runtime rt_ = wakeful::Runtime::current_thread();
  httpd::ServerState state_;
  httpd::Router router_;
  std::optional<httpd::Worker> worker_;
  std::uint16_t port_ = 0;
  wakeful::JoinHandle<void> loop_;
  std::vector<int> clients_;
};

/// What the connections opened between two snapshots hold, each.
struct PerConnection {
  long blocks = 0;
  std::size_t bytes = 0;
  std::size_t chunks = 0;
  long large = 0;  // blocks of size_buckets bytes or more (a read buffer, a large frame)
  std::string breakdown;
};

/// `slack`: how many blocks of a size may be off a multiple of the connections, for what grows
/// with how many timers happen to fire together (the wheel's lists), which no warm-up fixes.
PerConnection per_connection(const std::array<long, size_buckets + 1>& before,
                             const std::array<long, size_buckets + 1>& after, std::size_t connections, long slack = 0) {
  PerConnection cost;
  const auto n = static_cast<long>(connections);
  for (std::size_t size = 0; size <= size_buckets; ++size) {
    const long added = after[size] - before[size];
    if (added == 0) {
      continue;
    }
    const long each = (added + (added >= 0 ? n / 2 : -n / 2)) / n;  // to the nearest
    CHECK_MESSAGE(std::labs(added - each * n) <= slack, "blocks of ", size, " bytes: ", added);
    cost.blocks += each;
    cost.bytes += static_cast<std::size_t>(each) * size;
    cost.chunks += static_cast<std::size_t>(each) * chunk_of(size);
    cost.breakdown += " " + std::to_string(each) + "x" + std::to_string(size);
    if (size == size_buckets) {
      cost.large += each;
    }
  }
  return cost;
}

/// The exact idle cost of the header comment.
void check_idle_cost(const PerConnection& cost, const std::array<long, size_buckets + 1>& before,
                     const std::array<long, size_buckets + 1>& after, std::size_t connections) {
  MESSAGE("per idle connection:", cost.breakdown, " = ", cost.bytes, " bytes, ", cost.chunks, " in malloc chunks");
  CHECK(cost.large == 0);  // no read buffer, no large frame
  // The connection's own block: the task and the Connection, nothing else.
  CHECK(after[sizeof(wakeful::detail::TaskCell<httpd::Connection>)] -
            before[sizeof(wakeful::detail::TaskCell<httpd::Connection>)] ==
        static_cast<long>(connections));
  CHECK(sizeof(wakeful::detail::TaskCell<httpd::Connection>) <= 224);
#if WAKEFUL_IO_BACKEND_REACTOR_OP && !WAKEFUL_ASIO_IS_BOOST && WAKEFUL_ASIO_VERSION == 102201
  CHECK(cost.blocks == 4);
  CHECK(cost.bytes == 736);
#else
  MESSAGE(cost.blocks, " blocks (the exact count is checked with the reactor_op backend on Asio 1.22)");
#endif
  CHECK(cost.chunks <= 800);  // 0.78 KiB; load/run's memory scenario measures the same as RSS
}

}  // namespace

TEST_SUITE_BEGIN("server");

TEST_CASE("an idle keep-alive connection holds its task, its registration and its join-set node, no more") {
  constexpr std::size_t connections = 200;
  CountedServer server(std::chrono::milliseconds(250));  // the default warm time: one request stays cold
  // A first batch brings the worker's pools, run queue and timer wheel, and Asio's, to their
  // working size; the second is counted.
  server.open(connections, 1);
  const auto before = snapshot();
  server.open(connections, 1);
  const auto after = snapshot();
  CHECK(server.open_connections() == 2 * connections);
  check_idle_cost(per_connection(before, after, connections), before, after, connections);
}

TEST_CASE("a reused connection stays warm for --warm-time, then holds what an idle one holds") {
  constexpr std::size_t connections = 100;
  // Long beside the time 100 connections take to open: the first ones must still be warm when
  // the last one is counted (at 100 ms a loaded CI machine let 55 of them cool first).
  constexpr auto warm_time = std::chrono::milliseconds(1000);
  // The warm deadline is exact (the connection's timer is reset to it), so a little past it
  // every connection has cooled.
  constexpr auto cooling = warm_time + std::chrono::milliseconds(500);
  CountedServer server(warm_time);
  server.open(connections, 2);  // brings the pools to the size of 100 warm connections
  server.run_for(cooling);
  const auto before = snapshot();
  const auto opening = std::chrono::steady_clock::now();
  server.open(connections, 2);
  const auto warm = snapshot();
  const auto opened_in = std::chrono::steady_clock::now() - opening;
  if (opened_in < warm_time) {
    // Warm: each still holds its busy coroutine's frame and its request state (the read buffer
    // went back to the pool, which a pooled state's does not count).
    const PerConnection warm_cost = per_connection(before, warm, connections, 2);
    MESSAGE("per warm connection:", warm_cost.breakdown, " = ", warm_cost.bytes, " bytes");
    CHECK(warm_cost.large == 0);
    CHECK(warm_cost.blocks > 4);
  } else {
    WARN_MESSAGE(false, "opening took ", std::chrono::duration<double>(opened_in).count(),
                 " s, longer than the warm time: the warm cost is not checked in this run");
  }
  server.run_for(cooling);
  const auto after = snapshot();
  CHECK(server.open_connections() == 2 * connections);
  check_idle_cost(per_connection(before, after, connections, 2), before, after, connections);
}

TEST_CASE("a warm connection holds no read buffer while it waits") {
  // The read buffer (16 KiB) goes back to the worker's pool whenever a warm connection finds
  // nothing to read, also after a short read that told it so without a would-block call: warm
  // connections share the pool's buffers instead of holding one each.
  constexpr std::size_t connections = 100;
  CountedServer server(std::chrono::seconds(30));  // every one stays warm through the test
  // Read buffers in use: the large blocks alive, less those the pool keeps (the earlier cases'
  // connections left some there, on this thread).
  const auto held = [] { return snapshot()[size_buckets] - static_cast<long>(httpd::http::InputBuffer::pooled()); };
  const long before = held();
  server.open(connections, 2);
  CHECK(server.open_connections() == connections);
  const long warm = held() - before;
  MESSAGE(warm, " read buffers held by ", connections, " warm connections");
  CHECK(warm == 0);
}

TEST_CASE("with --warm-time 0 a reused connection gives its request state back at once") {
  constexpr std::size_t connections = 100;
  CountedServer server(std::chrono::milliseconds(0));
  server.open(connections, 2);
  const auto before = snapshot();
  server.open(connections, 2);
  const auto after = snapshot();
  check_idle_cost(per_connection(before, after, connections), before, after, connections);
}

TEST_SUITE_END();
