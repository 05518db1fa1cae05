// UnixListener, UnixStream, UnixDatagram and UnixAddress end to end, in temporary directories
// and the abstract namespace: echo, pairs, half-close, peer credentials, truncated datagrams,
// connect errors, and a socket file left behind by a process that did not clean up.

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "wakeful/async.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/task/spawn.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using net::StaleSocket;
using net::UnixAddress;
using net::UnixDatagram;
using net::UnixListener;
using net::UnixListenOptions;
using net::UnixStream;

namespace {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "wakeful-unix-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] UnixAddress address(const std::string& name) const {
    return UnixAddress::from_path((path_ / name).string()).value();
  }
  [[nodiscard]] std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// An abstract name no other test process uses at the same time.
std::string unique_abstract_name(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "wakeful-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::span<const std::byte> bytes_of(std::string_view text) { return net::as_bytes(text); }

/// An Asio error as a std::error_code, with standalone Asio and Boost.Asio alike.
template <class E>
std::error_code asio_error(E e) {
  return std::error_code(asio_error_code(e));
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: byte view of chars
}

/// Echoes everything until EOF or an error.
Async<void> echo(UnixStream stream) {
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

/// Accepts `clients` connections, each echoed by a task of its own.
Async<void> echo_server(UnixListener listener, int clients) {
  for (int i = 0; i < clients; ++i) {
    io::Result<net::UnixAccepted> accepted = co_await listener.accept();
    if (accepted) {
      spawn(echo(std::move(accepted->stream))).detach();
    }
  }
}

/// A socket file as a crashed process leaves it: bound, then closed without unlinking.
void leave_stale_socket_file(const UnixAddress& address) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(::bind(fd, address.data(), address.size()) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  ::close(fd);
}

}  // namespace

TEST_SUITE_BEGIN("net");

TEST_CASE("UnixAddress: paths, abstract names, the unnamed address and their limits") {
  const UnixAddress file = UnixAddress::from_path("/run/app.sock").value();
  CHECK(file.path() == "/run/app.sock");
  CHECK_FALSE(file.abstract_name());
  CHECK_FALSE(file.is_unnamed());
  CHECK(file.to_string() == "/run/app.sock");

  const std::string with_nul("a\0b", 3);
  const UnixAddress abstract = UnixAddress::abstract(with_nul).value();
  CHECK(abstract.abstract_name() == with_nul);
  CHECK_FALSE(abstract.path());
  CHECK(abstract.to_string() == "@" + with_nul);
  CHECK(abstract != file);
  CHECK(abstract == UnixAddress::abstract(with_nul).value());

  const UnixAddress unnamed;
  CHECK(unnamed.is_unnamed());
  CHECK_FALSE(unnamed.path());
  CHECK_FALSE(unnamed.abstract_name());
  CHECK(unnamed.to_string() == "(unnamed)");
  CHECK(UnixAddress::abstract("").value() != unnamed);  // an empty abstract name is a name

  CHECK(UnixAddress::from_path("").error() == std::errc::invalid_argument);
  CHECK(UnixAddress::from_path(with_nul).error() == std::errc::invalid_argument);
  CHECK(UnixAddress::from_path(std::string(107, 'p')));
  CHECK(UnixAddress::from_path(std::string(108, 'p')).error() == std::errc::filename_too_long);
  CHECK(UnixAddress::abstract(std::string(107, 'a')));
  CHECK(UnixAddress::abstract(std::string(108, 'a')).error() == std::errc::filename_too_long);
}

TEST_CASE("echo over a socket file, with both ends' addresses") {
  TempDir dir;
  Runtime rt(1);
  const UnixAddress address = dir.address("echo.sock");
  rt.block_on([](UnixAddress at) -> Async<void> {
    UnixListener listener = UnixListener::bind(at).value();
    CHECK(listener.local_address().value() == at);
    UnixStream client = UnixStream::connect(at).value();
    net::UnixAccepted accepted = (co_await listener.accept()).value();
    CHECK(accepted.peer.is_unnamed());
    CHECK(client.peer_address().value() == at);
    CHECK(client.local_address().value().is_unnamed());
    CHECK(accepted.stream.local_address().value() == at);
    spawn(echo(std::move(accepted.stream))).detach();

    std::mt19937 rng(5);
    for (int round = 0; round < 20; ++round) {
      std::vector<std::byte> out(1 + rng() % 100'000);
      for (auto& b : out) {
        b = static_cast<std::byte>(rng());
      }
      std::vector<std::byte> in(out.size());
      REQUIRE(co_await client.write_all(out));
      REQUIRE(co_await client.read_exact(in));
      CHECK(in == out);
    }
  }(address));
  CHECK(std::filesystem::is_socket(dir.file("echo.sock")));  // closing leaves the file
}

TEST_CASE("echo across two workers, clients on both") {
  TempDir dir;
  Runtime rt(2);
  const UnixAddress address = dir.address("workers.sock");
  constexpr int clients = 50;
  // Bound on worker 0, which serves it.
  UnixListener listener = block_on(
      rt.spawn_on(0, [](UnixAddress at) -> Async<UnixListener> { co_return UnixListener::bind(at).value(); }(address)));
  JoinHandle<void> server = rt.spawn_on(0, echo_server(std::move(listener), clients));
  std::vector<JoinHandle<bool>> handles;
  handles.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    handles.push_back(rt.spawn_on(static_cast<std::size_t>(i % 2), [](UnixAddress at, int id) -> Async<bool> {
      io::Result<UnixStream> stream = UnixStream::connect(at);
      if (!stream) {
        co_return false;
      }
      std::mt19937 rng(static_cast<unsigned>(id));
      for (int round = 0; round < 10; ++round) {
        std::vector<std::byte> out(1 + rng() % 5000);
        for (auto& b : out) {
          b = static_cast<std::byte>(rng());
        }
        std::vector<std::byte> in(out.size());
        if (!co_await stream->write_all(out) || !co_await stream->read_exact(in) || in != out) {
          co_return false;
        }
      }
      co_return true;
    }(address, i)));
  }
  int ok = 0;
  for (auto& h : handles) {
    ok += block_on(h) ? 1 : 0;
  }
  CHECK(ok == clients);
  block_on(server);
}

TEST_CASE("abstract addresses leave no file") {
  Runtime rt(1);
  const std::string name = unique_abstract_name("stream");
  rt.block_on([](std::string n) -> Async<void> {
    const UnixAddress address = UnixAddress::abstract(n).value();
    UnixListener listener = UnixListener::bind(address).value();
    CHECK(listener.local_address().value().abstract_name() == n);
    CHECK(UnixListener::bind(address).error() == std::errc::address_in_use);
    UnixStream client = UnixStream::connect(address).value();
    net::UnixAccepted accepted = (co_await listener.accept()).value();
    REQUIRE(co_await client.write_all(bytes_of("ping")));
    std::array<std::byte, 4> buffer{};
    REQUIRE(co_await accepted.stream.read_exact(buffer));
    CHECK(text_of(buffer) == "ping");
    CHECK(client.peer_address().value().abstract_name() == n);
  }(name));
  // Gone with its socket: binding the name again works.
  rt.block_on([](std::string n) -> Async<void> {
    CHECK(UnixListener::bind(UnixAddress::abstract(n).value()));
    co_return;
  }(name));
}

TEST_CASE("peer credentials are this process's") {
  TempDir dir;
  Runtime rt(1);
  rt.block_on([](UnixAddress at) -> Async<void> {
    UnixListener listener = UnixListener::bind(at).value();
    UnixStream client = UnixStream::connect(at).value();
    net::UnixAccepted accepted = (co_await listener.accept()).value();
    for (const UnixStream* stream : {&client, &accepted.stream}) {
      const net::PeerCredentials credentials = stream->peer_credentials().value();
      CHECK(credentials.pid == ::getpid());
      CHECK(credentials.uid == ::getuid());
      CHECK(credentials.gid == ::getgid());
    }
    auto [a, b] = UnixStream::pair().value();
    CHECK(a.peer_credentials().value().pid == ::getpid());
    CHECK(b.peer_credentials().value().uid == ::getuid());
  }(dir.address("creds.sock")));
}

TEST_CASE("a pair: both ways, vectored writes, half-close, EOF and a broken pipe") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    auto [a, b] = UnixStream::pair().value();
    CHECK(a.local_address().value().is_unnamed());
    const std::array<asio::const_buffer, 3> parts{asio::buffer("one ", 4), asio::buffer("two ", 4),
                                                  asio::buffer("three", 5)};
    CHECK((co_await a.write_vectored(parts)).value() == 13);
    std::array<std::byte, 13> buffer{};
    REQUIRE(co_await b.read_exact(buffer));
    CHECK(text_of(buffer) == "one two three");

    REQUIRE(a.shutdown(asio::socket_base::shutdown_send));
    CHECK((co_await b.read(buffer)).value() == 0);  // EOF, again and again
    CHECK((co_await b.read(buffer)).value() == 0);
    REQUIRE(co_await b.write_all(bytes_of("still open")));  // the other direction is
    std::array<std::byte, 10> reply{};
    REQUIRE(co_await a.read_exact(reply));
    CHECK(text_of(reply) == "still open");
    CHECK((co_await b.read_exact(buffer)).error() == asio_error(asio::error::eof));

    { UnixStream gone = std::move(a); }
    CHECK((co_await b.write(bytes_of("x"))).error() == std::errc::broken_pipe);
    // A moved-from stream fails its operations instead of waiting.
    CHECK(a.native_handle() == -1);  // NOLINT(bugprone-use-after-move): what a moved-from stream does
    CHECK((co_await a.read(buffer)).error() == std::errc::bad_file_descriptor);
  }());
}

TEST_CASE("a large transfer through a pair waits for room and for data") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    auto [a, b] = UnixStream::pair().value();
    REQUIRE(a.set_option(asio::socket_base::send_buffer_size(4096)));
    constexpr std::size_t total = 4 << 20;
    JoinHandle<bool> writer = spawn([](UnixStream s) -> Async<bool> {
      std::vector<std::byte> chunk(65'536);
      for (std::size_t sent = 0; sent < total; sent += chunk.size()) {
        for (std::size_t i = 0; i < chunk.size(); ++i) {
          chunk[i] = static_cast<std::byte>((sent + i) % 251);
        }
        if (!co_await s.write_all(chunk)) {
          co_return false;
        }
      }
      co_return true;
    }(std::move(a)));
    std::vector<std::byte> buffer(10'000);
    std::size_t received = 0;
    bool in_order = true;
    for (;;) {
      const std::size_t n = (co_await b.read(buffer)).value();
      if (n == 0) {
        break;
      }
      for (std::size_t i = 0; i < n; ++i) {
        in_order = in_order && buffer[i] == static_cast<std::byte>((received + i) % 251);
      }
      received += n;
    }
    CHECK(co_await writer);
    CHECK(received == total);
    CHECK(in_order);
  }());
}

TEST_CASE("connect errors: no file, and a file nobody listens on") {
  TempDir dir;
  Runtime rt(1);
  rt.block_on([](const TempDir& d) -> Async<void> {
    CHECK(UnixStream::connect(d.address("missing.sock")).error() == std::errc::no_such_file_or_directory);
    const UnixAddress stale = d.address("stale.sock");
    leave_stale_socket_file(stale);
    CHECK(UnixStream::connect(stale).error() == std::errc::connection_refused);
    co_return;
  }(dir));
}

TEST_CASE("a listener whose backlog is full refuses at once with try-again") {
  Runtime rt(1);
  rt.block_on([]() -> Async<void> {
    const UnixAddress address = UnixAddress::abstract(unique_abstract_name("backlog")).value();
    UnixListenOptions options;
    options.backlog = 1;
    UnixListener listener = UnixListener::bind(address, options).value();
    std::vector<UnixStream> queued;  // never accepted: they fill the backlog
    std::error_code refused;
    for (int i = 0; i < 16 && !refused; ++i) {
      io::Result<UnixStream> client = UnixStream::connect(address);
      if (client) {
        queued.push_back(std::move(*client));
      } else {
        refused = client.error();
      }
    }
    CHECK(refused == std::errc::resource_unavailable_try_again);
    CHECK_FALSE(queued.empty());
    // Accepting one makes room again.
    CHECK(co_await listener.accept());
    CHECK(UnixStream::connect(address));
  }());
}

TEST_CASE("a socket file left behind: bind fails by default, and is removed only when unused") {
  TempDir dir;
  Runtime rt(1);
  rt.block_on([](const TempDir& d) -> Async<void> {
    const UnixAddress address = d.address("service.sock");
    leave_stale_socket_file(address);

    // By default the file is left alone.
    CHECK(UnixListener::bind(address).error() == std::errc::address_in_use);
    CHECK(std::filesystem::is_socket(d.file("service.sock")));

    // Asked to, bind removes it once a connect shows nobody listens, and binds.
    UnixListenOptions options;
    options.stale = StaleSocket::remove_if_unused;
    UnixListener listener = UnixListener::bind(address, options).value();
    UnixStream client = UnixStream::connect(address).value();
    net::UnixAccepted accepted = (co_await listener.accept()).value();

    // A live listener's file is never removed: the second bind fails and the first still serves.
    CHECK(UnixListener::bind(address, options).error() == std::errc::address_in_use);
    UnixStream second = UnixStream::connect(address).value();
    CHECK(co_await listener.accept());
    REQUIRE(co_await second.write_all(bytes_of("ok")));

    // Nor is anything that is not a socket file.
    const std::filesystem::path regular = d.file("not-a-socket");
    std::ofstream(regular) << "data";
    CHECK(UnixListener::bind(d.address("not-a-socket"), options).error() == std::errc::address_in_use);
    CHECK(std::filesystem::is_regular_file(regular));
  }(dir));
}

TEST_CASE("datagrams: bound sockets, senders' addresses, truncation, pairs and connect") {
  TempDir dir;
  Runtime rt(1);
  rt.block_on([](const TempDir& d) -> Async<void> {
    UnixDatagram server = UnixDatagram::bind(d.address("server.sock")).value();
    UnixDatagram client = UnixDatagram::bind(d.address("client.sock")).value();
    CHECK(server.local_address().value() == d.address("server.sock"));
    CHECK(UnixDatagram::bind(d.address("server.sock")).error() == std::errc::address_in_use);

    CHECK((co_await client.send_to(bytes_of("question"), d.address("server.sock"))).value() == 8);
    std::array<std::byte, 64> buffer{};
    const net::ReceivedFrom<UnixAddress> got = (co_await server.recv_from(buffer)).value();
    CHECK(text_of(std::span(buffer.data(), got.size)) == "question");
    CHECK(got.peer == d.address("client.sock"));
    REQUIRE(co_await server.send_to(bytes_of("answer"), got.peer));
    CHECK((co_await client.recv(buffer)).value().size == 6);

    // Longer than the buffer: reported, and the next datagram is whole.
    REQUIRE(co_await client.send_to(bytes_of(std::string(300, 'L')), d.address("server.sock")));
    REQUIRE(co_await client.send_to(bytes_of("short"), d.address("server.sock")));
    std::array<std::byte, 16> small{};
    const net::Received cut = (co_await server.recv(small)).value();
    CHECK(cut.size == 16);
    CHECK(cut.length == 300);
    CHECK(cut.truncated());
    const net::Received next = (co_await server.recv(small)).value();
    CHECK(next.size == 5);
    CHECK_FALSE(next.truncated());

    // An unbound sender is unnamed to the receiver.
    UnixDatagram anonymous = UnixDatagram::unbound().value();
    REQUIRE(co_await anonymous.send_to(bytes_of("?"), d.address("server.sock")));
    CHECK((co_await server.recv_from(buffer)).value().peer.is_unnamed());

    // Connected: send and recv.
    REQUIRE(anonymous.connect(d.address("server.sock")));
    CHECK(anonymous.peer_address().value() == d.address("server.sock"));
    REQUIRE(co_await anonymous.send(bytes_of("connected")));
    CHECK((co_await server.recv(buffer)).value().size == 9);
    CHECK(UnixDatagram::unbound().value().connect(d.address("nobody.sock")).error() ==
          std::errc::no_such_file_or_directory);

    // A pair, and the abstract namespace.
    auto [a, b] = UnixDatagram::pair().value();
    REQUIRE(co_await a.send(bytes_of("paired")));
    CHECK((co_await b.recv(buffer)).value().size == 6);
    const UnixAddress abstract = UnixAddress::abstract(unique_abstract_name("dgram")).value();
    UnixDatagram named = UnixDatagram::bind(abstract).value();
    REQUIRE(co_await UnixDatagram::unbound().value().send_to(bytes_of("@"), abstract));
    CHECK((co_await named.recv(buffer)).value().size == 1);
  }(dir));
}

TEST_SUITE_END();
