// The media types wakeful-httpd knows.

#include "mime.hpp"

#include <array>
#include <utility>

#include "http/request.hpp"

namespace httpd {

namespace {
using Entry = std::pair<std::string_view, std::string_view>;
constexpr std::array types = {
    Entry{"html", "text/html; charset=utf-8"},
    Entry{"htm", "text/html; charset=utf-8"},
    Entry{"css", "text/css; charset=utf-8"},
    Entry{"js", "text/javascript; charset=utf-8"},
    Entry{"mjs", "text/javascript; charset=utf-8"},
    Entry{"json", "application/json"},
    Entry{"txt", "text/plain; charset=utf-8"},
    Entry{"md", "text/markdown; charset=utf-8"},
    Entry{"csv", "text/csv; charset=utf-8"},
    Entry{"xml", "application/xml"},
    Entry{"svg", "image/svg+xml"},
    Entry{"png", "image/png"},
    Entry{"jpg", "image/jpeg"},
    Entry{"jpeg", "image/jpeg"},
    Entry{"gif", "image/gif"},
    Entry{"webp", "image/webp"},
    Entry{"avif", "image/avif"},
    Entry{"ico", "image/vnd.microsoft.icon"},
    Entry{"pdf", "application/pdf"},
    Entry{"wasm", "application/wasm"},
    Entry{"woff", "font/woff"},
    Entry{"woff2", "font/woff2"},
    Entry{"ttf", "font/ttf"},
    Entry{"otf", "font/otf"},
    Entry{"mp4", "video/mp4"},
    Entry{"webm", "video/webm"},
    Entry{"mp3", "audio/mpeg"},
    Entry{"ogg", "audio/ogg"},
    Entry{"wav", "audio/wav"},
    Entry{"zip", "application/zip"},
    Entry{"gz", "application/gzip"},
    Entry{"tar", "application/x-tar"},
};
}  // namespace

std::string_view mime_type(std::string_view name) noexcept {
  const std::size_t dot = name.rfind('.');
  const std::size_t slash = name.rfind('/');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    const std::string_view extension = name.substr(dot + 1);
    for (const auto& [ext, type] : types) {
      if (http::iequals(ext, extension)) {
        return type;
      }
    }
  }
  return "application/octet-stream";
}

}  // namespace httpd
