#pragma once
// StaticFiles: files under a root directory, with validators, ranges and directory indexes.
//
// Confinement: the request path is percent-decoded and split into segments; a ".." segment is
// refused (403) and a NUL byte is not found (404). The file is then opened relative to the
// root's descriptor with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so that no symbolic
// link can lead out of the root either (403). Kernels without openat2 get a walk that refuses
// every symbolic link.

#include <optional>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace httpd {

class StaticFiles {
 public:
  /// Opens `root`; on failure, nullopt and the reason in `error`.
  static std::optional<StaticFiles> open(const std::string& root, std::string& error);

  StaticFiles(StaticFiles&& other) noexcept;
  StaticFiles& operator=(StaticFiles&& other) noexcept;
  StaticFiles(const StaticFiles&) = delete;
  StaticFiles& operator=(const StaticFiles&) = delete;
  ~StaticFiles();

  /// Answers a GET or HEAD for `relative` (percent-encoded, under the root), which the client
  /// asked for as `request.path`.
  [[nodiscard]] http::Response serve(const http::Request& request, std::string_view relative) const;

  /// Files up to this size are read into the response, so that pipelined responses still leave
  /// in one write; larger ones are sent with sendfile, never read whole.
  static constexpr std::size_t read_into_memory_below = std::size_t{64} * 1024;

 private:
  explicit StaticFiles(int root_fd) noexcept : root_fd_(root_fd) {}

  int root_fd_;
};

}  // namespace httpd
