#pragma once
// io::AsyncWrite: a sink of bytes written without blocking (tokio's AsyncWrite), and the futures
// every such sink gets: write, write_all, write_vectored, flush, shutdown.
//
// A writer has three members: poll_write, poll_flush (push out what it buffers; a socket buffers
// nothing of its own) and poll_shutdown (flush, then end the stream: a socket sends FIN).
// Vectored writes are optional: io::poll_write_vectored uses the writer's poll_write_vectored
// when it has one, and otherwise writes the first non-empty buffer. The futures borrow the
// writer and the data: both must outlive the future.

#include <concepts>
#include <cstddef>
#include <span>

#include "wakeful/asio.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/stream_error.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io {

/// A byte sink: `poll_write(cx, data)` is Ready with how many of `data`'s bytes it took (at
/// least one for non-empty data, unless it failed) or with an error; `poll_flush(cx)` is Ready
/// once everything written has left the writer's own buffers; `poll_shutdown(cx)` once the
/// stream is flushed and ended. Pending means `cx`'s waker will be woken.
template <class W>
concept AsyncWrite = requires(W& writer, Context& cx, std::span<const std::byte> data) {
  { writer.poll_write(cx, data) } -> std::same_as<Poll<Result<std::size_t>>>;
  { writer.poll_flush(cx) } -> std::same_as<Poll<Result<void>>>;
  { writer.poll_shutdown(cx) } -> std::same_as<Poll<Result<void>>>;
};

/// A writer that also writes from several buffers at once (a gathering sendmsg).
template <class W>
concept AsyncWriteVectored = AsyncWrite<W> &&
    requires(W& writer, Context& cx, std::span<const asio::const_buffer> buffers) {
  { writer.poll_write_vectored(cx, buffers) } -> std::same_as<Poll<Result<std::size_t>>>;
};

/// Writes from `buffers` in order: the writer's own vectored write when it has one, otherwise
/// poll_write of the first non-empty buffer. Ready with the bytes taken (0 when all are empty).
template <AsyncWrite W>
Poll<Result<std::size_t>> poll_write_vectored(W& writer, Context& cx, std::span<const asio::const_buffer> buffers) {
  if constexpr (AsyncWriteVectored<W>) {
    return writer.poll_write_vectored(cx, buffers);
  } else {
    for (const asio::const_buffer& buffer : buffers) {
      if (buffer.size() != 0) {
        return writer.poll_write(cx, {static_cast<const std::byte*>(buffer.data()), buffer.size()});
      }
    }
    return Poll<Result<std::size_t>>(std::in_place, std::size_t{0});
  }
}

/// The future of io::write.
template <AsyncWrite W>
class [[nodiscard]] Write {
 public:
  /// Borrows `writer` and `data` (see io::write).
  Write(W& writer, std::span<const std::byte> data) noexcept : writer_(&writer), data_(data) {}
  /// The byte count or the error.
  Poll<Result<std::size_t>> poll(Context& cx) { return writer_->poll_write(cx, data_); }

 private:
  W* writer_;
  std::span<const std::byte> data_;
};

/// Writes some of `data`: the count taken. Cancel safe: dropped before it completes, it has
/// written nothing.
template <AsyncWrite W>
Write<W> write(W& writer, std::span<const std::byte> data) noexcept {
  return {writer, data};
}

/// The future of io::write_vectored.
template <AsyncWrite W>
class [[nodiscard]] WriteVectored {
 public:
  /// Borrows `writer` and `buffers` (see io::write_vectored).
  WriteVectored(W& writer, std::span<const asio::const_buffer> buffers) noexcept
      : writer_(&writer), buffers_(buffers) {}
  /// The byte count or the error.
  Poll<Result<std::size_t>> poll(Context& cx) { return io::poll_write_vectored(*writer_, cx, buffers_); }

 private:
  W* writer_;
  std::span<const asio::const_buffer> buffers_;
};

/// Writes some of `buffers` (see io::poll_write_vectored). Cancel safe.
template <AsyncWrite W>
WriteVectored<W> write_vectored(W& writer, std::span<const asio::const_buffer> buffers) noexcept {
  return {writer, buffers};
}

/// The future of io::write_all.
template <AsyncWrite W>
class [[nodiscard]] WriteAll {
 public:
  /// Borrows `writer` and `data` (see io::write_all).
  WriteAll(W& writer, std::span<const std::byte> data) noexcept : writer_(&writer), rest_(data) {}
  /// Success once every byte is taken; stream_errc::write_zero if the writer takes none.
  Poll<Result<void>> poll(Context& cx) {
    while (!rest_.empty()) {
      Poll<Result<std::size_t>> n = writer_->poll_write(cx, rest_);
      if (n.is_pending()) {
        return Pending;
      }
      if (!n->ok()) {
        return Poll<Result<void>>(std::in_place, n->error());
      }
      if (**n == 0) {
        return Poll<Result<void>>(std::in_place, make_error_code(stream_errc::write_zero));
      }
      rest_ = rest_.subspan(**n);
    }
    return Poll<Result<void>>(std::in_place);
  }

 private:
  W* writer_;
  std::span<const std::byte> rest_;
};

/// Writes all of `data`. Not cancel safe: dropped midway, an unknown prefix has been written.
template <AsyncWrite W>
WriteAll<W> write_all(W& writer, std::span<const std::byte> data) noexcept {
  return {writer, data};
}

/// The future of io::flush.
template <AsyncWrite W>
class [[nodiscard]] Flush {
 public:
  /// Borrows `writer`.
  explicit Flush(W& writer) noexcept : writer_(&writer) {}
  /// Success once the writer's buffers are written out.
  Poll<Result<void>> poll(Context& cx) { return writer_->poll_flush(cx); }

 private:
  W* writer_;
};

/// Writes out what the writer buffers. Cancel safe (what was flushed stays flushed).
template <AsyncWrite W>
Flush<W> flush(W& writer) noexcept {
  return Flush<W>(writer);
}

/// The future of io::shutdown.
template <AsyncWrite W>
class [[nodiscard]] Shutdown {
 public:
  /// Borrows `writer`.
  explicit Shutdown(W& writer) noexcept : writer_(&writer) {}
  /// Success once the writer is flushed and its stream ended.
  Poll<Result<void>> poll(Context& cx) { return writer_->poll_shutdown(cx); }

 private:
  W* writer_;
};

/// Flushes the writer and ends its stream (a socket's peer reads EOF). Cancel safe.
template <AsyncWrite W>
Shutdown<W> shutdown(W& writer) noexcept {
  return Shutdown<W>(writer);
}

}  // namespace wakeful::io
