#pragma once
// A byte stream of the test's own, written the way a user would write one: two connected ends in
// memory, each an io::AsyncRead and io::AsyncWrite with no help from wakeful beyond the concepts.
// Each direction is a bounded queue (writes wait when it is full, reads when it is empty), and
// `max_read` caps what one read returns, so that tests can cut the bytes at chosen places.

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <system_error>
#include <utility>

#include "wakeful/context.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"
#include "wakeful/waker.hpp"

namespace wakeful::test {

/// One end of an in-memory duplex stream; see the top of this header. Thread safe.
class MemoryStream {
 public:
  /// Two connected ends; each direction holds at most `capacity` bytes, and a read returns at
  /// most `max_read` bytes.
  static std::pair<MemoryStream, MemoryStream> pair(std::size_t capacity = std::size_t{64} * 1024,
                                                    std::size_t max_read = static_cast<std::size_t>(-1)) {
    auto a_to_b = std::make_shared<Pipe>(capacity);
    auto b_to_a = std::make_shared<Pipe>(capacity);
    return {MemoryStream(b_to_a, a_to_b, max_read), MemoryStream(a_to_b, b_to_a, max_read)};
  }

  MemoryStream(MemoryStream&&) noexcept = default;
  MemoryStream& operator=(MemoryStream&&) noexcept = default;
  MemoryStream(const MemoryStream&) = delete;
  MemoryStream& operator=(const MemoryStream&) = delete;
  ~MemoryStream() {
    if (out_) {
      out_->close_writer();
    }
    if (in_) {
      in_->close_reader();
    }
  }

  Poll<io::Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer) {
    ++reads_;
    return in_->poll_read(cx, buffer.first(std::min(buffer.size(), max_read_)));
  }
  Poll<io::Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data) {
    ++writes_;
    return out_->poll_write(cx, data);
  }
  Poll<io::Result<void>> poll_flush(Context& /*cx*/) {
    ++flushes_;
    return Poll<io::Result<void>>(std::in_place);
  }
  Poll<io::Result<void>> poll_shutdown(Context& /*cx*/) {
    out_->close_writer();
    return Poll<io::Result<void>>(std::in_place);
  }

  /// Calls of poll_read, poll_write and poll_flush so far.
  [[nodiscard]] int reads() const noexcept { return reads_; }
  [[nodiscard]] int writes() const noexcept { return writes_; }
  [[nodiscard]] int flushes() const noexcept { return flushes_; }

 private:
  class Pipe {
   public:
    explicit Pipe(std::size_t capacity) : capacity_(capacity) {}

    Poll<io::Result<std::size_t>> poll_read(Context& cx, std::span<std::byte> buffer) {
      std::unique_lock lock(mutex_);
      if (bytes_.empty() && !buffer.empty()) {
        if (writer_closed_) {
          return Poll<io::Result<std::size_t>>(std::in_place, std::size_t{0});
        }
        reader_ = cx.waker();
        return Pending;
      }
      const std::size_t n = std::min(buffer.size(), bytes_.size());
      std::copy_n(bytes_.begin(), n, buffer.begin());
      bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(n));
      Waker writer = std::exchange(writer_, Waker());
      lock.unlock();
      writer.wake_by_ref();
      return Poll<io::Result<std::size_t>>(std::in_place, n);
    }

    Poll<io::Result<std::size_t>> poll_write(Context& cx, std::span<const std::byte> data) {
      std::unique_lock lock(mutex_);
      if (writer_closed_ || reader_closed_) {
        return Poll<io::Result<std::size_t>>(std::in_place, std::make_error_code(std::errc::broken_pipe));
      }
      const std::size_t n = std::min(data.size(), capacity_ - bytes_.size());
      if (n == 0 && !data.empty()) {
        writer_ = cx.waker();
        return Pending;
      }
      bytes_.insert(bytes_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
      Waker reader = std::exchange(reader_, Waker());
      lock.unlock();
      reader.wake_by_ref();
      return Poll<io::Result<std::size_t>>(std::in_place, n);
    }

    void close_writer() {
      std::unique_lock lock(mutex_);
      writer_closed_ = true;
      Waker reader = std::exchange(reader_, Waker());
      lock.unlock();
      reader.wake_by_ref();
    }
    void close_reader() {
      std::unique_lock lock(mutex_);
      reader_closed_ = true;
      Waker writer = std::exchange(writer_, Waker());
      lock.unlock();
      writer.wake_by_ref();
    }

   private:
    std::mutex mutex_;
    std::deque<std::byte> bytes_;
    std::size_t capacity_;
    bool writer_closed_ = false;
    bool reader_closed_ = false;
    Waker reader_;  // noop when nobody waits
    Waker writer_;
  };

  MemoryStream(std::shared_ptr<Pipe> in, std::shared_ptr<Pipe> out, std::size_t max_read)
      : in_(std::move(in)), out_(std::move(out)), max_read_(max_read) {}

  std::shared_ptr<Pipe> in_;
  std::shared_ptr<Pipe> out_;
  std::size_t max_read_;
  int reads_ = 0;
  int writes_ = 0;
  int flushes_ = 0;
};

}  // namespace wakeful::test
