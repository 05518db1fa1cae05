#pragma once
// codec::Framed: a byte stream seen as a Stream of decoded frames and a sink of frames to encode
// (tokio-util's Framed, FramedRead and FramedWrite in one type).
//
// Reading: bytes are read into a buffer and handed to the codec until it yields a frame; after
// a read, the codec is asked again until it needs more, so one read that brought several frames
// costs one system call. At the end of the stream codec::decode_eof decides between the end and
// a truncated frame. An error (the stream's or the codec's) is the last item.
//
// Writing: send(item) encodes into a write buffer and writes it out; feed-style batching goes
// through poll_ready / start_send / poll_flush, where poll_ready writes the buffer out only once
// it holds more than a backpressure boundary (8 KiB), so many small frames leave together.
//
// The halves need only what they use: a Framed over a read half (io::OwnedReadHalf) with a
// decoder is a frame reader, over a write half with an encoder a frame writer. Not thread safe:
// one task at a time (split the stream first for a reader and a writer task).

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "wakeful/codec/codec.hpp"
#include "wakeful/context.hpp"
#include "wakeful/io/async_read.hpp"
#include "wakeful/io/async_write.hpp"
#include "wakeful/io/byte_buffer.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/stream_error.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::codec {

/// Frames over the stream `S` (owned) with the codec `C` (owned); see the top of this header.
template <class S, class C>
class Framed {
 public:
  template <class T>
  class Send;
  class Flush;
  class Close;

  /// The write buffer's size above which poll_ready writes it out.
  static constexpr std::size_t backpressure_boundary = std::size_t{8} * 1024;

  /// Frames `stream` with `codec`.
  Framed(S stream, C codec) : stream_(std::move(stream)), codec_(std::move(codec)) {}

  /// The next frame, std::nullopt at the end of the stream (between frames), or an error:
  /// the stream's, the codec's, or io::stream_errc::truncated_frame at an end inside a frame;
  /// after an error, the end. A Stream, so `co_await next(framed)` works. Cancel safe: bytes
  /// read stay buffered for the next call.
  auto poll_next(Context& cx) requires io::AsyncRead<S> && Decoder<C> {
    using Item = std::optional<io::Result<typename C::Item>>;
    if (done_) {
      return Poll<Item>(std::in_place, std::nullopt);
    }
    for (;;) {
      if (decodable_) {
        io::Result<std::optional<typename C::Item>> frame =
            eof_ ? codec::decode_eof(codec_, read_buffer_) : codec_.decode(read_buffer_);
        if (!frame) {
          done_ = true;
          return Poll<Item>(std::in_place, frame.error());
        }
        if (frame->has_value()) {
          return Poll<Item>(std::in_place, std::move(**frame));
        }
        if (eof_) {
          done_ = true;
          return Poll<Item>(std::in_place, std::nullopt);
        }
        decodable_ = false;
      }
      Poll<io::Result<std::size_t>> n = stream_.poll_read(cx, read_buffer_.prepare(read_chunk));
      if (n.is_pending()) {
        return Poll<Item>(Pending);
      }
      if (!n->ok()) {
        done_ = true;
        return Poll<Item>(std::in_place, n->error());
      }
      read_buffer_.commit(**n);
      eof_ = **n == 0;
      decodable_ = true;
    }
  }

  /// Ready when another frame may be started: at once, unless the write buffer holds more than
  /// backpressure_boundary bytes, which are written out first. Cancel safe.
  Poll<io::Result<void>> poll_ready(Context& cx) requires io::AsyncWrite<S> {
    if (write_buffer_.size() < backpressure_boundary) {
      return Poll<io::Result<void>>(std::in_place);
    }
    return poll_write_buffer(cx);
  }

  /// Encodes `item` into the write buffer (after poll_ready was Ready): the codec's error, if
  /// any. Nothing is written until poll_ready or poll_flush.
  template <class T>
  requires io::AsyncWrite<S> && Encoder<C, T> io::Result<void> start_send(T&& item) {
    return codec_.encode(std::forward<T>(item), write_buffer_);
  }

  /// Writes the write buffer out, then flushes the stream. Cancel safe.
  Poll<io::Result<void>> poll_flush(Context& cx) requires io::AsyncWrite<S> {
    Poll<io::Result<void>> written = poll_write_buffer(cx);
    if (written.is_pending() || !written->ok()) {
      return written;
    }
    return stream_.poll_flush(cx);
  }

  /// Flushes, then shuts the stream's write side down (its peer reads the end). Cancel safe.
  Poll<io::Result<void>> poll_close(Context& cx) requires io::AsyncWrite<S> {
    Poll<io::Result<void>> flushed = poll_flush(cx);
    if (flushed.is_pending() || !flushed->ok()) {
      return flushed;
    }
    return stream_.poll_shutdown(cx);
  }

  /// Encodes `item` and writes it out with everything buffered before it (poll_ready,
  /// start_send, poll_flush). The future owns a copy of `item` (a view stays a view) and
  /// borrows the Framed. Cancel safe before its first Ready from poll_ready (nothing was
  /// encoded); after that the frame is in the write buffer and a later flush writes it.
  template <class T>
  requires io::AsyncWrite<S> && Encoder<C, std::decay_t<T> &&> Send<std::decay_t<T>> send(T&& item) {
    return Send<std::decay_t<T>>(*this, std::forward<T>(item));
  }
  /// poll_flush as a future (borrows the Framed).
  Flush flush() noexcept { return Flush(*this); }
  /// poll_close as a future (borrows the Framed).
  Close close() noexcept { return Close(*this); }

  /// The stream underneath (reading or writing it directly bypasses the buffers).
  S& get_mut() noexcept { return stream_; }
  /// The stream underneath.
  const S& get_ref() const noexcept { return stream_; }
  /// The codec.
  C& codec() noexcept { return codec_; }
  /// Bytes read and not yet decoded.
  [[nodiscard]] const io::ByteBuffer& read_buffer() const noexcept { return read_buffer_; }
  /// Bytes encoded and not yet written.
  [[nodiscard]] const io::ByteBuffer& write_buffer() const noexcept { return write_buffer_; }
  /// The stream, given back; buffered bytes both ways are dropped.
  S into_inner() && { return std::move(stream_); }

 private:
  static constexpr std::size_t read_chunk = std::size_t{8} * 1024;  // room offered to each read

  Poll<io::Result<void>> poll_write_buffer(Context& cx) {
    while (!write_buffer_.empty()) {
      Poll<io::Result<std::size_t>> n = stream_.poll_write(cx, write_buffer_.data());
      if (n.is_pending()) {
        return Pending;
      }
      if (!n->ok()) {
        return Poll<io::Result<void>>(std::in_place, n->error());
      }
      if (**n == 0) {
        return Poll<io::Result<void>>(std::in_place, make_error_code(io::stream_errc::write_zero));
      }
      write_buffer_.consume(**n);
    }
    return Poll<io::Result<void>>(std::in_place);
  }

  S stream_;
  C codec_;
  io::ByteBuffer read_buffer_;
  io::ByteBuffer write_buffer_;
  bool decodable_ = false;  // bytes came (or the end) since the codec last needed more
  bool eof_ = false;
  bool done_ = false;  // the end or an error was returned
};

/// The future of Framed::send.
template <class S, class C>
template <class T>
class [[nodiscard]] Framed<S, C>::Send {
 public:
  /// Success once the frame and everything before it are written and flushed; the codec's or
  /// the stream's error otherwise.
  Poll<io::Result<void>> poll(Context& cx) {
    if (item_) {
      Poll<io::Result<void>> ready = framed_->poll_ready(cx);
      if (ready.is_pending() || !ready->ok()) {
        return ready;
      }
      io::Result<void> encoded = framed_->start_send(std::move(*item_));
      item_.reset();
      if (!encoded) {
        return Poll<io::Result<void>>(std::in_place, encoded);
      }
    }
    return framed_->poll_flush(cx);
  }

 private:
  friend class Framed;
  template <class U>
  Send(Framed& framed, U&& item) : framed_(&framed), item_(std::in_place, std::forward<U>(item)) {}
  Framed* framed_;
  std::optional<T> item_;  // until encoded
};

/// The future of Framed::flush.
template <class S, class C>
class [[nodiscard]] Framed<S, C>::Flush {
 public:
  /// See Framed::poll_flush.
  Poll<io::Result<void>> poll(Context& cx) { return framed_->poll_flush(cx); }

 private:
  friend class Framed;
  explicit Flush(Framed& framed) noexcept : framed_(&framed) {}
  Framed* framed_;
};

/// The future of Framed::close.
template <class S, class C>
class [[nodiscard]] Framed<S, C>::Close {
 public:
  /// See Framed::poll_close.
  Poll<io::Result<void>> poll(Context& cx) { return framed_->poll_close(cx); }

 private:
  friend class Framed;
  explicit Close(Framed& framed) noexcept : framed_(&framed) {}
  Framed* framed_;
};

}  // namespace wakeful::codec
