// Strict request-head syntax, checked on the raw bytes.

#include "head_check.hpp"

#include <array>
#include <cstring>

namespace httpd::http {

namespace {

// Character classes, one bit each, looked up per byte.
constexpr unsigned char token_char = 1;   // tchar (RFC 9110 section 5.6.2)
constexpr unsigned char value_char = 2;   // field-vchar, SP, HTAB, obs-text
constexpr unsigned char target_char = 4;  // visible ASCII: what a request target may hold

constexpr std::array<unsigned char, 256> classes = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    unsigned char bits = 0;
    const bool visible = c > 0x20 && c < 0x7F;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      bits |= token_char;
    }
    if (visible || c == ' ' || c == '\t' || c >= 0x80) {
      bits |= value_char;
    }
    if (visible) {
      bits |= target_char;
    }
    table[static_cast<std::size_t>(c)] = bits;
  }
  return table;
}();

bool all_of(std::string_view text, unsigned char cls) noexcept {
  for (const char c : text) {
    if ((classes[static_cast<unsigned char>(c)] & cls) == 0) {
      return false;
    }
  }
  return true;
}

// method SP request-target SP HTTP/DIGIT.DIGIT, nothing more. Returns 0, 400 or 414.
int check_request_line(std::string_view line, std::size_t max_uri_bytes) noexcept {
  const std::size_t first_space = line.find(' ');
  if (first_space == 0 || first_space == std::string_view::npos || !all_of(line.substr(0, first_space), token_char)) {
    return 400;
  }
  const std::size_t second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) {
    return 400;
  }
  const std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  if (target.size() > max_uri_bytes) {
    return 414;
  }
  if (target.empty() || !all_of(target, target_char)) {
    return 400;
  }
  const std::string_view version = line.substr(second_space + 1);
  const bool well_formed = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
                           version[5] <= '9' && version[6] == '.' && version[7] >= '0' && version[7] <= '9';
  return well_formed ? 0 : 400;
}

// field-name ":" OWS field-value OWS; no obs-fold, no space before the colon.
bool check_header_line(std::string_view line) noexcept {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return false;  // also an obs-fold line, which starts with SP or HTAB
  }
  return all_of(line.substr(0, colon), token_char) && all_of(line.substr(colon + 1), value_char);
}

}  // namespace

HeadScanner::Result HeadScanner::scan(std::string_view input, std::size_t max_uri_bytes) noexcept {
  Result result;
  for (;;) {
    const char* begin = input.data() + line_start_;
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', input.size() - line_start_));
    if (newline == nullptr) {
      // An unfinished line: a CR inside it that is not followed by LF is refused at once.
      const char* cr = static_cast<const char*>(std::memchr(begin, '\r', input.size() - line_start_));
      if (cr != nullptr && cr + 1 < input.data() + input.size()) {
        result.state = Result::State::invalid;
        result.status = 400;
      }
      return result;
    }
    const auto line_end = static_cast<std::size_t>(newline - input.data());
    if (line_end == line_start_ || input[line_end - 1] != '\r') {
      result.state = Result::State::invalid;  // a bare LF
      result.status = 400;
      return result;
    }
    // A CR inside the line fails the character checks below: no class admits it.
    const std::string_view line = input.substr(line_start_, line_end - 1 - line_start_);
    line_start_ = line_end + 1;
    if (!request_line_seen_) {
      request_line_seen_ = true;
      if (const int status = check_request_line(line, max_uri_bytes); status != 0) {
        result.state = Result::State::invalid;
        result.status = status;
        return result;
      }
    } else if (line.empty()) {
      result.state = Result::State::complete;
      result.end = line_start_;
      return result;
    } else if (!check_header_line(line)) {
      result.state = Result::State::invalid;
      result.status = 400;
      return result;
    }
  }
}

}  // namespace httpd::http
