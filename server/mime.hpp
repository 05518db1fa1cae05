#pragma once
// Media types of static files, by file name extension.

#include <string_view>

namespace httpd {

/// The Content-Type for a file named `name` (application/octet-stream when unknown).
[[nodiscard]] std::string_view mime_type(std::string_view name) noexcept;

}  // namespace httpd
