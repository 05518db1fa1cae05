#pragma once
// HTTP dates (RFC 9110 section 5.6.7).

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace httpd::http {

/// The current time as an IMF-fixdate, formatted at most once a second per thread (the Date
/// header of every response). The view stays valid until the thread's next call.
[[nodiscard]] std::string_view http_date_now() noexcept;

/// `time` as an IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
[[nodiscard]] std::string format_http_date(std::time_t time);

/// Parses the three date formats recipients must accept (IMF-fixdate, RFC 850, asctime).
[[nodiscard]] std::optional<std::time_t> parse_http_date(std::string_view text) noexcept;

}  // namespace httpd::http
