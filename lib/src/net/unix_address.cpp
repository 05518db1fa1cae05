// UnixAddress: building and reading sockaddr_un for the three kinds of address.

#include "wakeful/net/unix_address.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace wakeful::net {

namespace {

constexpr socklen_t header = offsetof(sockaddr_un, sun_path);
constexpr std::size_t capacity = sizeof(sockaddr_un::sun_path);

}  // namespace

UnixAddress::UnixAddress() noexcept : length_(header) { native_.sun_family = AF_UNIX; }

io::Result<UnixAddress> UnixAddress::from_path(std::string_view path) {
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (path.size() >= capacity) {  // the terminating NUL must fit
    return std::make_error_code(std::errc::filename_too_long);
  }
  UnixAddress address;
  std::memcpy(address.native_.sun_path, path.data(), path.size());
  address.length_ = static_cast<socklen_t>(header + path.size() + 1);
  return address;
}

io::Result<UnixAddress> UnixAddress::abstract(std::string_view name) {
  if (name.size() >= capacity) {  // the leading NUL takes a byte
    return std::make_error_code(std::errc::filename_too_long);
  }
  UnixAddress address;
  std::memcpy(address.native_.sun_path + 1, name.data(), name.size());
  address.length_ = static_cast<socklen_t>(header + 1 + name.size());
  return address;
}

UnixAddress UnixAddress::from_native(const sockaddr_un& native, socklen_t length) noexcept {
  UnixAddress address;
  address.length_ = std::clamp<socklen_t>(length, header, sizeof(sockaddr_un));
  std::memcpy(&address.native_, &native, address.length_);
  address.native_.sun_family = AF_UNIX;
  return address;
}

bool UnixAddress::is_unnamed() const noexcept { return length_ <= header; }

std::optional<std::string_view> UnixAddress::path() const noexcept {
  if (is_unnamed() || native_.sun_path[0] == '\0') {
    return std::nullopt;
  }
  // The kernel may or may not count the terminating NUL in the length it reports.
  const std::size_t bytes = length_ - header;
  return std::string_view(native_.sun_path, ::strnlen(native_.sun_path, bytes));
}

std::optional<std::string_view> UnixAddress::abstract_name() const noexcept {
  if (is_unnamed() || native_.sun_path[0] != '\0') {
    return std::nullopt;
  }
  return std::string_view(native_.sun_path + 1, length_ - header - 1);
}

std::string UnixAddress::to_string() const {
  if (const auto file = path()) {
    return std::string(*file);
  }
  if (const auto name = abstract_name()) {
    return "@" + std::string(*name);
  }
  return "(unnamed)";
}

bool operator==(const UnixAddress& a, const UnixAddress& b) noexcept {
  return a.path() == b.path() && a.abstract_name() == b.abstract_name();
}

}  // namespace wakeful::net
