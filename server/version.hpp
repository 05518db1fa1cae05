#pragma once
// The version wakeful-httpd reports (--version, the index page).

#include <string_view>

namespace httpd {
inline constexpr std::string_view version = WAKEFUL_HTTPD_VERSION;
}  // namespace httpd
