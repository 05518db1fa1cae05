#pragma once
// codec::Decoder and codec::Encoder: how Framed turns bytes into frames and frames into bytes
// (tokio-util's Decoder and Encoder traits, as concepts).
//
// A decoder is handed the bytes read so far; it takes one frame from the front (consuming its
// bytes) or says it needs more, and may keep state between calls (a length already parsed).
// A decoder that must not trust its input bounds what it buffers: it fails with
// io::stream_errc::frame_too_long instead of waiting for (or allocating) a frame the peer
// merely claims. An encoder appends a frame's bytes to the output buffer.

#include <concepts>
#include <optional>
#include <utility>

#include "wakeful/io/byte_buffer.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/io/stream_error.hpp"

namespace wakeful::codec {

/// Frames of type `D::Item` out of bytes: `decode(src)` is a frame (its bytes consumed from
/// `src`), std::nullopt when `src` holds no complete frame yet, or an error (the stream of
/// frames then ends). A decoder may also have `decode_eof(src)`, called once the stream has
/// ended (see codec::decode_eof for what happens without one).
template <class D>
concept Decoder = requires(D& decoder, io::ByteBuffer& src) {
  typename D::Item;
  { decoder.decode(src) } -> std::same_as<io::Result<std::optional<typename D::Item>>>;
};

/// Frames of type `Item` into bytes: `encode(item, dst)` appends the frame's bytes to `dst`,
/// or fails (then appends nothing).
template <class E, class Item>
concept Encoder = requires(E& encoder, Item&& item, io::ByteBuffer& dst) {
  { encoder.encode(std::forward<Item>(item), dst) } -> std::same_as<io::Result<void>>;
};

/// Decodes what is left once the stream has ended: the decoder's own decode_eof when it has
/// one; otherwise a frame if decode finds one, the end (std::nullopt) when no byte is left,
/// and io::stream_errc::truncated_frame when bytes are left that make no frame (the peer went
/// away mid-frame).
template <Decoder D>
io::Result<std::optional<typename D::Item>> decode_eof(D& decoder, io::ByteBuffer& src) {
  if constexpr (requires { decoder.decode_eof(src); }) {
    return decoder.decode_eof(src);
  } else {
    io::Result<std::optional<typename D::Item>> frame = decoder.decode(src);
    if (!frame || frame->has_value() || src.empty()) {
      return frame;
    }
    return make_error_code(io::stream_errc::truncated_frame);
  }
}

}  // namespace wakeful::codec
