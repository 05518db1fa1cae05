#pragma once
// codec::LengthDelimitedCodec: frames of bytes, each behind a header that gives its length
// (tokio-util's LengthDelimitedCodec).

#include <bit>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "wakeful/io/byte_buffer.hpp"
#include "wakeful/io/result.hpp"

namespace wakeful::codec {

/// Each frame is a length field (by default 4 bytes, big-endian) followed by that many bytes
/// of payload; the frame type is the payload. A length over the maximum is an
/// io::stream_errc::frame_too_long error as soon as the header is read: nothing is allocated
/// or awaited for what the peer claims. The end of the stream between frames ends the stream
/// of frames; inside one (a header or payload cut short) it is io::stream_errc::truncated_frame.
class LengthDelimitedCodec {
 public:
  /// The frame type: the payload.
  using Item = std::vector<std::byte>;

  /// The wire format and the limit.
  struct Options {
    std::size_t max_frame_length = std::size_t{8} * 1024 * 1024;  ///< the longest payload accepted (tokio's default)
    std::size_t length_field_bytes = 4;                           ///< the header's size: 1 to 8 bytes
    std::endian byte_order = std::endian::big;                    ///< the header's byte order (network order)
  };

  /// The default format: 4-byte big-endian lengths, payloads up to 8 MiB.
  LengthDelimitedCodec() noexcept = default;
  /// The format of `options`; throws std::invalid_argument when length_field_bytes is not 1..8.
  explicit LengthDelimitedCodec(const Options& options);

  /// The format and limit.
  [[nodiscard]] const Options& options() const noexcept { return options_; }

  /// The next payload, std::nullopt until it has fully come, or frame_too_long.
  io::Result<std::optional<Item>> decode(io::ByteBuffer& src);
  /// As decode, then the end (nothing left) or truncated_frame (a frame begun, not finished).
  io::Result<std::optional<Item>> decode_eof(io::ByteBuffer& src);
  /// Appends the header and `payload`; frame_too_long when the payload exceeds the maximum or
  /// what the length field can express.
  io::Result<void> encode(std::span<const std::byte> payload, io::ByteBuffer& dst);

 private:
  Options options_;
  std::optional<std::size_t> payload_length_;  // the header of the frame in progress, once read
};

}  // namespace wakeful::codec
