#pragma once
// io::BufWriter: a buffer in front of any AsyncWrite (tokio's BufWriter), so that many small
// writes become few system calls.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

#include "wakeful/asio.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/async_read.hpp"
#include "wakeful/io/async_write.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/stream_error.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io {

/// Collects writes in a buffer and writes them to `W` when it is full, on poll_flush and on
/// poll_shutdown. A write that does not fit flushes the buffer first; a write at least as
/// large as the buffer then goes straight to `W` (write-through), so large transfers are not
/// copied. Bytes still buffered when the BufWriter is dropped are lost: flush or shut down
/// first. When `W` is also an AsyncRead, so is the BufWriter (reads pass through). Not thread
/// safe; the buffer is allocated once, at construction (throws std::bad_alloc).
template <AsyncWrite W>
class BufWriter {
 public:
  /// The buffer size unless given: tokio's.
  static constexpr std::size_t default_capacity = std::size_t{8} * 1024;

  /// Writes to `inner` through a buffer of `capacity` bytes (at least 1).
  explicit BufWriter(W inner, std::size_t capacity = default_capacity)
      : inner_(std::move(inner)),
        capacity_(std::max<std::size_t>(capacity, 1)),
        buffer_(std::make_unique_for_overwrite<std::byte[]>(capacity_)) {}

  /// Takes all of `data` into the buffer, or (when it is at least the buffer's size) writes
  /// it to `W` directly: the count taken. Pending while the buffer must be flushed to make room.
  /// Cancel safe.
  Poll<Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data) {
    if (end_ + data.size() > capacity_) {
      Poll<Result<void>> flushed = poll_flush_buffer(cx);
      if (flushed.is_pending()) {
        return Pending;
      }
      if (!flushed->ok()) {
        return Poll<Result<std::size_t>>(std::in_place, flushed->error());
      }
    }
    if (data.size() >= capacity_) {
      return inner_.poll_write(cx, data);
    }
    if (!data.empty()) {
      std::memcpy(buffer_.get() + end_, data.data(), data.size());
      end_ += data.size();
    }
    return Poll<Result<std::size_t>>(std::in_place, data.size());
  }

  /// As poll_write, for several buffers: buffered whole when they fit, otherwise (after a
  /// flush) written to `W` in one vectored write when together they fill the buffer.
  Poll<Result<std::size_t>> poll_write_vectored(Context& cx, std::span<const asio::const_buffer> buffers) {
    std::size_t total = 0;
    for (const asio::const_buffer& buffer : buffers) {
      total += buffer.size();
    }
    if (end_ + total > capacity_) {
      Poll<Result<void>> flushed = poll_flush_buffer(cx);
      if (flushed.is_pending()) {
        return Pending;
      }
      if (!flushed->ok()) {
        return Poll<Result<std::size_t>>(std::in_place, flushed->error());
      }
    }
    if (total >= capacity_) {
      return io::poll_write_vectored(inner_, cx, buffers);
    }
    for (const asio::const_buffer& buffer : buffers) {
      if (buffer.size() != 0) {
        std::memcpy(buffer_.get() + end_, buffer.data(), buffer.size());
        end_ += buffer.size();
      }
    }
    return Poll<Result<std::size_t>>(std::in_place, total);
  }

  /// Writes the buffer out, then flushes `W`. Cancel safe.
  Poll<Result<void>> poll_flush(Context& cx) {
    Poll<Result<void>> flushed = poll_flush_buffer(cx);
    if (flushed.is_pending() || !flushed->ok()) {
      return flushed;
    }
    return inner_.poll_flush(cx);
  }

  /// Writes the buffer out, then shuts `W` down. Cancel safe.
  Poll<Result<void>> poll_shutdown(Context& cx) {
    Poll<Result<void>> flushed = poll_flush_buffer(cx);
    if (flushed.is_pending() || !flushed->ok()) {
      return flushed;
    }
    return inner_.poll_shutdown(cx);
  }

  /// Passes a read through to `W`.
  Poll<Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer) requires AsyncRead<W> {
    return inner_.poll_read(cx, buffer);
  }

  /// The bytes taken and not yet written to `W`.
  [[nodiscard]] std::span<const std::byte> buffered() const noexcept { return {buffer_.get() + start_, end_ - start_}; }
  /// The buffer's size.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// The writer underneath (writing to it directly overtakes what is buffered).
  W& get_mut() noexcept { return inner_; }
  /// The writer underneath.
  const W& get_ref() const noexcept { return inner_; }
  /// The writer underneath, given back; buffered bytes are dropped (flush first).
  W into_inner() && { return std::move(inner_); }

 private:
  // Writes [start_, end_) to `W`; empties the buffer once all of it is written.
  Poll<Result<void>> poll_flush_buffer(Context& cx) {
    while (start_ < end_) {
      Poll<Result<std::size_t>> n = inner_.poll_write(cx, std::span(buffer_.get() + start_, end_ - start_));
      if (n.is_pending()) {
        return Pending;
      }
      if (!n->ok()) {
        return Poll<Result<void>>(std::in_place, n->error());
      }
      if (**n == 0) {
        return Poll<Result<void>>(std::in_place, make_error_code(stream_errc::write_zero));
      }
      start_ += **n;
    }
    start_ = end_ = 0;
    return Poll<Result<void>>(std::in_place);
  }

  W inner_;
  std::size_t capacity_;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t start_ = 0;  // [start_, end_) is taken and not yet written
  std::size_t end_ = 0;
};

}  // namespace wakeful::io
