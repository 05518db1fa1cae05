#pragma once
// HTTP for the server's tests: a strict reader of responses (it fails the test on anything
// malformed) and a blocking client over a plain socket, with timeouts, that never hangs a test.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wakeful::test {

/// One response as read from the wire.
struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  /// The value of the first header named `name` (lower case), if any.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) {
        return v;
      }
    }
    return std::nullopt;
  }
  [[nodiscard]] std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& h : headers) {
      n += h.first == name ? 1 : 0;
    }
    return n;
  }
  [[nodiscard]] bool closes() const { return header("connection").value_or("") == "close"; }
};

/// What parse_response found at the start of its input.
enum class ParseState { complete, incomplete, malformed };

/// Parses one response from the start of `text`. A response to HEAD (`head_only`), a 1xx, a
/// 204 and a 304 have no body; every other one must frame its body with Content-Length (this
/// server always does). On success `consumed` is its length.
inline ParseState parse_response(std::string_view text, bool head_only, HttpResponse& out, std::size_t& consumed) {
  const std::size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return text.size() > std::size_t{64} * 1024 ? ParseState::malformed : ParseState::incomplete;
  }
  out = HttpResponse{};
  std::string_view head = text.substr(0, head_end + 2);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.1 ") || status_line.size() < 12) {
    return ParseState::malformed;
  }
  const std::string_view code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + 3, out.status).ec != std::errc() || out.status < 100 ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return ParseState::malformed;
  }
  out.reason = std::string(status_line.size() > 13 ? status_line.substr(13) : std::string_view());
  head.remove_prefix(line_end + 2);
  while (!head.empty()) {
    const std::size_t end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return ParseState::malformed;
    }
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    out.headers.emplace_back(std::move(name), std::string(value));
    head.remove_prefix(end + 2);
  }
  std::size_t length = 0;
  const bool no_body = head_only || out.status < 200 || out.status == 204 || out.status == 304;
  if (out.status >= 200) {
    const auto content_length = out.header("content-length");
    if (!content_length || out.count("content-length") != 1 ||
        std::from_chars(content_length->data(), content_length->data() + content_length->size(), length).ec !=
            std::errc()) {
      return ParseState::malformed;  // every final response carries exactly one Content-Length
    }
  }
  if (no_body) {
    length = 0;
  }
  if (text.size() < head_end + 4 + length) {
    return ParseState::incomplete;
  }
  out.body = std::string(text.substr(head_end + 4, length));
  consumed = head_end + 4 + length;
  return ParseState::complete;
}

/// Parses every complete response of `text`, throwing on malformed ones. `head_only[i]` says
/// whether the i-th final response answers a HEAD. Leaves the unparsed rest in `rest`.
inline std::vector<HttpResponse> parse_responses(std::string_view text, const std::vector<bool>& head_only = {},
                                                 std::string* rest = nullptr) {
  std::vector<HttpResponse> responses;
  std::size_t finals = 0;
  for (;;) {
    HttpResponse response;
    std::size_t consumed = 0;
    const bool head = finals < head_only.size() && head_only[finals];
    const ParseState state = parse_response(text, head, response, consumed);
    if (state == ParseState::malformed) {
      throw std::runtime_error("malformed response: " + std::string(text.substr(0, 200)));
    }
    if (state == ParseState::incomplete) {
      break;
    }
    finals += response.status >= 200 ? 1 : 0;
    responses.push_back(std::move(response));
    text.remove_prefix(consumed);
  }
  if (rest != nullptr) {
    *rest = std::string(text);
  } else if (!text.empty()) {
    throw std::runtime_error("trailing bytes after the responses: " + std::string(text.substr(0, 200)));
  }
  return responses;
}

/// A blocking client connection to 127.0.0.1:port whose reads give up after a timeout.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, const char* address = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &addr.sin_addr);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT
      close();
      throw std::runtime_error("connect failed");
    }
  }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient() { close(); }

  [[nodiscard]] int fd() const noexcept { return fd_; }

  /// Sends all of `bytes`; false if the connection broke.
  bool send(std::string_view bytes) const {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads what arrives within `timeout`; false on EOF or error (what came before is kept).
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
      return true;  // nothing yet
    }
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    received_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  /// Reads until `count` final responses are complete (or EOF, or `timeout`) and returns them.
  std::vector<HttpResponse> read_responses(std::size_t count, const std::vector<bool>& head_only = {},
                                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string rest;
      std::vector<HttpResponse> responses = parse_responses(received_, head_only, &rest);
      std::size_t finals = 0;
      for (const auto& r : responses) {
        finals += r.status >= 200 ? 1 : 0;
      }
      if (finals >= count || eof_ || std::chrono::steady_clock::now() >= deadline) {
        received_ = rest;
        return responses;
      }
      read_some(std::chrono::milliseconds(50));
    }
  }

  /// One request, one response (or nullopt on EOF or timeout).
  std::optional<HttpResponse> request(std::string_view bytes, bool head_only = false) {
    if (!send(bytes)) {
      return std::nullopt;
    }
    std::vector<HttpResponse> responses = read_responses(1, {head_only});
    while (!responses.empty() && responses.front().status < 200) {
      responses.erase(responses.begin());
    }
    if (responses.empty()) {
      return std::nullopt;
    }
    return std::move(responses.front());
  }

  /// True once the server closed the connection (EOF or reset) within `timeout`, reading and
  /// keeping whatever came first.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && std::chrono::steady_clock::now() < deadline) {
      read_some(std::chrono::milliseconds(20));
    }
    return eof_;
  }

  /// Bytes received and not yet returned as responses.
  [[nodiscard]] const std::string& received() const noexcept { return received_; }

  void close() noexcept {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
  bool eof_ = false;
  std::string received_;
};

/// "GET path HTTP/1.1" with a Host header, and `extra` header lines (each ending in CRLF).
inline std::string get(std::string_view path, std::string_view extra = {}) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

}  // namespace wakeful::test
