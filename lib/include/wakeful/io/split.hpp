#pragma once
// Owned halves of a stream (tokio's TcpStream::into_split): a read half and a write half that two
// tasks can own and use at the same time, on the same worker or on different ones, and reunite
// to get the stream back.
//
// No lock is taken: a stream may be split only if its read and write directions are independent,
// meaning poll_read may run on one thread while poll_write, poll_flush or poll_shutdown run on
// another. A socket on an io::Registration is such a stream (a read slot and a write slot, each
// with its own waker); a stream type says so by specialising io::enable_split to true. Within
// one half, calls must not overlap (one task owns a half, as with any stream).
//
// The halves share the stream through one reference-counted allocation; the stream is dropped
// (a socket closed) when the last half is. Dropping the write half shuts its direction down
// (the peer reads EOF), as tokio's OwnedWriteHalf does, unless it was shut down already.

#include <cstddef>
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
#include "wakeful/waker.hpp"

namespace wakeful::io {

/// True for stream types whose read and write directions may be used from two threads at once
/// (see the top of this header). Specialise it for such a type of your own.
template <class S>
inline constexpr bool enable_split = false;

/// A stream that io::into_split accepts.
template <class S>
concept Splittable = AsyncRead<S> && AsyncWrite<S> && enable_split<S>;

template <class S>
class OwnedWriteHalf;

/// The read half of a split stream: an AsyncRead. Movable, not copyable; a moved-from half may
/// only be assigned to or destroyed.
template <class S>
class OwnedReadHalf {
 public:
  /// Reads from the stream (its poll_read).
  Poll<Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer) {
    static_assert(Splittable<S>);
    return stream_->poll_read(cx, buffer);
  }
  /// The stream, for what reads no state of either direction: addresses, options.
  [[nodiscard]] const S& stream() const noexcept { return *stream_; }
  /// True when `write` is the other half of this half's stream.
  [[nodiscard]] bool is_pair_of(const OwnedWriteHalf<S>& write) const noexcept { return stream_ == write.stream_; }

 private:
  template <Splittable T>
  friend std::pair<OwnedReadHalf<T>, OwnedWriteHalf<T>> into_split(T stream);
  template <Splittable T>
  friend Result<T> reunite(OwnedReadHalf<T>&& read, OwnedWriteHalf<T>&& write);
  friend class OwnedWriteHalf<S>;
  explicit OwnedReadHalf(std::shared_ptr<S> stream) noexcept : stream_(std::move(stream)) {}

  std::shared_ptr<S> stream_;
};

/// The write half of a split stream: an AsyncWrite. Movable, not copyable. Dropped without a
/// shutdown, it shuts its direction down (one poll_shutdown with a no-op waker: for a socket,
/// a plain shutdown(SHUT_WR)). A moved-from half may only be assigned to or destroyed.
template <class S>
class OwnedWriteHalf {
 public:
  /// Takes over `other`'s half.
  OwnedWriteHalf(OwnedWriteHalf&& other) noexcept = default;
  /// Shuts this half down as a drop would, then takes over `other`'s.
  OwnedWriteHalf& operator=(OwnedWriteHalf&& other) noexcept {
    if (this != &other) {
      shut_down_on_drop();
      stream_ = std::move(other.stream_);
      shut_down_ = other.shut_down_;
    }
    return *this;
  }
  OwnedWriteHalf(const OwnedWriteHalf&) = delete;
  OwnedWriteHalf& operator=(const OwnedWriteHalf&) = delete;
  /// Shuts the write direction down unless that was done (see the class comment).
  ~OwnedWriteHalf() { shut_down_on_drop(); }

  /// Writes to the stream (its poll_write).
  Poll<Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data) {
    static_assert(Splittable<S>);
    return stream_->poll_write(cx, data);
  }
  /// Writes from several buffers (see io::poll_write_vectored).
  Poll<Result<std::size_t>> poll_write_vectored(Context& cx, std::span<const asio::const_buffer> buffers) {
    return io::poll_write_vectored(*stream_, cx, buffers);
  }
  /// Flushes the stream (its poll_flush).
  Poll<Result<void>> poll_flush(Context& cx) { return stream_->poll_flush(cx); }
  /// Shuts the write direction down (the stream's poll_shutdown); the read half reads on.
  Poll<Result<void>> poll_shutdown(Context& cx) {
    Poll<Result<void>> result = stream_->poll_shutdown(cx);
    if (result.is_ready() && result->ok()) {
      shut_down_ = true;
    }
    return result;
  }
  /// The stream, for what reads no state of either direction: addresses, options.
  [[nodiscard]] const S& stream() const noexcept { return *stream_; }
  /// True when `read` is the other half of this half's stream.
  [[nodiscard]] bool is_pair_of(const OwnedReadHalf<S>& read) const noexcept { return stream_ == read.stream_; }

 private:
  template <Splittable T>
  friend std::pair<OwnedReadHalf<T>, OwnedWriteHalf<T>> into_split(T stream);
  template <Splittable T>
  friend Result<T> reunite(OwnedReadHalf<T>&& read, OwnedWriteHalf<T>&& write);
  friend class OwnedReadHalf<S>;
  explicit OwnedWriteHalf(std::shared_ptr<S> stream) noexcept : stream_(std::move(stream)) {}

  void shut_down_on_drop() noexcept {
    if (stream_ && !shut_down_) {
      Context cx(Waker::noop());
      (void)stream_->poll_shutdown(cx);
    }
  }

  std::shared_ptr<S> stream_;
  bool shut_down_ = false;
};

/// Splits `stream` into a read half and a write half. Allocates the shared stream (throws
/// std::bad_alloc).
template <Splittable S>
std::pair<OwnedReadHalf<S>, OwnedWriteHalf<S>> into_split(S stream) {
  auto shared = std::make_shared<S>(std::move(stream));
  return {OwnedReadHalf<S>(shared), OwnedWriteHalf<S>(shared)};
}

/// Puts two halves back together: the stream, or stream_errc::not_same_stream when they come
/// from different streams (both halves are then left as they were). A write half that was shut
/// down stays so: the stream cannot write again.
template <Splittable S>
Result<S> reunite(OwnedReadHalf<S>&& read, OwnedWriteHalf<S>&& write) {
  if (!read.is_pair_of(write)) {
    return make_error_code(stream_errc::not_same_stream);
  }
  std::shared_ptr<S> shared = std::move(read.stream_);
  write.stream_.reset();  // without the shutdown of a drop
  return Result<S>(std::move(*shared));
}

}  // namespace wakeful::io
