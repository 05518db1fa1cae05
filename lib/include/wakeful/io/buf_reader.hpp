#pragma once
// io::BufReader: a buffer in front of any AsyncRead (tokio's BufReader), so that small reads
// and line or delimiter scanning do not each cost a system call.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

#include "wakeful/asio.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/async_buf_read.hpp"
#include "wakeful/io/async_read.hpp"
#include "wakeful/io/async_write.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io {

/// Reads from `R` a buffer at a time; an io::AsyncBufRead (so read_line, read_until and lines
/// work on it) and an io::AsyncRead. A read into a buffer at least as large as its own, while
/// its own is empty, goes straight to `R`. When `R` is also an AsyncWrite, so is the BufReader
/// (writes pass through unbuffered). Not thread safe; the buffer is allocated once, at
/// construction (throws std::bad_alloc).
template <AsyncRead R>
class BufReader {
 public:
  /// The buffer size unless given: tokio's.
  static constexpr std::size_t default_capacity = std::size_t{8} * 1024;

  /// Reads from `inner` through a buffer of `capacity` bytes (at least 1).
  explicit BufReader(R inner, std::size_t capacity = default_capacity)
      : inner_(std::move(inner)),
        capacity_(std::max<std::size_t>(capacity, 1)),
        buffer_(std::make_unique_for_overwrite<std::byte[]>(capacity_)) {}

  /// The buffered bytes, reading from `R` first if there are none: empty only at the end of
  /// the stream. Cancel safe.
  Poll<Result<std::span<const std::byte>>> poll_fill_buf(Context& cx) {
    if (start_ == end_) {
      Poll<Result<std::size_t>> n = inner_.poll_read(cx, std::span(buffer_.get(), capacity_));
      if (n.is_pending()) {
        return Pending;
      }
      if (!n->ok()) {
        return Poll<Result<std::span<const std::byte>>>(std::in_place, n->error());
      }
      start_ = 0;
      end_ = **n;
    }
    return Poll<Result<std::span<const std::byte>>>(std::in_place, buffered());
  }
  /// Marks the first `n` buffered bytes used (at most all of them).
  void consume(std::size_t n) noexcept { start_ = std::min(start_ + n, end_); }

  /// Reads into `out` from the buffer (filling it first when empty): the count, 0 at the end.
  /// Cancel safe.
  Poll<Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> out) {
    if (start_ == end_ && out.size() >= capacity_) {
      return inner_.poll_read(cx, out);
    }
    Poll<Result<std::span<const std::byte>>> filled = poll_fill_buf(cx);
    if (filled.is_pending()) {
      return Pending;
    }
    if (!filled->ok()) {
      return Poll<Result<std::size_t>>(std::in_place, filled->error());
    }
    const std::size_t n = std::min(out.size(), (*filled)->size());
    if (n != 0) {
      std::memcpy(out.data(), (*filled)->data(), n);
    }
    consume(n);
    return Poll<Result<std::size_t>>(std::in_place, n);
  }

  /// Passes a write through to `R`.
  Poll<Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data) requires AsyncWrite<R> {
    return inner_.poll_write(cx, data);
  }
  /// Passes a vectored write through to `R` (see io::poll_write_vectored).
  Poll<Result<std::size_t>> poll_write_vectored(Context& cx,
                                                std::span<const asio::const_buffer> buffers) requires AsyncWrite<R> {
    return io::poll_write_vectored(inner_, cx, buffers);
  }
  /// Flushes `R`.
  Poll<Result<void>> poll_flush(Context& cx) requires AsyncWrite<R> { return inner_.poll_flush(cx); }
  /// Shuts `R` down.
  Poll<Result<void>> poll_shutdown(Context& cx) requires AsyncWrite<R> { return inner_.poll_shutdown(cx); }

  /// The bytes read from `R` and not yet consumed.
  [[nodiscard]] std::span<const std::byte> buffered() const noexcept { return {buffer_.get() + start_, end_ - start_}; }
  /// The buffer's size.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// The reader underneath (reading from it directly skips what is buffered).
  R& get_mut() noexcept { return inner_; }
  /// The reader underneath.
  const R& get_ref() const noexcept { return inner_; }
  /// The reader underneath, given back; the buffered bytes are dropped (take buffered() first).
  R into_inner() && { return std::move(inner_); }

 private:
  R inner_;
  std::size_t capacity_;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t start_ = 0;  // [start_, end_) is read and not consumed
  std::size_t end_ = 0;
};

}  // namespace wakeful::io
