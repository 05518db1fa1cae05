// wakeful-httpd end to end, over loopback sockets, in each of its three modes: requests,
// pipelining, concurrency, timeouts, the connection cap, a request that comes with its FIN, and a
// client that goes away.

#include <doctest/doctest.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/http.hpp"
#include "support/httpd_process.hpp"

using namespace std::chrono_literals;
using wakeful::test::get;
using wakeful::test::HttpClient;
using wakeful::test::httpd_modes;
using wakeful::test::HttpdProcess;
using wakeful::test::HttpResponse;

namespace {

std::vector<std::string> flags(const std::string& mode, std::vector<std::string> more = {}) {
  std::vector<std::string> all{"--mode", mode, "--threads", "2"};
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

std::string echo(const std::string& body) {
  return "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_SUITE_BEGIN("server");

TEST_CASE("requests, a 50-deep pipeline in one write, and a pipeline sent byte by byte") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode));
    HttpClient client(server.port());
    const std::optional<HttpResponse> hello = client.request(get("/plaintext"));
    REQUIRE(hello);
    CHECK(hello->body == "Hello, World!");

    std::string pipeline;
    for (int i = 0; i < 50; ++i) {
      pipeline += echo("body " + std::to_string(i));
    }
    REQUIRE(client.send(pipeline));
    const std::vector<HttpResponse> responses = client.read_responses(50);
    REQUIRE(responses.size() == 50);
    for (int i = 0; i < 50; ++i) {
      CHECK(responses[static_cast<std::size_t>(i)].body == "body " + std::to_string(i));
    }

    const int on = 1;
    ::setsockopt(client.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const std::string split = get("/json") + echo("split") + get("/json");
    for (const char c : split) {
      REQUIRE(client.send(std::string_view(&c, 1)));
    }
    const std::vector<HttpResponse> pieces = client.read_responses(3);
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[1].body == "split");
    CHECK(pieces[2].body == R"({"message":"Hello, World!"})");
  }
}

TEST_CASE("100 concurrent keep-alive clients, 20 requests each, all answered") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode));
    std::atomic<int> answered{0};
    std::vector<std::thread> clients;
    clients.reserve(100);
    for (int c = 0; c < 100; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client(server.port());
        for (int i = 0; i < 20; ++i) {
          const std::string body = std::to_string(c) + "/" + std::to_string(i);
          const std::optional<HttpResponse> r = client.request(echo(body));
          if (r && r->status == 200 && r->body == body) {
            answered.fetch_add(1);
          }
        }
      });
    }
    for (std::thread& t : clients) {
      t.join();
    }
    CHECK(answered.load() == 2000);
    CHECK(server.metric("httpd_responses_total{class=\"2xx\"}") >= 2000);
  }
}

TEST_CASE("a head trickled in slower than --header-timeout gets 408 and is closed (slowloris)") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--header-timeout", "300ms"}));
    HttpClient client(server.port());
    REQUIRE(client.send("GET /plaintext HTTP/1.1\r\n"));
    const auto start = std::chrono::steady_clock::now();
    bool sent = true;
    for (int i = 0; i < 20 && sent; ++i) {  // each line well within the timeout, the head never done
      std::this_thread::sleep_for(100ms);
      sent = client.send("X-Slow: " + std::to_string(i) + "\r\n");
    }
    CHECK(client.closed_within(3s));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(client.received().starts_with("HTTP/1.1 408 Request Timeout\r\n"));
  }
}

TEST_CASE("a body trickled in below --body-min-rate is cut at --body-timeout, however often its bytes come") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    // Each piece comes well within --header-timeout, which alone never cut a body.
    HttpdProcess server(flags(mode, {"--header-timeout", "400ms", "--body-timeout", "600ms", "--body-min-rate", "1k"}));
    const auto trickle = [](HttpClient& client, const std::string& piece) {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < 50 && client.send(piece) && !client.closed_within(100ms); ++i) {
      }
      return std::chrono::steady_clock::now() - start;
    };
    // A chunked echo answers once the body is complete: cut before, it gets 408.
    HttpClient chunked(server.port());
    REQUIRE(chunked.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
    CHECK(trickle(chunked, "1\r\nx\r\n") < 3s);
    CHECK(chunked.closed_within(1s));
    CHECK(chunked.received().starts_with("HTTP/1.1 408 Request Timeout\r\n"));
    // A response that went out before its body: the connection is closed.
    HttpClient streamed(server.port());
    REQUIRE(streamed.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n"));
    CHECK(trickle(streamed, "y") < 3s);
    CHECK(streamed.closed_within(1s));
    CHECK(streamed.received().starts_with("HTTP/1.1 200 OK\r\n"));
    // A body that keeps the rate takes as long as it needs, well past --body-timeout.
    HttpClient steady(server.port());
    const std::string body(std::size_t{16} * 1024, 'z');
    REQUIRE(
        steady.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t sent = 0; sent < body.size(); sent += 512) {  // 5 KiB/s: 3.2 s in all
      REQUIRE(steady.send(body.substr(sent, 512)));
      std::this_thread::sleep_for(100ms);
    }
    CHECK(std::chrono::steady_clock::now() - start > 1s);
    const std::vector<HttpResponse> r = steady.read_responses(1);
    REQUIRE(r.size() == 1);
    CHECK(r[0].body == body);
    CHECK(!r[0].closes());
    CHECK(steady.request(get("/json")));  // the next request gets its own head deadline
  }
}

TEST_CASE("a kept-alive connection idle past --idle-timeout is closed, and a silent one past --header-timeout") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--idle-timeout", "300ms", "--header-timeout", "500ms"}));
    HttpClient kept(server.port());
    REQUIRE(kept.request(get("/json")));
    HttpClient silent(server.port());
    const auto start = std::chrono::steady_clock::now();
    CHECK(kept.closed_within(3s));
    CHECK(kept.received().empty());  // closed without a word
    CHECK(silent.closed_within(3s));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
}

TEST_CASE("a reused connection's warm time ends at --idle-timeout, and it answers while warm") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--idle-timeout", "300ms", "--warm-time", "30s"}));
    HttpClient reused(server.port());
    for (int i = 0; i < 3; ++i) {  // from the second request on, the connection waits warm
      CAPTURE(i);
      const std::optional<HttpResponse> response = reused.request(get("/plaintext"));
      REQUIRE(response);
      CHECK(response->status == 200);
      CHECK(!response->closes());
    }
    const auto start = std::chrono::steady_clock::now();
    CHECK(reused.closed_within(3s));  // not after the 30 s of warm time
    CHECK(std::chrono::steady_clock::now() - start >= 250ms);
  }
}

TEST_CASE("--warm-time 0: a reused connection serves every request cold") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--warm-time", "0"}));
    HttpClient client(server.port());
    for (int i = 0; i < 3; ++i) {
      CAPTURE(i);
      const std::optional<HttpResponse> response = client.request(get("/plaintext"));
      REQUIRE(response);
      CHECK(response->status == 200);
    }
  }
}

TEST_CASE("--max-requests counts the requests of a connection across its idle waits") {
  // The request state of a connection exists only while a request is in flight; the count of
  // requests answered must outlive it.
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--max-requests", "3"}));
    HttpClient client(server.port());
    for (int i = 1; i <= 3; ++i) {
      CAPTURE(i);
      const std::optional<HttpResponse> response = client.request(get("/plaintext"));  // one at a time
      REQUIRE(response);
      CHECK(response->closes() == (i == 3));
    }
    CHECK(client.closed_within(3s));
  }
}

TEST_CASE("a request that comes with the client's FIN is answered, and the connection closed at once") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--idle-timeout", "60s"}));  // only the FIN can close it in time
    for (int attempt = 0; attempt < 20; ++attempt) {              // the FIN often shares the request's edge
      HttpClient client(server.port());
      REQUIRE(client.request(get("/json")));  // kept alive: the next request finds it idle
      REQUIRE(client.send(get("/plaintext")));
      ::shutdown(client.fd(), SHUT_WR);
      REQUIRE(client.closed_within(3s));
      CHECK(client.received().find("Hello, World!") != std::string::npos);
    }
  }
}

TEST_CASE("a client that stops reading is dropped after --write-timeout") {
  char pattern[] = "/tmp/wakeful-stall-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  const std::string root = pattern;
  {
    std::string big(std::size_t{16} << 20U, 'z');
    FILE* file = std::fopen((root + "/big.bin").c_str(), "wb");
    REQUIRE(file != nullptr);
    std::fwrite(big.data(), 1, big.size(), file);
    std::fclose(file);
  }
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--write-timeout", "300ms", "--root", root}));
    HttpClient stalled(server.port());
    const int small = 4096;
    ::setsockopt(stalled.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    REQUIRE(stalled.send(get("/static/big.bin")));
    // The server cannot finish, and gives up: only the /metrics connection stays open.
    CHECK(server.metric_becomes("httpd_connections_open", 1, 6s));
  }
  std::remove((root + "/big.bin").c_str());
  ::rmdir(root.c_str());
}

TEST_CASE("beyond --max-connections, connections get 503 and a close, counted and logged at most once a second") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode, {"--max-connections", "3", "--threads", "1"}));
    server.drain_log_in_background();
    HttpClient a(server.port());
    HttpClient b(server.port());
    REQUIRE(a.request(get("/json")));
    REQUIRE(b.request(get("/json")));
    HttpClient c(server.port());  // the third: still within the cap
    REQUIRE(c.request(get("/json")));
    constexpr int over_count = 20;
    for (int i = 0; i < over_count; ++i) {  // a health check among them: it learns why
      HttpClient over(server.port());
      (void)over.send(get(i % 2 == 0 ? "/healthz" : "/plaintext"));  // the answer may come first
      const std::vector<HttpResponse> r = over.read_responses(1, {}, 3s);
      REQUIRE(r.size() == 1);
      CHECK(r[0].status == 503);
      CHECK(r[0].closes());
      CHECK(r[0].body == "Service Unavailable\n");
      CHECK(over.closed_within(3s));
    }
    c.close();  // a slot frees up: /metrics can get in
    double rejected = 0;
    for (int i = 0; i < 100 && rejected < over_count; ++i) {
      std::this_thread::sleep_for(20ms);
      try {
        rejected = server.metric("httpd_connections_rejected_total");
      } catch (const std::exception&) {  // refused while the slot was still taken
      }
    }
    CHECK(rejected >= over_count);
    CHECK(a.request(get("/plaintext")));  // the others never noticed
    server.signal(SIGTERM);
    const auto [log, status] = server.wait();
    CHECK(status == 0);
    // Logged at once, then at most once a second with a count, and what is left at exit: every
    // refusal is in a count, in a few lines.
    std::size_t lines = 0;
    std::size_t counted = 0;
    const std::string marker = "--max-connections (3) reached: answered 503 and closed ";
    for (std::size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
      ++lines;
      counted += std::stoul(log.substr(at + marker.size()));
    }
    CHECK(counted == static_cast<std::size_t>(rejected));
    CHECK(lines >= 1);
    CHECK(lines <= 5);
  }
}

TEST_CASE("/metrics: child polls per wake read 2 in tasks mode, as their help text says") {
  HttpdProcess server({"--mode", "tasks", "--threads", "1"});
  for (int i = 0; i < 30; ++i) {  // each connection's task: polled when added, and when its end wakes it
    HttpClient client(server.port());
    REQUIRE(client.request(get("/plaintext")));
  }
  REQUIRE(server.metric_becomes("httpd_connections_open", 1));
  const double per_wake = server.metric("wakeful_joinset_child_polls_per_wake");
  CHECK(per_wake > 1.9);
  CHECK(per_wake < 2.1);
  HttpClient client(server.port());
  const std::optional<HttpResponse> metrics = client.request(get("/metrics"));
  REQUIRE(metrics);
  const std::size_t help = metrics->body.find("# HELP wakeful_joinset_child_polls_per_wake ");
  REQUIRE(help != std::string::npos);
  const std::string text = metrics->body.substr(help, metrics->body.find('\n', help) - help);
  CHECK(text.find("so 2 when each child wakes once") != std::string::npos);
}

TEST_CASE("clients that reset or vanish mid-request do not disturb the others") {
  for (const std::string& mode : httpd_modes()) {
    CAPTURE(mode);
    HttpdProcess server(flags(mode));
    HttpClient steady(server.port());
    REQUIRE(steady.request(get("/json")));
    for (int i = 0; i < 20; ++i) {
      wakeful::test::HttpClient gone(server.port());
      gone.send(i % 2 == 0 ? "GET /plaintext HTTP/1.1\r\nHo"
                           : "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nab");
      if (i % 3 == 0) {
        const linger reset{1, 0};
        ::setsockopt(gone.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      }
    }
    for (int i = 0; i < 10; ++i) {
      REQUIRE(steady.request(get("/json")));
    }
    CHECK(server.metric_becomes("httpd_connections_open", 2));  // `steady` and the /metrics one
  }
}

TEST_SUITE_END();
