#pragma once
// Output: the bytes a connection owes its peer, in order: owned bytes (response heads, small
// bodies), static bytes (fixed bodies), and file ranges (sent with sendfile). Pipelined
// responses pile up here and go out in one vectored write.

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace httpd::http {

/// An open file shared by the responses that send parts of it.
struct OpenFile {
  explicit OpenFile(int descriptor) noexcept : fd(descriptor) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();
  int fd;
};

class Output {
 public:
  /// A piece of output: bytes owned by the Output, static bytes, or a range of a file.
  struct Piece {
    enum class Kind { owned, external, file } kind;
    std::size_t offset;  // owned: into the owned bytes; file: into the file
    const char* data;    // external
    std::size_t length;
    std::shared_ptr<OpenFile> file;
  };

  /// Appends a copy of `bytes`.
  void append(std::string_view bytes);
  /// Appends bytes that outlive the Output (string literals).
  void append_external(std::string_view bytes);
  /// Appends `length` bytes of `file` from `offset`.
  void append_file(std::shared_ptr<OpenFile> file, off_t offset, std::size_t length);
  /// Appends the decimal form of `value`.
  void append_number(std::size_t value);
  /// Appends `length` bytes that the caller writes at the returned address before the next
  /// call to the Output (one bookkeeping step for a whole response head).
  [[nodiscard]] char* append_space(std::size_t length);

  [[nodiscard]] bool empty() const noexcept { return pieces_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return pending_; }
  /// The memory kept for owned bytes and pieces, in bytes.
  [[nodiscard]] std::size_t capacity_bytes() const noexcept {
    return owned_capacity_ + pieces_.capacity() * sizeof(Piece);
  }

  /// The first piece, or nullptr.
  [[nodiscard]] const Piece* front() const noexcept { return pieces_.empty() ? nullptr : &pieces_[first_]; }
  /// The bytes of an owned or external piece, from `skip` on.
  [[nodiscard]] std::string_view bytes(const Piece& piece) const noexcept;
  /// The pieces still to send, oldest first.
  [[nodiscard]] const Piece* begin() const noexcept { return pieces_.data() + first_; }
  [[nodiscard]] const Piece* end() const noexcept { return pieces_.data() + pieces_.size(); }

  /// Drops the first `count` bytes (sent).
  void consume(std::size_t count) noexcept;

  /// Frees the memory kept for the next responses (an idle connection holds none).
  void release() noexcept;

 private:
  void add_owned(std::size_t offset, std::size_t length);

  // Owned bytes: grown without being zeroed first, which std::string cannot do.
  std::unique_ptr<char[]> owned_;
  std::size_t owned_size_ = 0;
  std::size_t owned_capacity_ = 0;
  std::vector<Piece> pieces_;
  std::size_t first_ = 0;
  std::size_t pending_ = 0;
};

}  // namespace httpd::http
