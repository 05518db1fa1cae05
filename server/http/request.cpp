// Request head helpers.

#include "request.hpp"

namespace httpd::http {

namespace {
constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  bool found = false;
  for_each_element(list, [&](std::string_view element) { found = found || iequals(element, token); });
  return found;
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) {
      return h.value;
    }
  }
  return std::nullopt;
}

void split_headers(std::string_view lines, std::vector<Header>& out) {
  out.clear();
  while (!lines.empty()) {
    const std::size_t end = lines.find("\r\n");
    if (end == 0 || end == std::string_view::npos) {
      break;  // the blank line
    }
    const std::string_view line = lines.substr(0, end);
    const std::size_t colon = line.find(':');
    out.push_back(Header{line.substr(0, colon), trim(line.substr(colon + 1))});
    lines.remove_prefix(end + 2);
  }
}

Method method_of(std::string_view token) noexcept {
  if (token == "GET") {
    return Method::get;
  }
  if (token == "HEAD") {
    return Method::head;
  }
  if (token == "POST") {
    return Method::post;
  }
  if (token == "PUT") {
    return Method::put;
  }
  if (token == "DELETE") {
    return Method::delete_;
  }
  if (token == "OPTIONS") {
    return Method::options;
  }
  return Method::other;
}

}  // namespace httpd::http
