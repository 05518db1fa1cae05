// The HTTP/1.1 engine of wakeful-httpd, driven byte by byte: framing, pipelining, keep-alive,
// bodies, the request-smuggling defences and the limits.

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <utility>

#include "support/http.hpp"
#include "support/session_harness.hpp"

using httpd::http::SessionStatus;
using wakeful::test::get;
using wakeful::test::HttpResponse;
using wakeful::test::parse_responses;
using wakeful::test::SessionHarness;

namespace {

// The one response to `request`, which must be the whole output.
HttpResponse answer(std::string_view request, httpd::Config config = wakeful::test::session_config()) {
  SessionHarness h(std::move(config));
  const std::vector<HttpResponse> responses = parse_responses(h.feed(request));
  REQUIRE(responses.size() == 1);
  return responses.front();
}

// The status of the answer to `request`, and whether the session then closes.
// The status of the one response to `request`, fed `step` bytes at a time, and whether the
// session closes after it.
std::pair<int, bool> verdict(std::string_view request, std::size_t step = std::numeric_limits<std::size_t>::max()) {
  SessionHarness h;
  const std::vector<HttpResponse> responses = parse_responses(h.feed(request, step));
  REQUIRE(responses.size() == 1);
  return {responses.front().status, h.closing()};
}

std::string post(std::string_view path, std::string_view body, std::string_view extra = {}) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

std::string chunked(std::string_view path, std::string_view chunks) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
         std::string(chunks);
}

}  // namespace

TEST_SUITE_BEGIN("server");

TEST_CASE("a GET gets the exact response: status, Server, Date, type, length, body") {
  SessionHarness h;
  const std::string out = h.feed(get("/plaintext"));
  CHECK(out.starts_with("HTTP/1.1 200 OK\r\nServer: wakeful-httpd\r\nDate: "));
  const HttpResponse r = parse_responses(out).at(0);
  CHECK(r.body == "Hello, World!");
  CHECK(r.header("content-type") == "text/plain; charset=utf-8");
  CHECK(r.header("content-length") == "13");
  CHECK(r.header("date")->size() == 29);
  CHECK(r.header("date")->ends_with(" GMT"));
  CHECK(!r.header("connection"));  // HTTP/1.1 keeps alive by default, unsaid
  CHECK(h.idle());
  CHECK(h.status() == SessionStatus::need_input);

  const HttpResponse json = answer(get("/json"));
  CHECK(json.body == R"({"message":"Hello, World!"})");
  CHECK(json.header("content-type") == "application/json");
}

TEST_CASE("pipelined requests split at every byte get the same responses as sent at once") {
  const std::string pipeline = get("/plaintext") + post("/echo", "first body") + get("/json") +
                               chunked("/echo", "3\r\nabc\r\n0\r\n\r\n") + get("/nope");
  SessionHarness whole;
  const std::vector<HttpResponse> expected = parse_responses(whole.feed(pipeline));
  REQUIRE(expected.size() == 5);
  CHECK(expected[0].body == "Hello, World!");
  CHECK(expected[1].body == "first body");
  CHECK(expected[2].body == R"({"message":"Hello, World!"})");
  CHECK(expected[3].body == "abc");
  CHECK(expected[4].status == 404);
  for (const std::size_t step : {1, 2, 3, 7, 64}) {
    CAPTURE(step);
    SessionHarness split;
    const std::vector<HttpResponse> got = parse_responses(split.feed(pipeline, step));
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].status == expected[i].status);
      CHECK(got[i].body == expected[i].body);
    }
  }
}

TEST_CASE("50 pipelined requests are answered in order") {
  std::string pipeline;
  for (int i = 0; i < 50; ++i) {
    pipeline += post("/echo", "request " + std::to_string(i));
  }
  SessionHarness h;
  const std::vector<HttpResponse> responses = parse_responses(h.feed(pipeline));
  REQUIRE(responses.size() == 50);
  for (int i = 0; i < 50; ++i) {
    CHECK(responses[static_cast<std::size_t>(i)].body == "request " + std::to_string(i));
  }
  CHECK(h.requests() == 50);
}

TEST_CASE("a deep pipeline is answered in bounded batches, all of it") {
  std::string pipeline;
  for (int i = 0; i < 2000; ++i) {
    pipeline += get("/json");
  }
  SessionHarness h;
  CHECK(parse_responses(h.feed(pipeline)).size() == 2000);
}

TEST_CASE("keep-alive: 1.1 by default, 1.0 only when asked, Connection: close honoured") {
  SUBCASE("HTTP/1.0 closes by default") {
    SessionHarness h;
    const HttpResponse r = parse_responses(h.feed("GET /plaintext HTTP/1.0\r\n\r\n")).at(0);
    CHECK(r.closes());
    CHECK(h.closing());
  }
  SUBCASE("HTTP/1.0 with keep-alive stays open and says so") {
    SessionHarness h;
    const HttpResponse r = parse_responses(h.feed("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).at(0);
    CHECK(r.header("connection") == "keep-alive");
    CHECK(!h.closing());
  }
  SUBCASE("HTTP/1.1 with Connection: close") {
    SessionHarness h;
    const std::string out = h.feed(get("/plaintext", "Connection: close\r\n") + get("/json"));
    const std::vector<HttpResponse> responses = parse_responses(out);
    REQUIRE(responses.size() == 1);  // nothing after the close is answered
    CHECK(responses[0].closes());
    CHECK(h.closing());
  }
}

TEST_CASE("HEAD has the headers and Content-Length of GET, and no body") {
  SessionHarness h;
  const std::string out = h.feed("HEAD /json HTTP/1.1\r\nHost: t\r\n\r\n" + get("/plaintext"));
  const std::vector<HttpResponse> responses = parse_responses(out, {true, false});
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].header("content-length") == "27");
  CHECK(responses[0].body.empty());
  CHECK(responses[1].body == "Hello, World!");  // the next response starts right after the head
}

TEST_CASE("OPTIONS, 405 with Allow, 404") {
  const HttpResponse options = answer("OPTIONS /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(options.status == 200);
  CHECK(options.header("allow") == "POST, OPTIONS");
  CHECK(options.header("content-length") == "0");
  const HttpResponse star = answer("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(star.header("allow") == "GET, HEAD, POST, OPTIONS");
  const HttpResponse wrong = answer(post("/plaintext", "x"));
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET, HEAD, OPTIONS");
  CHECK(answer(get("/echo")).status == 405);
  CHECK(answer("DELETE /json HTTP/1.1\r\nHost: t\r\n\r\n").status == 405);
  CHECK(answer(get("/missing")).status == 404);
  CHECK(answer(get("/")).header("content-type") == "text/html; charset=utf-8");
  CHECK(answer(get("/")).body.find("/metrics") != std::string::npos);
}

TEST_CASE("a body the route does not read is skipped, and the connection goes on") {
  SessionHarness h;
  const std::vector<HttpResponse> responses =
      parse_responses(h.feed(post("/plaintext", std::string(5000, 'x')) + get("/plaintext")));
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].status == 405);
  CHECK(responses[1].status == 200);
}

TEST_CASE("chunked bodies: extensions and trailers are accepted, the echo has a Content-Length") {
  const HttpResponse r = answer(
      chunked("/echo", "5;name=value\r\nhello\r\n6;x;q=\"quoted\"\r\n world\r\n0\r\nTrailer-Field: yes\r\n\r\n"));
  CHECK(r.status == 200);
  CHECK(r.body == "hello world");
  CHECK(r.header("content-length") == "11");
  CHECK(!r.header("transfer-encoding"));
  CHECK(r.header("content-type") == "application/octet-stream");
  const HttpResponse typed = answer(post("/echo", "{}", "Content-Type: application/json\r\n"));
  CHECK(typed.header("content-type") == "application/json");
}

TEST_CASE("Expect: 100-continue gets 100 Continue before the body, other expectations 417") {
  SessionHarness h;
  const std::string head = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
  const std::string first = h.feed(head);
  CHECK(first.starts_with("HTTP/1.1 100 Continue\r\n\r\n"));
  const std::string rest = h.feed("ping");
  const std::vector<HttpResponse> responses = parse_responses(first + rest);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].status == 100);
  CHECK(responses[1].body == "ping");
  CHECK(!h.closing());

  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: something\r\n\r\nping") ==
        std::pair{417, true});
  // A final answer without reading the body: the client may not send it, so the server closes.
  CHECK(verdict("POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n") ==
        std::pair{405, true});
}

TEST_CASE("request smuggling: ambiguous framing is refused with 400 (or 501) and the connection closed") {
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n") == std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc") ==
        std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc") ==
        std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc") == std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc") == std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0x3\r\n\r\nabc") == std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n") ==
        std::pair{400, true});
  // Transfer-Encoding must be exactly one final "chunked".
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n") ==
        std::pair{501, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n") ==
        std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n") == std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\n") == std::pair{400, true});
  CHECK(verdict("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n").second);
  CHECK(verdict("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == std::pair{400, true});
  // Chunk sizes.
  CHECK(verdict(chunked("/echo", "zz\r\nabc\r\n0\r\n\r\n")) == std::pair{400, true});
  CHECK(verdict(chunked("/echo", "fffffffffffffffffff\r\n")) == std::pair{400, true});
  CHECK(verdict(chunked("/echo", "-1\r\nabc\r\n0\r\n\r\n")) == std::pair{400, true});
  CHECK(verdict(chunked("/echo", "3\r\nabcX\r\n0\r\n\r\n")) == std::pair{400, true});
  // Host: exactly one in HTTP/1.1.
  CHECK(verdict("GET /plaintext HTTP/1.1\r\n\r\n") == std::pair{400, true});
  CHECK(verdict("GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == std::pair{400, true});
  CHECK(verdict("GET /plaintext HTTP/1.0\r\n\r\n").first == 200);
}

TEST_CASE("what llhttp 8.1 would accept is refused: bare CR, bare LF, obs-fold, loose request lines") {
  const std::pair<std::string_view, int> cases[] = {
      {"GET /plaintext HTTP/1.1\r\nHost: t\rX-A: b\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1\nHost: t\n\n", 400},
      {"GET /plaintext HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-A : b\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1\r\nHost: t\r\nX\x01: b\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-A: b\x7f\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1\r\nHost: t\r\nX-A: b\r\r\n\r\n", 400},
      {"GET  /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 400},
      {"GET /plaintext  HTTP/1.1\r\nHost: t\r\n\r\n", 400},
      {"GET /plaintext HTTP/1.1 \r\nHost: t\r\n\r\n", 400},
      {"GET /plaintext\r\nHost: t\r\n\r\n", 400},
      {"GET /plain\x01text HTTP/1.1\r\nHost: t\r\n\r\n", 400},
      {"GET /plaintext HTTP/2.0\r\nHost: t\r\n\r\n", 505},
      {"BREW /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 501},
  };
  // Whole, and in pieces: the head scanner resumes where the last piece ended.
  for (const std::size_t step : {std::numeric_limits<std::size_t>::max(), std::size_t{1}, std::size_t{5}}) {
    for (const auto& expected : cases) {
      CAPTURE(expected.first);
      CAPTURE(step);
      CHECK(verdict(expected.first, step) == std::pair{expected.second, true});
    }
  }
  // A bare LF is refused as soon as it arrives, not when a head end never comes.
  SessionHarness h;
  const std::vector<HttpResponse> early = parse_responses(h.feed("GET /plaintext HTTP/1.1\nHost"));
  REQUIRE(early.size() == 1);
  CHECK(early[0].status == 400);
}

TEST_CASE("Host must be a valid uri-host [\":\" port] (RFC 9110 section 7.2), or empty") {
  const auto host = [](std::string_view value) {
    return verdict("GET /plaintext HTTP/1.1\r\nHost: " + std::string(value) + "\r\n\r\n");
  };
  for (const std::string_view bad : {"a b", "a\tb", "a/b", "a@b", "a:b:c", "a:8o", "a%zz", "a%4", "[::1", "[::1]x",
                                     "[::1]:x", "[zz::1]", "[::1]]", "::1", "a\"b", "a<b", "[v1.]", "[vz.a]", "[]"}) {
    CAPTURE(bad);
    CHECK(host(bad) == std::pair{400, true});
  }
  for (const std::string_view good : {"", "t", "example.com", "example.com:8080", "EXAMPLE.com.", "a-b_c~d",
                                      "xn--bcher-kva.ch", "a%20b", "!$&'()*+;=", "127.0.0.1", "127.0.0.1:80", "[::1]",
                                      "[::1]:8080", "[2001:db8::a:b]:1", "[v1.fe80::a+en1]", "example.com:"}) {
    CAPTURE(good);
    CHECK(host(good) == std::pair{200, false});
  }
  // HTTP/1.0 may leave Host out, but not send a bad one.
  CHECK(verdict("GET /plaintext HTTP/1.0\r\nHost: a b\r\n\r\n") == std::pair{400, true});
}

TEST_CASE("HTTP/1.x beyond 1.1 is answered as HTTP/1.1, another major version gets 505 (RFC 9110 section 6.2)") {
  for (const std::string_view version : {"HTTP/1.2", "HTTP/1.9"}) {
    CAPTURE(version);
    SessionHarness h;
    const std::string request = "GET /plaintext " + std::string(version) + "\r\nHost: t\r\n\r\n";
    for (const std::size_t step : {std::size_t{1}, std::size_t{7}, request.size()}) {
      CAPTURE(step);
      const std::vector<HttpResponse> responses = parse_responses(h.feed(request, step));
      REQUIRE(responses.size() == 1);
      CHECK(responses[0].status == 200);
      CHECK(responses[0].body == "Hello, World!");
      CHECK(!responses[0].closes());  // HTTP/1.1's persistence
      CHECK(!h.closing());
    }
    CHECK(h.requests() == 3);
    // Its body framing is 1.1's too.
    SessionHarness echo;
    const std::vector<HttpResponse> echoed =
        parse_responses(echo.feed("POST /echo " + std::string(version) +
                                  "\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    REQUIRE(echoed.size() == 1);
    CHECK(echoed[0].body == "abc");
  }
  for (const std::string_view version : {"HTTP/0.9", "HTTP/2.0", "HTTP/3.0", "HTTP/9.1"}) {
    CAPTURE(version);
    CHECK(verdict("GET /plaintext " + std::string(version) + "\r\nHost: t\r\n\r\n") == std::pair{505, true});
  }
}

TEST_CASE("chunk extensions and trailer fields count against --max-header-bytes (413 and 431)") {
  httpd::Config config = wakeful::test::session_config();
  config.limits.max_header_bytes = 1024;
  const auto send = [&](const std::string& chunks, std::size_t step) {
    SessionHarness h(config);
    const std::vector<HttpResponse> responses = parse_responses(h.feed(chunked("/echo", chunks), step));
    REQUIRE(responses.size() == 1);
    return std::pair{responses[0].status, h.closing()};
  };
  for (const std::size_t step : {std::size_t{1} << 20, std::size_t{100}, std::size_t{1}}) {
    CAPTURE(step);
    // One long extension, or many short ones on many chunks: the whole message's count.
    CHECK(send("1;" + std::string(2000, 'e') + "\r\nx\r\n0\r\n\r\n", step) == std::pair{413, true});
    CHECK(send("1;e=" + std::string(2000, 'v') + "\r\nx\r\n0\r\n\r\n", step) == std::pair{413, true});
    std::string many;
    for (int i = 0; i < 40; ++i) {
      many += "1;ext=" + std::string(30, 'v') + "\r\nx\r\n";
    }
    CHECK(send(many + "0\r\n\r\n", step) == std::pair{413, true});
    CHECK(send("1\r\nx\r\n0\r\nX-Trailer: " + std::string(2000, 't') + "\r\n\r\n", step) == std::pair{431, true});
    std::string trailers;
    for (int i = 0; i < 40; ++i) {
      trailers += "X-T" + std::to_string(i) + ": " + std::string(30, 't') + "\r\n";
    }
    CHECK(send("1\r\nx\r\n0\r\n" + trailers + "\r\n", step) == std::pair{431, true});
    // Within the limit: accepted, and the connection goes on.
    CHECK(send("1;a=b\r\nx\r\n0;c\r\nX-Trailer: " + std::string(500, 't') + "\r\n\r\n", step) == std::pair{200, false});
  }
  // The count starts again with each request.
  SessionHarness h(config);
  std::string pipeline;
  for (int i = 0; i < 5; ++i) {
    pipeline +=
        chunked("/echo", "1;" + std::string(600, 'e') + "\r\nx\r\n0\r\nX-T: " + std::string(300, 't') + "\r\n\r\n");
  }
  const std::vector<HttpResponse> responses = parse_responses(h.feed(pipeline));
  CHECK(responses.size() == 5);
  CHECK(!h.closing());
}

TEST_CASE("empty lines before a request are ignored (RFC 9112 section 2.2)") {
  SessionHarness h;
  const std::vector<HttpResponse> responses =
      parse_responses(h.feed("\r\n\r\n" + get("/json") + "\r\n" + get("/json")));
  CHECK(responses.size() == 2);
  CHECK(!h.closing());
}

TEST_CASE("limits: 431 for a large head, 414 for a long target, 413 for a large body") {
  httpd::Config config = wakeful::test::session_config();
  config.limits.max_header_bytes = 1024;
  config.limits.max_uri_bytes = 100;
  config.limits.max_body_bytes = 64;
  const auto check = [&](const std::string& request, int status, std::size_t step) {
    CAPTURE(request.substr(0, 40));
    CAPTURE(step);
    SessionHarness h(config);
    const std::vector<HttpResponse> responses = parse_responses(h.feed(request, step));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == status);
    CHECK(responses[0].closes());
    CHECK(h.closing());
  };
  for (const std::size_t step : {std::size_t{1} << 20, std::size_t{100}}) {
    check(get("/plaintext", "X-Big: " + std::string(2000, 'a') + "\r\n"), 431, step);
    check(get("/plaintext", "X-Big: " + std::string(1500, 'a') + "\r\n"), 431, step);  // ends in the buffer
    check(get("/" + std::string(200, 'a')), 414, step);
    check("GET /" + std::string(3000, 'a'), 414, step);  // no line end yet
    check(post("/echo", std::string(65, 'b')), 413, step);
    check(chunked("/echo", "20\r\n" + std::string(32, 'c') + "\r\n21\r\n" + std::string(33, 'c') + "\r\n0\r\n\r\n"),
          413, step);
  }
  SessionHarness fits(config);
  CHECK(parse_responses(fits.feed(post("/echo", std::string(64, 'b')))).at(0).status == 200);
}

TEST_CASE("--max-requests closes the connection after that many") {
  httpd::Config config = wakeful::test::session_config();
  config.limits.max_requests_per_connection = 3;
  SessionHarness h(config);
  const std::vector<HttpResponse> responses =
      parse_responses(h.feed(get("/json") + get("/json") + get("/json") + get("/json")));
  REQUIRE(responses.size() == 3);
  CHECK(!responses[1].closes());
  CHECK(responses[2].closes());
  CHECK(h.closing());
}

TEST_CASE("draining: the next response says Connection: close, /healthz says 503") {
  SessionHarness h;
  CHECK(parse_responses(h.feed(get("/healthz"))).at(0).status == 200);
  h.state().drain.cancel();
  const HttpResponse r = parse_responses(h.feed(get("/healthz"))).at(0);
  CHECK(r.status == 503);
  CHECK(r.closes());
  CHECK(h.closing());
}

TEST_CASE("a read timeout answers 408 only when a request was under way") {
  SessionHarness partial;
  CHECK(partial.feed("GET /plaintext HTTP/1.1\r\nHo").empty());
  const std::vector<HttpResponse> late = parse_responses(partial.time_out());
  REQUIRE(late.size() == 1);
  CHECK(late[0].status == 408);
  CHECK(partial.closing());

  SessionHarness idle;
  idle.feed(get("/json"));
  CHECK(idle.time_out().empty());  // idle keep-alive: closed without a word
  CHECK(idle.closing());
}

TEST_CASE("after an error the session answers nothing more") {
  SessionHarness h;
  const std::string out = h.feed("GET / HTTP/1.1\r\n\r\n" + get("/json"));
  CHECK(parse_responses(out).size() == 1);
  CHECK(h.feed(get("/json")).empty());
  CHECK(h.status() == SessionStatus::close);
}

TEST_CASE("responses are counted by status class") {
  SessionHarness h;
  h.feed(get("/json") + get("/missing") + get("/plaintext"));
  CHECK(h.state().stats[0].responses[1].get() == 2);
  CHECK(h.state().stats[0].responses[3].get() == 1);
}

TEST_CASE("an input buffer holds memory only while it holds bytes") {
  httpd::http::InputBuffer input(std::size_t{16} * 1024);
  CHECK(!input.allocated());
  CHECK(input.fill("GET / HTTP/1.1\r\n") == 16);
  CHECK(input.allocated());
  input.release();  // not empty: kept
  CHECK(input.allocated());
  input.consume(16);
  CHECK(input.empty());
  input.release();
  CHECK(!input.allocated());
  // Unread bytes move to the front when the end is reached, and a full buffer says so.
  CHECK(input.fill(std::string(std::size_t{16} * 1024, 'x')) == 16 * 1024);
  CHECK(input.full());
  input.consume(1000);
  CHECK(input.space().size() == 1000);
  CHECK(input.unread().size() == 16 * 1024 - 1000);
}

TEST_CASE("an output keeps pieces in order, merges adjacent copies, and frees its memory when sent") {
  httpd::http::Output output;
  output.append("HTTP/1.1 200 OK\r\n");
  output.append("\r\n");
  output.append_external("static body");
  output.append("tail");
  CHECK(output.size() == 17 + 2 + 11 + 4);
  std::size_t pieces = 0;
  for ([[maybe_unused]] const auto& piece : output) {
    ++pieces;
  }
  CHECK(pieces == 3);  // the two copies are one piece
  output.consume(20);
  CHECK(output.bytes(*output.front()) == "tatic body");
  output.consume(14);
  CHECK(output.empty());
  output.release();
  CHECK(output.begin() == output.end());
}

TEST_SUITE_END();
