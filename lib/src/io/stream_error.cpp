// The error category of wakeful::io::stream_errc.

#include "wakeful/io/stream_error.hpp"

#include <string>

namespace wakeful::io {

namespace {
class StreamCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "wakeful.stream"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<stream_errc>(value)) {
      case stream_errc::write_zero:
        return "the writer accepted no bytes";
      case stream_errc::truncated_frame:
        return "the stream ended inside a frame";
      case stream_errc::frame_too_long:
        return "frame longer than the maximum";
      case stream_errc::not_same_stream:
        return "the halves belong to different streams";
    }
    return "unknown stream error";
  }
};
}  // namespace

const std::error_category& stream_category() noexcept {
  static const StreamCategory category;
  return category;
}

}  // namespace wakeful::io
