#pragma once
// UnixAddress: the address of a Unix domain socket (sockaddr_un), as a value.

#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <string>
#include <string_view>

#include "wakeful/io/result.hpp"

namespace wakeful::net {

/// The address of a Unix domain socket: a filesystem path, a name in Linux's abstract namespace,
/// or unnamed (a socket from pair(), or a client that never bound).
///
/// A path names a socket file, which bind creates and which stays until someone unlinks it,
/// even after the process exits (see UnixListener). An abstract name is a sequence of any
/// bytes that exists only while a socket is bound to it: nothing to clean up, but no file
/// permissions guard it either (anyone in the network namespace may connect).
///
/// A plain value: copy it freely; distinct objects may be used from distinct threads.
class UnixAddress {
 public:
  /// The unnamed address.
  UnixAddress() noexcept;

  /// The address of the socket file at `path`. Fails with std::errc::invalid_argument for an
  /// empty path or one holding a NUL byte, and std::errc::filename_too_long for a path of more
  /// than 107 bytes (sun_path must hold it and its terminating NUL).
  static io::Result<UnixAddress> from_path(std::string_view path);
  /// The address `name` in the abstract namespace (given without the leading NUL byte that
  /// marks it; it may hold any bytes). Fails with std::errc::filename_too_long for a name of
  /// more than 107 bytes.
  static io::Result<UnixAddress> abstract(std::string_view name);
  /// The address in `native` of `length` bytes, as accept, recvfrom or getsockname fill it in.
  /// A length beyond sizeof(sockaddr_un) is taken as sizeof(sockaddr_un).
  static UnixAddress from_native(const sockaddr_un& native, socklen_t length) noexcept;

  /// True for the unnamed address.
  [[nodiscard]] bool is_unnamed() const noexcept;
  /// The socket file's path, for a path address.
  [[nodiscard]] std::optional<std::string_view> path() const noexcept;
  /// The abstract name (without its leading NUL), for an abstract address.
  [[nodiscard]] std::optional<std::string_view> abstract_name() const noexcept;
  /// For messages: the path, "@" and the name for an abstract address (as ss(8) shows them), or
  /// "(unnamed)".
  [[nodiscard]] std::string to_string() const;

  /// The native address, for system calls.
  [[nodiscard]] const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&native_); }
  /// The native address's length in bytes.
  [[nodiscard]] socklen_t size() const noexcept { return length_; }

  /// Same kind and same path or name.
  friend bool operator==(const UnixAddress& a, const UnixAddress& b) noexcept;

 private:
  sockaddr_un native_{};
  socklen_t length_;
};

}  // namespace wakeful::net
