// wakeful-httpd as a process: its command line, the drain on SIGTERM/SIGINT, and running out of
// file descriptors.

#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/http.hpp"
#include "support/httpd_process.hpp"

using namespace std::chrono_literals;
using wakeful::test::ChildProcess;
using wakeful::test::get;
using wakeful::test::HttpClient;
using wakeful::test::httpd_modes;
using wakeful::test::HttpdProcess;
using wakeful::test::HttpResponse;

namespace {

std::pair<std::string, int> run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), WAKEFUL_HTTPD_PATH);
  ChildProcess process(std::move(args), true);
  return process.wait(10s);
}

}  // namespace

TEST_SUITE_BEGIN("server");

TEST_CASE("the command line: --help, --version, and clear errors with exit status 2") {
  const auto [help, help_status] = run_cli({"--help"});
  CHECK(help_status == 0);
  CHECK(help.find("--max-body-bytes") != std::string::npos);
  const auto [version, version_status] = run_cli({"--version"});
  CHECK(version_status == 0);
  CHECK(version.starts_with("wakeful-httpd "));
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--port", "70000"},
           {"--port"},
           {"--mode", "fast"},
           {"--threads", "0"},
           {"--max-body-bytes", "lots"},
           {"--header-timeout", "-1"},
           {"--body-timeout", "0"},
           {"--body-min-rate", "fast"},
           {"--warm-time", "soon"},
           {"--log-level", "loud"},
           {"--bind", "not-an-address"},
           {"--root", "/nonexistent/dir"},
           {"--frobnicate"},
       }) {
    CAPTURE(bad.front());
    const auto [message, status] = run_cli(bad);
    CHECK(status == 2);
    CHECK(message.starts_with("wakeful-httpd: "));
  }
}

TEST_CASE("a port another process listens on is refused, unless --reuse-port asks to share it") {
  HttpdProcess first({"--threads", "2"});
  const std::string port = std::to_string(first.port());
  // The same address, and the wildcard address over it: both would share the port silently.
  for (const std::string address : {"127.0.0.1", "0.0.0.0"}) {
    CAPTURE(address);
    const auto [message, status] = run_cli({"--bind", address, "--port", port, "--threads", "2"});
    CHECK(status == 1);
    CHECK(message.find("cannot listen on http://" + address + ":" + port + "/: the port is in use") !=
          std::string::npos);
    CHECK(message.find("--reuse-port") != std::string::npos);
    CHECK(message.find("listening on") == std::string::npos);
  }
  HttpdProcess second({"--port", port, "--reuse-port", "--threads", "2"});
  CHECK(second.port() == first.port());
  HttpClient client(first.port());
  CHECK(client.request(get("/json")));
  first.signal(SIGTERM);
  CHECK(first.wait().second == 0);
  HttpClient after(second.port());  // the second one serves the port alone now
  CHECK(after.request(get("/json")));
  // A port left free again (its connections in TIME_WAIT) is taken without the flag.
  second.signal(SIGTERM);
  CHECK(second.wait().second == 0);
  HttpdProcess third({"--port", port});
  CHECK(third.port() == first.port());
}

TEST_CASE("the container's health check asks the port the server listens on, whatever --port says") {
  const auto health = [](const HttpdProcess& server) {
    ChildProcess check({"/bin/bash", WAKEFUL_HEALTHCHECK_PATH, std::to_string(server.pid())}, true);
    return check.wait(10s);
  };
  HttpdProcess server({"--threads", "2", "--shutdown-timeout", "5s"});  // an ephemeral port
  const auto [healthy, healthy_status] = health(server);
  CHECK(healthy_status == 0);
  CHECK(healthy.empty());
  HttpClient busy(server.port());  // keeps the drain going
  REQUIRE(busy.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234"));
  std::this_thread::sleep_for(100ms);
  server.signal(SIGTERM);
  // Unhealthy from the signal on: /healthz says 503, or a connect finds the listeners refusing
  // new connections, until they are closed (within a fraction of a second).
  std::pair<std::string, int> draining = health(server);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (draining.first.find("no listening TCP socket") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    CHECK(draining.second == 1);
    std::this_thread::sleep_for(50ms);
    draining = health(server);
  }
  CHECK(draining.second == 1);
  CHECK(draining.first.find("no listening TCP socket") != std::string::npos);
  REQUIRE(busy.send("56789"));
  CHECK(server.wait().second == 0);
}

TEST_CASE("SIGTERM: in-flight requests finish with Connection: close, idle ones close, exit 0") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server({"--mode", mode, "--threads", "2", "--shutdown-timeout", "5s"});
    HttpClient idle(server.port());
    REQUIRE(idle.request(get("/json")));
    HttpClient busy(server.port());
    REQUIRE(busy.request(get("/json")));
    // A request under way: its head is in, half its body is not.
    REQUIRE(busy.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234"));
    std::this_thread::sleep_for(100ms);
    server.signal(SIGTERM);
    CHECK(idle.closed_within(3s));
    CHECK(idle.received().empty());
    std::this_thread::sleep_for(200ms);
    REQUIRE(busy.send("56789"));
    const std::vector<HttpResponse> last = busy.read_responses(1);
    REQUIRE(last.size() == 1);
    CHECK(last[0].body == "0123456789");
    CHECK(busy.closed_within(3s));
    const auto [log, status] = server.wait();
    CHECK(status == 0);
    CHECK(log.find("draining") != std::string::npos);
  }
}

TEST_CASE("a second signal during the drain stops the server at once") {
  HttpdProcess server({"--threads", "2", "--shutdown-timeout", "60s"});
  HttpClient busy(server.port());
  REQUIRE(busy.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234"));  // never finished
  std::this_thread::sleep_for(100ms);
  server.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  CHECK(::kill(server.pid(), 0) == 0);  // still draining: the request is in flight
  const auto start = std::chrono::steady_clock::now();
  server.signal(SIGTERM);
  const auto [log, status] = server.wait(10s);
  CHECK(status == -1);  // killed by the signal, not an exit
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("SIGINT under load: every request the server read is answered, exit 0") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server({"--mode", mode, "--threads", "2", "--access-log"});
    server.drain_log_in_background();
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0};
    std::atomic<int> unanswered{0};  // sent on a connection the server then closed unread
    std::atomic<int> broken{0};      // a partial or malformed response
    std::vector<std::thread> clients;
    clients.reserve(8);
    for (int c = 0; c < 8; ++c) {
      clients.emplace_back([&] {
        try {
          HttpClient client(server.port());
          while (!stop.load()) {
            if (!client.send(get("/plaintext"))) {
              unanswered.fetch_add(1);
              return;
            }
            const std::vector<HttpResponse> r = client.read_responses(1);
            if (r.size() != 1) {
              (client.received().empty() ? unanswered : broken).fetch_add(1);
              return;
            }
            answered.fetch_add(1);
            if (r[0].closes()) {
              return;
            }
          }
        } catch (const std::exception&) {
          broken.fetch_add(1);
        }
      });
    }
    std::this_thread::sleep_for(300ms);
    server.signal(SIGINT);
    for (std::thread& t : clients) {
      t.join();
    }
    const auto [log, status] = server.wait();
    const std::string& server_log = log;  // a structured binding cannot be captured by INFO
    INFO("server log:\n", server_log);    // holds a sanitizer's report when the status is its
    CHECK(status == 0);
    CHECK(broken.load() == 0);
    CHECK(unanswered.load() <= 8);  // at most the one request each connection had in flight
    // Every response the server logged reached its client (the 8 clients' responses plus none
    // lost), so no request it read went unanswered.
    std::size_t logged = 0;
    for (std::size_t at = log.find("\"GET /plaintext"); at != std::string::npos;
         at = log.find("\"GET /plaintext", at + 1)) {
      ++logged;
    }
    CHECK(logged == static_cast<std::size_t>(answered.load()));
    CHECK(answered.load() > 0);
  }
}

TEST_CASE("out of file descriptors: open connections keep working, accepting resumes later") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server({"--mode", mode, "--threads", "1"});
    HttpClient first(server.port());
    REQUIRE(first.request(get("/json")));
    // Room for exactly one more connection: the kernel gives the lowest free number, and the
    // limit refuses every number from it + 1 on.
    server.limit_files(static_cast<rlim_t>(server.lowest_free_descriptor()) + 1);
    HttpClient second(server.port());
    REQUIRE(second.request(get("/json")));
    std::vector<std::unique_ptr<HttpClient>> waiting;
    for (int i = 0; i < 3; ++i) {  // they sit in the backlog: the kernel completed the handshake
      waiting.push_back(std::make_unique<HttpClient>(server.port()));
      REQUIRE(waiting.back()->send(get("/plaintext")));
    }
    std::this_thread::sleep_for(200ms);
    REQUIRE(first.request(get("/json")));  // the server still serves what it has
    REQUIRE(second.request(get("/json")));
    CHECK(waiting[0]->read_responses(1, {}, 200ms).empty());
    first.close();
    second.close();
    server.limit_files(4096);
    for (auto& client : waiting) {
      const std::vector<HttpResponse> r = client->read_responses(1, {}, 5s);
      REQUIRE(r.size() == 1);
      CHECK(r[0].body == "Hello, World!");
    }
    // The stall was logged, at most once a second (it lasted well under three).
    server.signal(SIGTERM);
    const auto [log, status] = server.wait();
    CHECK(status == 0);
    const std::string marker = "accept: out of file descriptors (RLIMIT_NOFILE ";
    std::size_t lines = 0;
    for (std::size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
      ++lines;
    }
    CHECK(lines >= 1);
    CHECK(lines <= 4);
  }
}

TEST_SUITE_END();
