#pragma once
// io::ByteBuffer: a growable byte queue, written at the back and consumed from the front (the
// part of tokio's BytesMut that framing needs): Framed reads into it and decoders take frames
// out of it; encoders append to it and Framed writes it out.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace wakeful::io {

/// Bytes in order, `data()` from the oldest; consuming is O(1), and the room freed at the front
/// is reused (by moving what is left to the front) before the storage grows. Not thread safe.
class ByteBuffer {
 public:
  ByteBuffer() = default;

  /// The bytes held, oldest first. Valid until the next prepare, append or reserve.
  [[nodiscard]] std::span<const std::byte> data() const noexcept {
    return std::span(storage_).subspan(begin_, end_ - begin_);
  }
  /// The bytes held, as characters (for text codecs).
  [[nodiscard]] std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(storage_.data() + begin_), end_ - begin_};  // NOLINT: char view of bytes
  }
  /// How many bytes are held.
  [[nodiscard]] std::size_t size() const noexcept { return end_ - begin_; }
  /// True when no byte is held.
  [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
  /// Room held in reserve beyond size() before the storage must grow.
  [[nodiscard]] std::size_t capacity() const noexcept { return storage_.size(); }

  /// Drops the oldest `n` bytes (all of them if `n` is larger).
  void consume(std::size_t n) noexcept {
    begin_ += std::min(n, size());
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }
  /// Drops every byte.
  void clear() noexcept { begin_ = end_ = 0; }

  /// Room for at least `n` more bytes at the back: a span to write into, then commit() what
  /// was written. The span may be longer than `n`. Throws std::bad_alloc.
  std::span<std::byte> prepare(std::size_t n) {
    reserve(n);
    return std::span(storage_).subspan(end_);
  }
  /// Appends the first `n` bytes of the span prepare() returned.
  void commit(std::size_t n) noexcept { end_ = std::min(end_ + n, storage_.size()); }
  /// Makes room for `n` more bytes without growing again. Throws std::bad_alloc.
  void reserve(std::size_t n) {
    if (storage_.size() - end_ >= n) {
      return;
    }
    const std::size_t held = size();
    if (begin_ != 0) {  // reuse the room consumed at the front
      std::memmove(storage_.data(), storage_.data() + begin_, held);
      begin_ = 0;
      end_ = held;
      if (storage_.size() - end_ >= n) {
        return;
      }
    }
    storage_.resize(std::max(held + n, 2 * storage_.size()));
  }
  /// Appends `bytes`. Throws std::bad_alloc.
  void append(std::span<const std::byte> bytes) {
    if (bytes.empty()) {
      return;
    }
    std::memcpy(prepare(bytes.size()).data(), bytes.data(), bytes.size());
    commit(bytes.size());
  }
  /// Appends the characters of `text`. Throws std::bad_alloc.
  void append(std::string_view text) { append(std::as_bytes(std::span(text))); }

 private:
  std::vector<std::byte> storage_;  // [begin_, end_) is held; the rest is room
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace wakeful::io
