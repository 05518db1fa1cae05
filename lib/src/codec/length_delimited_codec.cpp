// LengthDelimitedCodec: the header is parsed once and its length checked before any payload is
// waited for.

#include "wakeful/codec/length_delimited_codec.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

#include "wakeful/io/stream_error.hpp"

namespace wakeful::codec {

LengthDelimitedCodec::LengthDelimitedCodec(const Options& options) : options_(options) {
  if (options.length_field_bytes < 1 || options.length_field_bytes > 8) {
    throw std::invalid_argument("wakeful: LengthDelimitedCodec length fields are 1 to 8 bytes");
  }
}

io::Result<std::optional<LengthDelimitedCodec::Item>> LengthDelimitedCodec::decode(io::ByteBuffer& src) {
  const std::size_t field = options_.length_field_bytes;
  if (!payload_length_) {
    if (src.size() < field) {
      return std::optional<Item>();
    }
    const std::span<const std::byte> header = src.data().first(field);
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < field; ++i) {
      const std::size_t at = options_.byte_order == std::endian::big ? i : field - 1 - i;
      length = (length << 8U) | std::to_integer<std::uint64_t>(header[at]);
    }
    if (length > options_.max_frame_length) {
      return make_error_code(io::stream_errc::frame_too_long);
    }
    src.consume(field);
    payload_length_ = static_cast<std::size_t>(length);
  }
  if (src.size() < *payload_length_) {
    return std::optional<Item>();
  }
  const std::span<const std::byte> payload = src.data().first(*payload_length_);
  Item frame(payload.begin(), payload.end());
  src.consume(payload.size());
  payload_length_.reset();
  return std::optional<Item>(std::move(frame));
}

io::Result<std::optional<LengthDelimitedCodec::Item>> LengthDelimitedCodec::decode_eof(io::ByteBuffer& src) {
  io::Result<std::optional<Item>> frame = decode(src);
  if (!frame || frame->has_value()) {
    return frame;
  }
  if (payload_length_ || !src.empty()) {
    return make_error_code(io::stream_errc::truncated_frame);
  }
  return frame;
}

io::Result<void> LengthDelimitedCodec::encode(std::span<const std::byte> payload, io::ByteBuffer& dst) {
  const std::size_t field = options_.length_field_bytes;
  const bool fits_field = field == 8 || payload.size() < (std::uint64_t{1} << (8 * field));
  if (payload.size() > options_.max_frame_length || !fits_field) {
    return make_error_code(io::stream_errc::frame_too_long);
  }
  std::array<std::byte, 8> header{};
  auto length = static_cast<std::uint64_t>(payload.size());
  for (std::size_t i = 0; i < field; ++i) {
    const std::size_t at = options_.byte_order == std::endian::big ? field - 1 - i : i;
    header[at] = static_cast<std::byte>(length & 0xFFU);
    length >>= 8U;
  }
  dst.reserve(field + payload.size());
  dst.append(std::span<const std::byte>(header).first(field));
  dst.append(payload);
  return {};
}

}  // namespace wakeful::codec
