#pragma once
// InputBuffer: the bytes read from a connection and not yet parsed.
//
// Its memory comes from a per-thread pool and goes back there whenever the buffer is empty, so
// that an idle keep-alive connection holds no read buffer; the connection takes one again when
// the socket becomes readable.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace httpd::http {

class InputBuffer {
 public:
  /// A buffer of `capacity` bytes, not yet allocated.
  explicit InputBuffer(std::size_t capacity) noexcept : capacity_(static_cast<std::uint32_t>(capacity)) {}
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;
  ~InputBuffer() {
    begin_ = end_ = 0;  // unread bytes die with the connection
    release();
  }

  /// The bytes read and not consumed.
  [[nodiscard]] std::string_view unread() const noexcept { return {data_ + begin_, end_ - begin_}; }
  [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// True when no more bytes fit (a request head that long is over the limit).
  [[nodiscard]] bool full() const noexcept { return begin_ == 0 && end_ == capacity_; }
  [[nodiscard]] bool allocated() const noexcept { return data_ != nullptr; }

  /// Free space to read into: allocates the memory if needed and moves unread bytes to the
  /// front when the end is reached. Empty when full().
  std::span<std::byte> space();
  /// Marks `count` bytes of space() as read.
  void commit(std::size_t count) noexcept { end_ += static_cast<std::uint32_t>(count); }
  /// Drops `count` unread bytes (parsed).
  void consume(std::size_t count) noexcept;
  /// Gives the memory back to the pool; only when empty().
  void release() noexcept;

  /// How many buffers the calling thread's pool holds free (for tests).
  [[nodiscard]] static std::size_t pooled() noexcept;

  /// Appends `bytes` (for tests and fuzzing); returns how many fitted.
  std::size_t fill(std::string_view bytes);

 private:
  char* data_ = nullptr;
  std::uint32_t begin_ = 0;
  std::uint32_t end_ = 0;
  std::uint32_t capacity_;
};

}  // namespace httpd::http
