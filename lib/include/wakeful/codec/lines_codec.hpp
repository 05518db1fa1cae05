#pragma once
// codec::LinesCodec: lines of text as frames (tokio-util's LinesCodec).

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "wakeful/io/byte_buffer.hpp"
#include "wakeful/io/result.hpp"

namespace wakeful::codec {

/// Splits bytes into lines at '\n', each frame without its "\n" or "\r\n", and writes frames
/// as lines ending in '\n'. With a maximum length, a line longer than that (not counting its
/// "\n") is an io::stream_errc::frame_too_long error as soon as that many bytes have come
/// without a '\n': no more than the maximum (plus one read) is ever buffered. At the end of the
/// stream an unterminated last line is still a frame. Bytes are not checked for UTF-8.
class LinesCodec {
 public:
  /// The frame type.
  using Item = std::string;

  /// Lines of any length (for trusted input only).
  LinesCodec() = default;
  /// Lines of at most `max_length` bytes.
  explicit LinesCodec(std::size_t max_length) noexcept : max_length_(max_length) {}

  /// The longest line accepted.
  [[nodiscard]] std::size_t max_length() const noexcept { return max_length_; }

  /// The next line, std::nullopt until a '\n' has come, or frame_too_long.
  io::Result<std::optional<std::string>> decode(io::ByteBuffer& src);
  /// As decode, then the unterminated rest as a last line.
  io::Result<std::optional<std::string>> decode_eof(io::ByteBuffer& src);
  /// Appends `line` and a '\n'. Fails with std::errc::invalid_argument when `line` holds a
  /// '\n' (it would arrive as two lines) and with frame_too_long when it exceeds the maximum.
  io::Result<void> encode(std::string_view line, io::ByteBuffer& dst);

 private:
  std::size_t max_length_ = std::numeric_limits<std::size_t>::max();
  std::size_t searched_ = 0;  // bytes at the front of the buffer known to hold no '\n'
};

}  // namespace wakeful::codec
