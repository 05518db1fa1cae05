#pragma once
// Plain blocking POSIX sockets for the other end of network tests: they run on threads of their
// own, outside any runtime, so the side under test is the only wakeful one.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "support/asio.hpp"

namespace wakeful::test {

/// A blocking TCP socket, closed on destruction.
class PlainSocket {
 public:
  /// Connects to `endpoint` (blocking); throws on failure.
  explicit PlainSocket(const asio::ip::tcp::endpoint& endpoint)
      : fd_(::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0 || ::connect(fd_, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0) {
      const int error = errno;
      close();
      throw std::runtime_error(std::string("connect: ") + std::strerror(error));  // NOLINT(concurrency-mt-unsafe)
    }
  }
  PlainSocket(const PlainSocket&) = delete;
  PlainSocket& operator=(const PlainSocket&) = delete;
  ~PlainSocket() { close(); }

  [[nodiscard]] int fd() const noexcept { return fd_; }

  /// Sends all of `data`; false on error.
  bool send_all(const void* data, std::size_t size) const {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::send(fd_, p, size, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Receives exactly `size` bytes; false on error or EOF.
  bool recv_all(void* data, std::size_t size) const {
    auto* p = static_cast<char*>(data);
    while (size > 0) {
      const ssize_t n = ::recv(fd_, p, size, 0);
      if (n <= 0) {
        return false;
      }
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Closes with a reset (SO_LINGER 0): the peer sees ECONNRESET.
  void reset() {
    const linger option{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    close();
  }

  void close() noexcept {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_;
};

/// 127.0.0.1 on port `port` (0: any free port).
inline asio::ip::tcp::endpoint loopback(std::uint16_t port = 0) { return {asio::ip::address_v4::loopback(), port}; }

/// Raises the soft limit on open descriptors to `wanted` (or the hard limit, if lower).
inline void raise_descriptor_limit(rlim_t wanted) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace wakeful::test
