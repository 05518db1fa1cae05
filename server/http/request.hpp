#pragma once
// A request head as the handlers see it: views into the connection's input buffer, valid while
// the head is being handled.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace httpd::http {

/// One header field, its value without surrounding whitespace.
struct Header {
  std::string_view name;
  std::string_view value;
};

/// The methods the server tells apart; the rest are `other`.
enum class Method : std::uint8_t { get, head, post, put, delete_, options, other };

/// ASCII case-insensitive equality, as header names and tokens compare.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// Whether the comma-separated `list` (a field value such as Connection's) holds `token`,
/// compared case-insensitively.
[[nodiscard]] bool has_token(std::string_view list, std::string_view token) noexcept;

/// Calls `each(element)` for every non-empty element of a comma-separated list, trimmed.
template <class Each>
void for_each_element(std::string_view list, Each&& each) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) {
      element.remove_prefix(1);
    }
    while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) {
      element.remove_suffix(1);
    }
    if (!element.empty()) {
      each(element);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
}

/// A request head.
struct Request {
  std::string_view method;  ///< as sent
  Method method_id = Method::other;
  std::string_view target;     ///< the request target, as sent
  std::string_view path;       ///< the target up to '?', still percent-encoded
  std::string_view query;      ///< after '?', or empty
  unsigned version_minor = 1;  ///< HTTP/1.x
  std::span<const Header> headers;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;  ///< what the client asked for (version and Connection)

  /// The value of the first field named `name` (case-insensitive).
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept;

  /// Whether a body follows the head.
  [[nodiscard]] bool has_body() const noexcept { return chunked || content_length.value_or(0) > 0; }
};

/// The header fields of a checked head: `lines` starts after the request line's CRLF and ends
/// with the blank line. Replaces the contents of `out`.
void split_headers(std::string_view lines, std::vector<Header>& out);

/// The Method of a method token.
[[nodiscard]] Method method_of(std::string_view token) noexcept;

}  // namespace httpd::http
