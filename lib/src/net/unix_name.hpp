#pragma once
// A Unix socket's own or its peer's address, from getsockname or getpeername.

#include <sys/socket.h>
#include <sys/un.h>

#include "socket_name.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/net/unix_address.hpp"

namespace wakeful::net::detail {

/// The address `name` reports for the Unix socket `fd`, or the system's error.
inline io::Result<UnixAddress> unix_address_of(int fd, SocketName name) noexcept {
  sockaddr_un native{};
  socklen_t length = sizeof native;
  if (name(fd, reinterpret_cast<sockaddr*>(&native), &length) != 0) {  // NOLINT: sockaddr API
    return io::last_error();
  }
  return UnixAddress::from_native(native, length);
}

}  // namespace wakeful::net::detail
