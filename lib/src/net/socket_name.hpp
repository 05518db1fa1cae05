#pragma once
// A socket's own or its peer's address as an Asio endpoint, from getsockname or getpeername.

#include <sys/socket.h>

#include "wakeful/asio.hpp"
#include "wakeful/io/result.hpp"

namespace wakeful::net::detail {

/// getsockname(2) or getpeername(2).
using SocketName = int (*)(int, sockaddr*, socklen_t*);

/// The address `name` reports for `fd` (an Asio IP endpoint), or the system's error.
template <class Endpoint = asio::ip::tcp::endpoint>
io::Result<Endpoint> endpoint_of(int fd, SocketName name) noexcept {
  Endpoint endpoint;
  auto length = static_cast<socklen_t>(endpoint.capacity());
  if (name(fd, endpoint.data(), &length) != 0) {
    return io::last_error();
  }
  endpoint.resize(length);
  return endpoint;
}

}  // namespace wakeful::net::detail
