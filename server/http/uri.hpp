#pragma once
// Percent-encoding (RFC 3986 section 2.1) and HTML escaping, for paths and directory listings, and
// the syntax of a Host field value.

#include <string>
#include <string_view>

namespace httpd::http {

/// Decodes `%XX` escapes of `encoded` into `out`; false when an escape is malformed.
[[nodiscard]] bool percent_decode(std::string_view encoded, std::string& out);

/// Encodes what a path segment may not hold as is.
[[nodiscard]] std::string percent_encode_segment(std::string_view segment);

/// Escapes `text` for HTML content and attribute values.
[[nodiscard]] std::string html_escape(std::string_view text);

/// Whether `value` is a valid Host field value: uri-host [":" port] (RFC 9110 section 7.2, RFC
/// 3986 section 3.2.2), where uri-host is an IP-literal ("[" IPv6address or IPvFuture "]") or a
/// reg-name (which covers IPv4 addresses), and port is digits. Empty is valid (RFC 9112
/// section 3.2: a target without an authority).
[[nodiscard]] bool valid_host(std::string_view value) noexcept;

}  // namespace httpd::http
