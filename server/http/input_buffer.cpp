// InputBuffer and its per-thread pool.

#include "input_buffer.hpp"

#include <cstring>
#include <new>
#include <vector>

namespace httpd::http {

namespace {

// Buffers freed by idle connections, reused by the next that becomes readable: the pool keeps
// as many as were ever in use at once, up to a bound, so a busy worker stops calling malloc.
class BufferPool {
 public:
  BufferPool() = default;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool() {
    for (char* block : free_) {
      ::operator delete(block);
    }
  }

  char* take(std::size_t capacity) {
    if (capacity == capacity_ && !free_.empty()) {
      char* block = free_.back();
      free_.pop_back();
      return block;
    }
    return static_cast<char*>(::operator new(capacity));
  }

  [[nodiscard]] std::size_t size() const noexcept { return free_.size(); }

  void give(char* block, std::size_t capacity) noexcept {
    if (free_.size() < max_free && (capacity_ == 0 || capacity_ == capacity)) {
      capacity_ = capacity;
      try {
        free_.push_back(block);
        return;
      } catch (const std::bad_alloc&) {
      }
    }
    ::operator delete(block);
  }

 private:
  static constexpr std::size_t max_free = 256;
  std::vector<char*> free_;
  std::size_t capacity_ = 0;
};

BufferPool& pool() {
  thread_local BufferPool instance;
  return instance;
}

}  // namespace

std::span<std::byte> InputBuffer::space() {
  if (data_ == nullptr) {
    data_ = pool().take(capacity_);
  }
  if (end_ == capacity_ && begin_ > 0) {
    std::memmove(data_, data_ + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return {reinterpret_cast<std::byte*>(data_ + end_), capacity_ - end_};  // NOLINT: bytes of chars
}

void InputBuffer::consume(std::size_t count) noexcept {
  begin_ += static_cast<std::uint32_t>(count);
  if (begin_ == end_) {
    begin_ = 0;
    end_ = 0;
  }
}

void InputBuffer::release() noexcept {
  if (data_ != nullptr && empty()) {
    pool().give(data_, capacity_);
    data_ = nullptr;
  }
}

std::size_t InputBuffer::pooled() noexcept { return pool().size(); }

std::size_t InputBuffer::fill(std::string_view bytes) {
  const std::span<std::byte> room = space();
  const std::size_t count = std::min(room.size(), bytes.size());
  std::memcpy(room.data(), bytes.data(), count);
  commit(count);
  return count;
}

}  // namespace httpd::http
