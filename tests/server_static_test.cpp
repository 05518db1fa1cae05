// Static files through the Session and the Router: confinement, validators, ranges, indexes.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "http/date.hpp"
#include "support/http.hpp"
#include "support/session_harness.hpp"

using wakeful::test::get;
using wakeful::test::HttpResponse;
using wakeful::test::parse_responses;
using wakeful::test::SessionHarness;

namespace {

// A root with files, a subdirectory, and links inside and outside it; removed afterwards.
class TempRoot {
 public:
  TempRoot() {
    char pattern[] = "/tmp/wakeful-static-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    base_ = pattern;
    root_ = base_ / "root";
    std::filesystem::create_directories(root_ / "sub" / "deeper");
    std::filesystem::create_directories(root_ / "listing");
    write(root_ / "hello.txt", "hello, file\n");
    write(root_ / "page.html", "<p>page</p>\n");
    write(root_ / "sub" / "index.html", "<p>sub index</p>\n");
    write(root_ / "listing" / "b <&>.txt", "b");
    write(root_ / "listing" / "a.css", "a");
    write(base_ / "secret.txt", "outside the root\n");
    big_.resize(300'000);
    for (std::size_t i = 0; i < big_.size(); ++i) {
      big_[i] = static_cast<char>('a' + i % 26);
    }
    write(root_ / "big.bin", big_);
    std::filesystem::create_symlink(base_ / "secret.txt", root_ / "escape");
    std::filesystem::create_symlink("hello.txt", root_ / "inside");
    std::filesystem::create_directory_symlink(base_, root_ / "up");
    ::mkfifo((root_ / "fifo").c_str(), 0600);
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  ~TempRoot() { std::filesystem::remove_all(base_); }

  [[nodiscard]] std::string root() const { return root_.string(); }
  [[nodiscard]] const std::string& big() const { return big_; }

  httpd::Config config(std::string prefix = "/static/") const {
    httpd::Config c = wakeful::test::session_config();
    c.root = root();
    c.static_prefix = std::move(prefix);
    return c;
  }

 private:
  static void write(const std::filesystem::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  std::filesystem::path base_;
  std::filesystem::path root_;
  std::string big_;
};

HttpResponse fetch(const TempRoot& root, const std::string& request, bool head = false,
                   std::string prefix = "/static/") {
  httpd::Config config = root.config(std::move(prefix));
  SessionHarness h(config);
  std::string reason;
  h.state().files = httpd::StaticFiles::open(root.root(), reason);
  REQUIRE(h.state().files);
  const std::vector<HttpResponse> responses = parse_responses(h.feed(request), {head});
  REQUIRE(responses.size() == 1);
  return responses.front();
}

}  // namespace

TEST_SUITE_BEGIN("server");

TEST_CASE("static files: content, type, validators") {
  TempRoot root;
  const HttpResponse r = fetch(root, get("/static/hello.txt"));
  CHECK(r.status == 200);
  CHECK(r.body == "hello, file\n");
  CHECK(r.header("content-type") == "text/plain; charset=utf-8");
  CHECK(r.header("accept-ranges") == "bytes");
  REQUIRE(r.header("etag"));
  CHECK(r.header("etag")->front() == '"');
  REQUIRE(r.header("last-modified"));
  CHECK(httpd::http::parse_http_date(*r.header("last-modified")));
  CHECK(fetch(root, get("/static/page.html")).header("content-type") == "text/html; charset=utf-8");
  CHECK(fetch(root, get("/static/inside")).body == "hello, file\n");  // a link that stays inside

  const HttpResponse head = fetch(root, "HEAD /static/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", true);
  CHECK(head.header("content-length") == "12");
  CHECK(head.body.empty());
  CHECK(head.header("etag") == r.header("etag"));
}

TEST_CASE("static files: If-None-Match and If-Modified-Since give 304") {
  TempRoot root;
  const HttpResponse first = fetch(root, get("/static/hello.txt"));
  const std::string etag = *first.header("etag");
  const std::string modified = *first.header("last-modified");

  const HttpResponse same = fetch(root, get("/static/hello.txt", "If-None-Match: " + etag + "\r\n"));
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  CHECK(same.header("etag") == etag);
  CHECK(same.header("content-length") == "12");  // what a 200 would have said
  CHECK(fetch(root, get("/static/hello.txt", "If-None-Match: \"x\", W/" + etag + "\r\n")).status == 304);
  CHECK(fetch(root, get("/static/hello.txt", "If-None-Match: *\r\n")).status == 304);
  CHECK(fetch(root, get("/static/hello.txt", "If-None-Match: \"other\"\r\n")).status == 200);

  CHECK(fetch(root, get("/static/hello.txt", "If-Modified-Since: " + modified + "\r\n")).status == 304);
  CHECK(fetch(root, get("/static/hello.txt", "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT\r\n")).status == 200);
  CHECK(fetch(root, get("/static/hello.txt", "If-Modified-Since: not a date\r\n")).status == 200);
  // If-None-Match wins over If-Modified-Since.
  CHECK(fetch(root, get("/static/hello.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + modified + "\r\n"))
            .status == 200);
}

TEST_CASE("static files: Range gives 206 or 416, If-Range guards it") {
  TempRoot root;
  const std::string& big = root.big();
  const HttpResponse part = fetch(root, get("/static/big.bin", "Range: bytes=10-19\r\n"));
  CHECK(part.status == 206);
  CHECK(part.body == big.substr(10, 10));
  CHECK(part.header("content-range") == "bytes 10-19/300000");
  const HttpResponse tail = fetch(root, get("/static/big.bin", "Range: bytes=-5\r\n"));
  CHECK(tail.body == big.substr(big.size() - 5));
  const HttpResponse open_ended = fetch(root, get("/static/big.bin", "Range: bytes=299990-\r\n"));
  CHECK(open_ended.body == big.substr(299990));
  const HttpResponse past_end = fetch(root, get("/static/big.bin", "Range: bytes=299990-999999\r\n"));
  CHECK(past_end.body == big.substr(299990));
  const HttpResponse large_part = fetch(root, get("/static/big.bin", "Range: bytes=1000-200999\r\n"));
  CHECK(large_part.body == big.substr(1000, 200000));

  const HttpResponse refused = fetch(root, get("/static/big.bin", "Range: bytes=300000-\r\n"));
  CHECK(refused.status == 416);
  CHECK(refused.header("content-range") == "bytes */300000");
  // Unparsable and multiple ranges are ignored: the whole file.
  CHECK(fetch(root, get("/static/big.bin", "Range: bytes=5-1\r\n")).status == 200);
  CHECK(fetch(root, get("/static/big.bin", "Range: bytes=0-1,5-6\r\n")).status == 200);
  CHECK(fetch(root, get("/static/big.bin", "Range: lines=1-2\r\n")).status == 200);

  const std::string etag = *part.header("etag");
  CHECK(fetch(root, get("/static/big.bin", "Range: bytes=0-0\r\nIf-Range: " + etag + "\r\n")).status == 206);
  CHECK(fetch(root, get("/static/big.bin", "Range: bytes=0-0\r\nIf-Range: \"stale\"\r\n")).status == 200);
}

TEST_CASE("static files: a large file is sent from the file, not copied into memory") {
  TempRoot root;
  httpd::Config config = root.config();
  SessionHarness h(config);
  std::string reason;
  h.state().files = httpd::StaticFiles::open(root.root(), reason);
  const std::vector<HttpResponse> responses = parse_responses(h.feed(get("/static/big.bin")));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].body == root.big());
  CHECK(h.output_has_file());
}

TEST_CASE("static files: no way out of the root") {
  TempRoot root;
  CHECK(fetch(root, get("/static/../secret.txt")).status == 403);
  CHECK(fetch(root, get("/static/sub/../../secret.txt")).status == 403);
  CHECK(fetch(root, get("/static/%2e%2e/secret.txt")).status == 403);
  CHECK(fetch(root, get("/static/%2E%2E%2Fsecret.txt")).status == 403);
  CHECK(fetch(root, get("/static/..%2fsecret.txt")).status == 403);
  CHECK(fetch(root, get("/static/escape")).status == 403);         // symlink to a file outside
  CHECK(fetch(root, get("/static/up/secret.txt")).status == 403);  // symlink to a directory outside
  CHECK(fetch(root, get("/static/hello.txt%00.png")).status == 404);
  CHECK(fetch(root, get("/static/%zz")).status == 400);
  CHECK(fetch(root, get("/static/fifo")).status == 403);  // not a regular file (and no hang)
  CHECK(fetch(root, get("/static/missing.txt")).status == 404);
  CHECK(fetch(root, get("/static/hello.txt/x")).status == 404);
  const HttpResponse wrong = fetch(root, "POST /static/hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  CHECK(wrong.status == 405);
}

TEST_CASE("static files: directories redirect to a slash, then serve index.html or a listing") {
  TempRoot root;
  const HttpResponse moved = fetch(root, get("/static/sub?x=1"));
  CHECK(moved.status == 301);
  CHECK(moved.header("location") == "/static/sub/?x=1");
  CHECK(fetch(root, get("/static/sub/")).body == "<p>sub index</p>\n");
  const HttpResponse listing = fetch(root, get("/static/listing/"));
  CHECK(listing.status == 200);
  CHECK(listing.header("content-type") == "text/html; charset=utf-8");
  CHECK(listing.body.find("href=\"a.css\"") != std::string::npos);
  CHECK(listing.body.find("href=\"b%20%3C&amp;%3E.txt\"") != std::string::npos);  // encoded, then escaped
  CHECK(listing.body.find(">b &lt;&amp;&gt;.txt<") != std::string::npos);
  CHECK(listing.body.find("a.css") < listing.body.find("b &lt;"));  // sorted
  const HttpResponse top = fetch(root, get("/static/"));
  CHECK(top.body.find("href=\"sub/\"") != std::string::npos);
  CHECK(fetch(root, get("/static")).status == 301);
}

TEST_CASE("a directory's redirect never names another host") {
  TempRoot root;
  // "//sub/" in a Location is a network-path reference: a browser would go to the host "sub".
  // Leading slashes are folded into one: the same directory, on this host.
  for (const char* path : {"//sub", "///sub", "/%2F/sub"}) {
    CAPTURE(path);
    const HttpResponse moved = fetch(root, get(std::string(path) + "?q=1"), false, "/");
    CHECK(moved.status == 301);
    const std::string location = moved.header("location").value_or("");
    CHECK(location.starts_with('/'));
    CHECK(!location.starts_with("//"));
    CHECK(location.ends_with("sub/?q=1"));
  }
  CHECK(fetch(root, get("//sub"), false, "/").header("location") == "/sub/");
  CHECK(fetch(root, get("http://t//sub"), false, "/").header("location") == "/sub/");  // absolute-form
  CHECK(fetch(root, get("/static//sub"), false, "/static/").header("location") == "/static//sub/");
  // Browsers read a backslash as a slash: "/\evil/" would be "//evil/". Sent encoded, it is the
  // same directory.
  std::filesystem::create_directory(root.root() + "/\\evil");
  CHECK(fetch(root, get("/\\evil"), false, "/").header("location") == "/%5Cevil/");
  CHECK(fetch(root, get("/%5Cevil/"), false, "/").status == 200);
  CHECK(fetch(root, get("//\\evil"), false, "/").header("location") == "/%5Cevil/");
}

TEST_CASE("static files at / take over every path the fixed routes leave") {
  TempRoot root;
  CHECK(fetch(root, get("/hello.txt"), false, "/").body == "hello, file\n");
  CHECK(fetch(root, get("/plaintext"), false, "/").body == "Hello, World!");
  CHECK(fetch(root, get("/"), false, "/").body.find("Index of /") != std::string::npos);
}

TEST_SUITE_END();
