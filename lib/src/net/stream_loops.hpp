#pragma once
// The loops behind read_exact and write_all, shared by the stream socket types (TcpStream,
// UnixStream): each keeps the rest of its buffer between polls, so it can resume after Pending.

#include <cstddef>
#include <span>

#include "wakeful/asio.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::net::detail {

/// Reads into `rest` until it is empty, shrinking it as bytes arrive: success, the error, or
/// asio::error::eof when the peer closes first.
template <class Stream>
Poll<io::Result<void>> poll_read_exact(Stream& stream, Context& cx, std::span<std::byte>& rest) {
  while (!rest.empty()) {
    Poll<io::Result<std::size_t>> read = stream.poll_read(cx, rest);
    if (read.is_pending()) {
      return Pending;
    }
    if (!read->ok()) {
      return Poll<io::Result<void>>(std::in_place, read->error());
    }
    if (**read == 0) {
      return Poll<io::Result<void>>(std::in_place, make_error_code(asio::error::eof));
    }
    rest = rest.subspan(**read);
  }
  return Poll<io::Result<void>>(std::in_place);
}

/// Writes `rest` until it is empty, shrinking it as bytes leave: success or the error.
template <class Stream>
Poll<io::Result<void>> poll_write_all(Stream& stream, Context& cx, std::span<const std::byte>& rest) {
  while (!rest.empty()) {
    Poll<io::Result<std::size_t>> written = stream.poll_write(cx, rest);
    if (written.is_pending()) {
      return Pending;
    }
    if (!written->ok()) {
      return Poll<io::Result<void>>(std::in_place, written->error());
    }
    rest = rest.subspan(**written);
  }
  return Poll<io::Result<void>>(std::in_place);
}

}  // namespace wakeful::net::detail
