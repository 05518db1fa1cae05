// wakeful-httpd stopping and restarting under load without losing a request: the drain on
// SIGTERM, the drain's grace for kept-alive connections, sockets from systemd (LISTEN_FDS), and
// the in-place upgrade on SIGUSR2.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/http.hpp"
#include "support/httpd_process.hpp"
#include "support/load_client.hpp"

using namespace std::chrono_literals;
using wakeful::test::ChildProcess;
using wakeful::test::get;
using wakeful::test::HttpClient;
using wakeful::test::httpd_modes;
using wakeful::test::HttpdProcess;
using wakeful::test::HttpResponse;
using wakeful::test::LoadClients;

namespace {

// Waits for a server to exit; when it does not exit with status 0 (or not at all: it is then
// stopped and the status is -1), the failure shows what the server logged.
template <class Process>
bool exited_cleanly(Process& process) {
  const auto [output, status] = process.wait();
  if (status != 0) {
    MESSAGE("exit status " << status << "; the server's output:\n" << output);
  }
  return status == 0;
}

// Clients of each load: 50, 10 of which open a new connection for every request.
constexpr int load_clients = 50;
constexpr int closing_clients = 10;

/// A listening socket on 127.0.0.1 and an ephemeral port, as systemd would make it: blocking,
/// and inherited by the programs this process starts (no close-on-exec).
class Listener {
 public:
  Listener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||                  // NOLINT
        ::listen(fd_, 128) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {  // NOLINT
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(address.sin_port);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { ::close(fd_); }

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

/// The server started the way systemd starts a socket-activated service: `descriptor` becomes
/// its descriptor 3, LISTEN_FDS=1 and LISTEN_PID its own pid (a shell sets it, then execs).
std::vector<std::string> socket_activated(int descriptor, const std::vector<std::string>& flags) {
  std::vector<std::string> argv{"/bin/sh", "-c",
                                "LISTEN_FDS=1 LISTEN_PID=$$ exec \"$0\" \"$@\" 3<&" + std::to_string(descriptor),
                                WAKEFUL_HTTPD_PATH};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

/// Reads the server's lines until one contains `marker`: that line, or nullopt after `timeout`.
std::optional<std::string> line_with(ChildProcess& process, const std::string& marker, std::string& log,
                                     std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<std::string> line = process.read_line(timeout);
    if (!line) {
      return std::nullopt;
    }
    log += *line + "\n";
    if (line->find(marker) != std::string::npos) {
      return line;
    }
  }
  return std::nullopt;
}

std::uint16_t port_in(const std::string& line) {
  const std::string marker = "listening on http://127.0.0.1:";
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.find(marker) + marker.size())));
}

/// Waits for `pid`, a child or an orphaned descendant of this process (its subreaper): its exit
/// status, or -1 when it was killed or is still running after `timeout` (then it is killed).
int reap(pid_t pid, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(5ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_SUITE_BEGIN("server");

TEST_CASE("--help documents the drain's grace and the upgrade") {
  ChildProcess help({WAKEFUL_HTTPD_PATH, "--help"}, true);
  const auto [text, status] = help.wait(10s);
  CHECK(status == 0);
  CHECK(text.find("--drain-grace TIME") != std::string::npos);
  CHECK(text.find("--upgrade-binary PATH") != std::string::npos);
  CHECK(text.find("SIGUSR2") != std::string::npos);
  CHECK(text.find("LISTEN_FDS") != std::string::npos);
  ChildProcess bad({WAKEFUL_HTTPD_PATH, "--drain-grace", "soon"}, true);
  CHECK(bad.wait(10s).second == 2);
}

TEST_CASE("SIGTERM under load, 20 times: every request written is answered") {
  for (int run = 0; run < 20; ++run) {
    const std::string mode = httpd_modes()[static_cast<std::size_t>(run) % httpd_modes().size()];
    CAPTURE(run);
    CAPTURE(mode);
    HttpdProcess server({"--mode", mode, "--threads", "2"});
    server.drain_log_in_background();
    LoadClients clients(server.port(), load_clients, closing_clients);
    REQUIRE(clients.wait_answered(500));
    server.signal(SIGTERM);
    clients.join();  // each ends at a connect that is refused or never completes
    const auto [log, status] = server.wait();
    const std::string& server_log = log;
    INFO("server log:\n", server_log);
    CHECK(status == 0);
    CHECK(clients.counts.lost.load() == 0);
    // The stop came while the clients were busy: the drain answered requests with a close.
    CHECK(clients.counts.closing.load() > 0);
  }
}

TEST_CASE("two processes on one port (--reuse-port): the old one stops under load, no request lost") {
  HttpdProcess old({"--threads", "2"});
  LoadClients clients(old.port(), load_clients, closing_clients);
  REQUIRE(clients.wait_answered(300));
  HttpdProcess next({"--port", std::to_string(old.port()), "--reuse-port", "--threads", "2"});
  REQUIRE(clients.wait_answered(600));
  old.signal(SIGTERM);
  CHECK(exited_cleanly(old));
  const std::uint64_t after_stop = clients.counts.answered.load();
  REQUIRE(clients.wait_answered(after_stop + 300));  // the new one serves them all
  clients.stop();
  clients.join();
  CHECK(clients.counts.lost.load() == 0);
  CHECK(clients.counts.refused.load() == 0);
  CHECK(clients.counts.unfinished.load() == 0);
  next.signal(SIGTERM);
  CHECK(exited_cleanly(next));
}

TEST_CASE("the drain's grace: a kept-alive connection's next request is answered with a close") {
  HttpdProcess server({"--threads", "2", "--drain-grace", "5s"});
  HttpClient waiting(server.port());
  REQUIRE(waiting.request(get("/json")));
  HttpClient idle(server.port());
  REQUIRE(idle.request(get("/json")));
  HttpClient probe(server.port());
  server.signal(SIGTERM);
  // The drain has begun once /healthz says 503 (a slow build, under TSan, may take a while to
  // get there; a fixed sleep raced with it). Until then the probe stays kept alive.
  for (;;) {
    const std::optional<HttpResponse> health = probe.request(get("/healthz"));
    REQUIRE(health);
    if (health->status == 503) {
      break;
    }
    REQUIRE_FALSE(health->closes());
    std::this_thread::sleep_for(20ms);
  }
  const std::optional<HttpResponse> last = waiting.request(get("/json"));
  REQUIRE(last);
  CHECK(last->status == 200);
  CHECK(last->closes());
  CHECK(waiting.closed_within(5s));
  // The connection that sends nothing is closed once the grace is over, without a word.
  CHECK(idle.closed_within(15s));
  CHECK(idle.received().empty());
  CHECK(exited_cleanly(server));
}

TEST_CASE("a warm connection is an idle one for the drain: closed when the grace ends, not its warm time") {
  HttpdProcess server({"--threads", "1", "--warm-time", "60s", "--drain-grace", "300ms", "--shutdown-timeout", "30s"});
  HttpClient warm(server.port());
  REQUIRE(warm.request(get("/plaintext")));
  REQUIRE(warm.request(get("/plaintext")));  // reused: it now waits warm for 60 s
  server.signal(SIGTERM);
  INFO("the client received: \"" << warm.received() << "\"");  // printed when a check fails
  CHECK(warm.closed_within(10s));
  CHECK(warm.received().empty());
  CHECK(exited_cleanly(server));  // prints the server's log when it did not exit cleanly
}

TEST_CASE("sockets from systemd (LISTEN_FDS): served, never closed for others, so a restart loses nothing") {
  const Listener socket;
  // A connection waits in the socket's queue, its request sent, before any server runs.
  HttpClient early(socket.port());
  REQUIRE(early.send(get("/json")));

  ChildProcess first(socket_activated(socket.fd(), {"--threads", "2"}), true);
  std::string log;
  const std::optional<std::string> listening = line_with(first, "listening on", log);
  REQUIRE(listening);
  CHECK(port_in(*listening) == socket.port());
  CHECK(listening->find("1 socket from systemd") != std::string::npos);
  const std::vector<HttpResponse> answer = early.read_responses(1);
  REQUIRE(answer.size() == 1);
  CHECK(answer[0].status == 200);
  first.signal(SIGTERM);
  CHECK(exited_cleanly(first));

  // Between two servers the socket still listens (this process holds it, as systemd does):
  // a connection queues instead of being refused, and the next server answers it.
  HttpClient between(socket.port());
  REQUIRE(between.send(get("/plaintext")));
  ChildProcess second(socket_activated(socket.fd(), {"--threads", "1"}), true);
  REQUIRE(line_with(second, "listening on", log));
  const std::vector<HttpResponse> later = between.read_responses(1);
  REQUIRE(later.size() == 1);
  CHECK(later[0].body == "Hello, World!");
  second.signal(SIGTERM);
  CHECK(exited_cleanly(second));
}

TEST_CASE("LISTEN_FDS that do not name listening sockets are refused; another process's are ignored") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);  // inherited: a descriptor, but no socket
  ChildProcess bad(socket_activated(pipe_fds[0], {}), true);
  const auto [message, status] = bad.wait(10s);
  CHECK(status == 1);
  CHECK(message.find("LISTEN_FDS: descriptor 3 is not a listening TCP socket") != std::string::npos);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  // LISTEN_PID names another process: the variables are not for this one, which binds its port.
  ChildProcess other({"/bin/sh", "-c", "LISTEN_FDS=1 LISTEN_PID=1 exec \"$0\" \"$@\"", WAKEFUL_HTTPD_PATH, "--bind",
                      "127.0.0.1", "--port", "0", "--threads", "1"},
                     true);
  std::string log;
  const std::optional<std::string> listening = line_with(other, "listening on", log);
  REQUIRE(listening);
  CHECK(listening->find("from systemd") == std::string::npos);
  HttpClient client(port_in(*listening));
  CHECK(client.request(get("/plaintext")));
  other.signal(SIGTERM);
  CHECK(exited_cleanly(other));
}

TEST_CASE("SIGUSR2 under load, 20 upgrades in a row: no request lost, no connection refused") {
  // Each new server is a child of the one it replaces: this process adopts the orphans, to
  // see each exit status.
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  ChildProcess first({WAKEFUL_HTTPD_PATH, "--bind", "127.0.0.1", "--port", "0", "--threads", "2"}, true);
  std::string log;
  const std::optional<std::string> listening = line_with(first, "listening on", log);
  REQUIRE(listening);
  pid_t current = first.pid();
  {
    LoadClients clients(port_in(*listening), load_clients, closing_clients);
    std::uint64_t answered = 200;
    REQUIRE(clients.wait_answered(answered));
    for (int upgrade = 0; upgrade < 20; ++upgrade) {
      CAPTURE(upgrade);
      ::kill(current, SIGUSR2);
      const std::optional<std::string> serves = line_with(first, "upgrade: pid ", log);
      REQUIRE(serves);
      INFO("server log:\n", log);
      REQUIRE(serves->find(" serves") != std::string::npos);
      const pid_t next = std::stoi(serves->substr(serves->find("upgrade: pid ") + 13));
      const int status = current == first.pid() ? first.wait_exit() : reap(current);
      CHECK(status == 0);
      current = next;
      answered += 200;  // the new process serves
      REQUIRE(clients.wait_answered(answered));
    }
    clients.stop();
    clients.join();
    INFO("server log:\n", log);
    CHECK(clients.counts.lost.load() == 0);
    CHECK(clients.counts.refused.load() == 0);
    CHECK(clients.counts.unfinished.load() == 0);
  }
  ::kill(current, SIGTERM);
  CHECK(reap(current) == 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_CASE("an upgrade to a binary that fails leaves the server serving") {
  ChildProcess server(
      {WAKEFUL_HTTPD_PATH, "--bind", "127.0.0.1", "--port", "0", "--threads", "2", "--upgrade-binary", "/bin/false"},
      true);
  std::string log;
  const std::optional<std::string> listening = line_with(server, "listening on", log);
  REQUIRE(listening);
  server.signal(SIGUSR2);
  const std::optional<std::string> failed = line_with(server, "upgrade: pid ", log);
  REQUIRE(failed);
  CHECK(failed->find("failed: it closed the readiness pipe; it exited with status 1; serving on") != std::string::npos);
  HttpClient client(port_in(*listening));
  const std::optional<HttpResponse> response = client.request(get("/plaintext"));
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(!response->closes());
  server.signal(SIGTERM);
  CHECK(exited_cleanly(server));
}

TEST_SUITE_END();
