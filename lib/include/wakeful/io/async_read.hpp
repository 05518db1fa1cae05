#pragma once
// io::AsyncRead: a source of bytes read without blocking (tokio's AsyncRead), and the futures
// every such source gets: read, read_exact, read_to_end.
//
// The concept is one member, so a user's own type (an in-memory pipe, a TLS session, a
// decompressor) meets it by writing poll_read; net::TcpStream, its read half, BufReader and the
// other wakeful readers meet it too. The futures below borrow the reader and the buffer: both
// must outlive the future.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "wakeful/asio.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io {

/// A byte source: `poll_read(cx, buffer)` reads into `buffer` and is Ready with the byte count,
/// 0 meaning the end of the stream (for a non-empty buffer), or with an error; or it is Pending,
/// having arranged for `cx`'s waker to be woken when it may make progress.
template <class R>
concept AsyncRead = requires(R& reader, Context& cx, std::span<std::byte> buffer) {
  { reader.poll_read(cx, buffer) } -> std::same_as<Poll<Result<std::size_t>>>;
};

/// The future of io::read.
template <AsyncRead R>
class [[nodiscard]] Read {
 public:
  /// Borrows `reader` and `buffer` (see io::read).
  Read(R& reader, std::span<std::byte> buffer) noexcept : reader_(&reader), buffer_(buffer) {}
  /// The byte count (0 at the end of the stream) or the error.
  Poll<Result<std::size_t>> poll(Context& cx) { return reader_->poll_read(cx, buffer_); }

 private:
  R* reader_;
  std::span<std::byte> buffer_;
};

/// Reads some bytes into `buffer`: the count, 0 at the end of the stream. Cancel safe: dropped
/// before it completes, it has read nothing.
template <AsyncRead R>
Read<R> read(R& reader, std::span<std::byte> buffer) noexcept {
  return {reader, buffer};
}

/// The future of io::read_exact.
template <AsyncRead R>
class [[nodiscard]] ReadExact {
 public:
  /// Borrows `reader` and `buffer` (see io::read_exact).
  ReadExact(R& reader, std::span<std::byte> buffer) noexcept : reader_(&reader), rest_(buffer) {}
  /// Success once the buffer is full; `asio::error::eof` when the stream ends before.
  Poll<Result<void>> poll(Context& cx) {
    while (!rest_.empty()) {
      Poll<Result<std::size_t>> n = reader_->poll_read(cx, rest_);
      if (n.is_pending()) {
        return Pending;
      }
      if (!n->ok()) {
        return Poll<Result<void>>(std::in_place, n->error());
      }
      if (**n == 0) {
        return Poll<Result<void>>(std::in_place, make_error_code(asio::error::eof));
      }
      rest_ = rest_.subspan(**n);
    }
    return Poll<Result<void>>(std::in_place);
  }

 private:
  R* reader_;
  std::span<std::byte> rest_;
};

/// Reads until `buffer` is full. Not cancel safe: dropped midway, some of the bytes are in
/// `buffer` and the caller cannot tell how many.
template <AsyncRead R>
ReadExact<R> read_exact(R& reader, std::span<std::byte> buffer) noexcept {
  return {reader, buffer};
}

/// The future of io::read_to_end.
template <AsyncRead R>
class [[nodiscard]] ReadToEnd {
 public:
  /// Borrows `reader` and `out` (see io::read_to_end).
  ReadToEnd(R& reader, std::vector<std::byte>& out) noexcept : reader_(&reader), out_(&out) {}
  /// The bytes appended, once the stream has ended; or the first error (the bytes read before
  /// it stay appended).
  Poll<Result<std::size_t>> poll(Context& cx) {
    for (;;) {
      // The vector is grown to give the read room and cut back to what was read, so that it
      // never shows bytes that were not read, even when the future is dropped.
      const std::size_t filled = out_->size();
      out_->resize(std::max(filled + min_chunk, out_->capacity()));
      Poll<Result<std::size_t>> n = reader_->poll_read(cx, std::span(*out_).subspan(filled));
      const std::size_t got = n.is_ready() && n->ok() ? **n : 0;
      out_->resize(filled + got);
      if (n.is_pending()) {
        return Pending;
      }
      if (!n->ok()) {
        return Poll<Result<std::size_t>>(std::in_place, n->error());
      }
      if (got == 0) {
        return Poll<Result<std::size_t>>(std::in_place, appended_);
      }
      appended_ += got;
    }
  }

 private:
  static constexpr std::size_t min_chunk = std::size_t{8} * 1024;
  R* reader_;
  std::vector<std::byte>* out_;
  std::size_t appended_ = 0;
};

/// Reads until the end of the stream, appending to `out`: the bytes appended. Cancel safe in
/// that every byte read is in `out` when the future is dropped (but the count is lost).
template <AsyncRead R>
ReadToEnd<R> read_to_end(R& reader, std::vector<std::byte>& out) noexcept {
  return {reader, out};
}

}  // namespace wakeful::io
