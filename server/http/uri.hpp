#pragma once
// Percent-encoding (RFC 3986 section 2.1) and HTML escaping, for paths and directory listings.

#include <string>
#include <string_view>

namespace httpd::http {

/// Decodes `%XX` escapes of `encoded` into `out`; false when an escape is malformed.
[[nodiscard]] bool percent_decode(std::string_view encoded, std::string& out);

/// Encodes what a path segment may not hold as is.
[[nodiscard]] std::string percent_encode_segment(std::string_view segment);

/// Escapes `text` for HTML content and attribute values.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace httpd::http
