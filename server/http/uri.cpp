// Percent-encoding, HTML escaping and the syntax of Host.

#include "uri.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace httpd::http {

namespace {
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// RFC 3986 unreserved characters, and the sub-delimiters a segment may keep.
bool keeps_in_segment(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  constexpr std::string_view allowed = "-._~!$&'()*+,;=:@";
  return allowed.find(static_cast<char>(c)) != std::string_view::npos;
}
bool is_unreserved(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_sub_delim(char c) noexcept { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// reg-name = *( unreserved / pct-encoded / sub-delims )
bool valid_reg_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '%') {
      if (i + 2 >= name.size() || hex_value(name[i + 1]) < 0 || hex_value(name[i + 2]) < 0) {
        return false;
      }
      i += 2;
    } else if (!is_unreserved(c) && !is_sub_delim(c)) {
      return false;
    }
  }
  return true;
}

// What is inside the brackets of an IP-literal: IPv6address, or
// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
bool valid_ip_literal(std::string_view inside) noexcept {
  if (!inside.empty() && (inside.front() == 'v' || inside.front() == 'V')) {
    const std::size_t dot = inside.find('.');
    if (dot == std::string_view::npos || dot < 2 || dot + 1 == inside.size()) {
      return false;
    }
    for (const char c : inside.substr(1, dot - 1)) {
      if (hex_value(c) < 0) {
        return false;
      }
    }
    for (const char c : inside.substr(dot + 1)) {
      if (!is_unreserved(c) && !is_sub_delim(c) && c != ':') {
        return false;
      }
    }
    return true;
  }
  std::array<char, 64> text{};  // the longest IPv6 address is 45 characters
  if (inside.empty() || inside.size() >= text.size()) {
    return false;
  }
  std::memcpy(text.data(), inside.data(), inside.size());
  in6_addr address{};
  return ::inet_pton(AF_INET6, text.data(), &address) == 1;
}

}  // namespace

bool percent_decode(std::string_view encoded, std::string& out) {
  out.clear();
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out += encoded[i];
      continue;
    }
    if (i + 2 >= encoded.size()) {
      return false;
    }
    const int high = hex_value(encoded[i + 1]);
    const int low = hex_value(encoded[i + 2]);
    if (high < 0 || low < 0) {
      return false;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

std::string percent_encode_segment(std::string_view segment) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (keeps_in_segment(byte)) {
      out += c;
    } else {
      out += '%';
      out += digits[byte >> 4U];
      out += digits[byte & 0xFU];
    }
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool valid_host(std::string_view value) noexcept {
  std::string_view port;
  if (value.starts_with('[')) {
    const std::size_t close = value.find(']');
    if (close == std::string_view::npos || !valid_ip_literal(value.substr(1, close - 1))) {
      return false;
    }
    const std::string_view rest = value.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return false;
    }
    port = rest.empty() ? rest : rest.substr(1);
  } else {
    const std::size_t colon = value.find(':');
    if (!valid_reg_name(value.substr(0, colon))) {
      return false;
    }
    port = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
  }
  for (const char c : port) {
    if (!is_digit(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace httpd::http
