// LinesCodec: a '\n' search that never looks at a byte twice, bounded by the maximum length.

#include "wakeful/codec/lines_codec.hpp"

#include <algorithm>
#include <system_error>

#include "wakeful/io/stream_error.hpp"

namespace wakeful::codec {

namespace {
// `text` without a trailing '\r'.
std::string without_carriage_return(std::string_view text) {
  if (!text.empty() && text.back() == '\r') {
    text.remove_suffix(1);
  }
  return std::string(text);
}
}  // namespace

io::Result<std::optional<std::string>> LinesCodec::decode(io::ByteBuffer& src) {
  const std::string_view text = src.text();
  // A line of max_length_ bytes has its '\n' at index max_length_ at the latest.
  const std::size_t limit = max_length_ < text.size() ? max_length_ + 1 : text.size();
  const std::size_t newline = text.substr(0, limit).find('\n', std::min(searched_, limit));
  if (newline == std::string_view::npos) {
    if (text.size() > max_length_) {
      return make_error_code(io::stream_errc::frame_too_long);
    }
    searched_ = text.size();
    return std::optional<std::string>();
  }
  std::string line = without_carriage_return(text.substr(0, newline));
  src.consume(newline + 1);
  searched_ = 0;
  return std::optional<std::string>(std::move(line));
}

io::Result<std::optional<std::string>> LinesCodec::decode_eof(io::ByteBuffer& src) {
  io::Result<std::optional<std::string>> line = decode(src);
  if (!line || line->has_value() || src.empty()) {
    return line;
  }
  std::string last = without_carriage_return(src.text());
  src.clear();
  searched_ = 0;
  return std::optional<std::string>(std::move(last));
}

io::Result<void> LinesCodec::encode(std::string_view line, io::ByteBuffer& dst) {
  if (line.find('\n') != std::string_view::npos) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (line.size() > max_length_) {
    return make_error_code(io::stream_errc::frame_too_long);
  }
  dst.reserve(line.size() + 1);
  dst.append(line);
  dst.append(std::string_view("\n"));
  return {};
}

}  // namespace wakeful::codec
