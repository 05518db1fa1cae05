// Strict request-head syntax (RFC 9112 sections 2.2, 3 and 5), checked on the raw bytes.

#include "head_check.hpp"

#include <string_view>

namespace httpd::http {

namespace {

// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
// "~" / DIGIT / ALPHA
constexpr bool is_tchar(unsigned char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return specials.find(static_cast<char>(c)) != std::string_view::npos;
}

// A field value may hold visible characters, SP, HTAB and obs-text, no other control.
constexpr bool is_value_char(unsigned char c) noexcept { return c == '\t' || c >= 0x20U ? c != 0x7FU : false; }

// A request target: visible ASCII, no space or control (obs-text is refused too).
constexpr bool is_target_char(unsigned char c) noexcept { return c > 0x20U && c < 0x7FU; }

bool check_request_line(std::string_view line, std::size_t max_uri_bytes, int& status) noexcept {
  const std::size_t first_space = line.find(' ');
  if (first_space == 0 || first_space == std::string_view::npos) {
    return false;
  }
  for (std::size_t i = 0; i < first_space; ++i) {
    if (!is_tchar(static_cast<unsigned char>(line[i]))) {
      return false;
    }
  }
  const std::size_t second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) {
    return false;
  }
  const std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  if (target.size() > max_uri_bytes) {
    status = 414;
    return false;
  }
  if (target.empty()) {
    return false;
  }
  for (const char c : target) {
    if (!is_target_char(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  // Exactly "HTTP/" DIGIT "." DIGIT, nothing after: a second space or any suffix is refused.
  const std::string_view version = line.substr(second_space + 1);
  return version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' && version[5] <= '9' &&
         version[6] == '.' && version[7] >= '0' && version[7] <= '9';
}

bool check_header_line(std::string_view line) noexcept {
  if (line.empty() || line.front() == ' ' || line.front() == '\t') {
    return false;  // an obs-fold continuation line, or an empty name
  }
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return false;
  }
  for (std::size_t i = 0; i < colon; ++i) {
    if (!is_tchar(static_cast<unsigned char>(line[i]))) {
      return false;  // also refuses whitespace between the name and the colon
    }
  }
  for (std::size_t i = colon + 1; i < line.size(); ++i) {
    if (!is_value_char(static_cast<unsigned char>(line[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::size_t find_head_end(std::string_view input) noexcept {
  const std::size_t end = input.find("\r\n\r\n");
  return end == std::string_view::npos ? std::string_view::npos : end + 4;
}

int check_head(std::string_view head, std::size_t max_uri_bytes) noexcept {
  // Every line must end with CRLF: a CR not followed by LF, or an LF not preceded by CR, is
  // refused wherever it is.
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) {
      return 400;
    }
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) {
      return 400;
    }
  }
  int status = 400;
  std::size_t line_end = head.find("\r\n");
  if (!check_request_line(head.substr(0, line_end), max_uri_bytes, status)) {
    return status;
  }
  std::size_t start = line_end + 2;
  while (start < head.size()) {
    line_end = head.find("\r\n", start);
    if (line_end == start) {
      break;  // the blank line
    }
    if (!check_header_line(head.substr(start, line_end - start))) {
      return 400;
    }
    start = line_end + 2;
  }
  return 0;
}

}  // namespace httpd::http
