#pragma once
// io::copy and io::copy_bidirectional: bytes from readers to writers through a buffer of the
// future's own (tokio's io::copy and io::copy_bidirectional), the heart of a proxy.
//
// A copy reads into the free tail of its buffer and writes out what the buffer holds; while the
// writer is full it keeps reading into the tail, so that the next write is as large as the
// reader allowed, and at most one buffer of bytes is ever in flight per direction. When a read
// would wait, the buffer is empty and bytes were written since the last flush, it flushes the
// writer first: a buffering writer (BufWriter) must not sit on bytes while the copy waits for
// more.
//
// The futures borrow the streams; the buffer (8 KiB per direction) is allocated at the first
// poll. Neither future is cancel safe: dropped midway, bytes read but not yet written are lost.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "wakeful/context.hpp"
#include "wakeful/io/async_read.hpp"
#include "wakeful/io/async_write.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/stream_error.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io {

namespace detail {

/// One direction of a copy: the buffer between a reader and a writer, and how far it got.
class CopyBuffer {
 public:
  /// The buffer's size: tokio's, so that proxies compare like for like.
  static constexpr std::size_t capacity = std::size_t{8} * 1024;

  /// Copies until the reader ends and the writer is flushed: the bytes copied, or the first
  /// error of either side.
  template <AsyncRead R, AsyncWrite W>
  Poll<Result<std::uint64_t>> poll_copy(Context& cx, R& reader, W& writer) {
    if (!buffer_) {
      buffer_ = std::make_unique_for_overwrite<std::byte[]>(capacity);
    }
    for (;;) {
      if (end_ < capacity && !read_done_) {
        Poll<Result<void>> filled = poll_fill(cx, reader);
        if (filled.is_ready() && !filled->ok()) {
          return Poll<Result<std::uint64_t>>(std::in_place, filled->error());
        }
        if (filled.is_pending() && start_ == end_) {
          if (need_flush_) {
            Poll<Result<void>> flushed = writer.poll_flush(cx);
            if (flushed.is_ready()) {
              if (!flushed->ok()) {
                return Poll<Result<std::uint64_t>>(std::in_place, flushed->error());
              }
              need_flush_ = false;
            }
          }
          return Pending;
        }
      }
      while (start_ < end_) {
        Poll<Result<std::size_t>> n = writer.poll_write(cx, std::span(buffer_.get() + start_, end_ - start_));
        if (n.is_pending()) {
          // While the writer is full, take what the reader has into the free tail, so that
          // the next write is a large one.
          if (end_ < capacity && !read_done_) {
            Poll<Result<void>> filled = poll_fill(cx, reader);
            if (filled.is_ready() && !filled->ok()) {
              return Poll<Result<std::uint64_t>>(std::in_place, filled->error());
            }
          }
          return Pending;
        }
        if (!n->ok()) {
          return Poll<Result<std::uint64_t>>(std::in_place, n->error());
        }
        if (**n == 0) {
          return Poll<Result<std::uint64_t>>(std::in_place, make_error_code(stream_errc::write_zero));
        }
        start_ += **n;
        copied_ += **n;
        need_flush_ = true;
      }
      start_ = end_ = 0;
      if (read_done_) {
        Poll<Result<void>> flushed = writer.poll_flush(cx);
        if (flushed.is_pending()) {
          return Pending;
        }
        if (!flushed->ok()) {
          return Poll<Result<std::uint64_t>>(std::in_place, flushed->error());
        }
        need_flush_ = false;
        return Poll<Result<std::uint64_t>>(std::in_place, copied_);
      }
    }
  }

 private:
  // Reads into the free tail [end_, capacity): Ready(ok) once bytes came or the reader ended.
  template <AsyncRead R>
  Poll<Result<void>> poll_fill(Context& cx, R& reader) {
    Poll<Result<std::size_t>> n = reader.poll_read(cx, std::span(buffer_.get() + end_, capacity - end_));
    if (n.is_pending()) {
      return Pending;
    }
    if (!n->ok()) {
      return Poll<Result<void>>(std::in_place, n->error());
    }
    end_ += **n;
    read_done_ = **n == 0;
    return Poll<Result<void>>(std::in_place);
  }

  std::unique_ptr<std::byte[]> buffer_;
  std::size_t start_ = 0;  // the bytes read and not yet written: [start_, end_)
  std::size_t end_ = 0;
  std::uint64_t copied_ = 0;
  bool read_done_ = false;
  bool need_flush_ = false;
};

}  // namespace detail

/// The future of io::copy.
template <AsyncRead R, AsyncWrite W>
class [[nodiscard]] Copy {
 public:
  /// Borrows both streams (see io::copy).
  Copy(R& reader, W& writer) noexcept : reader_(&reader), writer_(&writer) {}
  /// The bytes copied once the reader has ended and the writer is flushed, or the first error.
  Poll<Result<std::uint64_t>> poll(Context& cx) { return buffer_.poll_copy(cx, *reader_, *writer_); }

 private:
  R* reader_;
  W* writer_;
  detail::CopyBuffer buffer_;
};

/// Copies everything `reader` gives to `writer`, then flushes `writer` (without shutting it
/// down): the byte count.
template <AsyncRead R, AsyncWrite W>
Copy<R, W> copy(R& reader, W& writer) noexcept {
  return {reader, writer};
}

/// What copy_bidirectional moved each way.
struct CopiedBytes {
  std::uint64_t a_to_b = 0;  ///< read from the first stream, written to the second
  std::uint64_t b_to_a = 0;  ///< read from the second stream, written to the first
};

/// The future of io::copy_bidirectional.
template <class A, class B>
requires AsyncRead<A> && AsyncWrite<A> && AsyncRead<B> && AsyncWrite<B>
class [[nodiscard]] CopyBidirectional {
 public:
  /// Borrows both streams (see io::copy_bidirectional).
  CopyBidirectional(A& a, B& b) noexcept : a_(&a), b_(&b) {}

  /// The byte counts once both directions have ended, or the first error of either.
  Poll<Result<CopiedBytes>> poll(Context& cx) {
    Poll<Result<std::uint64_t>> a_to_b = poll_direction(cx, a_to_b_, *a_, *b_);
    if (a_to_b.is_ready() && !a_to_b->ok()) {
      return Poll<Result<CopiedBytes>>(std::in_place, a_to_b->error());
    }
    Poll<Result<std::uint64_t>> b_to_a = poll_direction(cx, b_to_a_, *b_, *a_);
    if (b_to_a.is_ready() && !b_to_a->ok()) {
      return Poll<Result<CopiedBytes>>(std::in_place, b_to_a->error());
    }
    if (a_to_b.is_pending() || b_to_a.is_pending()) {
      return Pending;
    }
    return Poll<Result<CopiedBytes>>(std::in_place, CopiedBytes{**a_to_b, **b_to_a});
  }

 private:
  // One direction: copying, then shutting the writer down once its reader ended, then done.
  struct Direction {
    detail::CopyBuffer buffer;
    std::uint64_t copied = 0;
    bool copy_done = false;
    bool shut_down = false;
  };

  template <class From, class To>
  static Poll<Result<std::uint64_t>> poll_direction(Context& cx, Direction& d, From& from, To& to) {
    if (!d.copy_done) {
      Poll<Result<std::uint64_t>> copied = d.buffer.poll_copy(cx, from, to);
      if (copied.is_pending() || !copied->ok()) {
        return copied;
      }
      d.copied = **copied;
      d.copy_done = true;
    }
    if (!d.shut_down) {
      Poll<Result<void>> shut = to.poll_shutdown(cx);
      if (shut.is_pending()) {
        return Pending;
      }
      if (!shut->ok()) {
        return Poll<Result<std::uint64_t>>(std::in_place, shut->error());
      }
      d.shut_down = true;
    }
    return Poll<Result<std::uint64_t>>(std::in_place, d.copied);
  }

  A* a_;
  B* b_;
  Direction a_to_b_;
  Direction b_to_a_;
};

/// Copies `a` to `b` and `b` to `a` at once until both have ended: when one side's reader ends,
/// the other side's writer is flushed and shut down (its peer reads EOF), and the other
/// direction carries on. The byte counts each way, or the first error of any read, write, flush
/// or shutdown (the other direction is then abandoned).
template <class A, class B>
requires AsyncRead<A> && AsyncWrite<A> && AsyncRead<B> && AsyncWrite<B> CopyBidirectional<A, B> copy_bidirectional(A& a,
                                                                                                                   B& b)
noexcept { return {a, b}; }

}  // namespace wakeful::io
