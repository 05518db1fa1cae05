#pragma once
// io::stream_errc: the errors of the byte-stream toolbox (copies, splits, buffers, framing), as
// opposed to the system's errors, which the streams under them report with their own codes.

#include <system_error>
#include <type_traits>

namespace wakeful::io {

/// Errors that the stream utilities report.
enum class stream_errc {
  write_zero = 1,   ///< a writer accepted none of the bytes it was offered (and never will)
  truncated_frame,  ///< the stream ended inside a frame: the peer went away mid-message
  frame_too_long,   ///< a frame (or line) is longer than the codec's maximum
  not_same_stream,  ///< reunite was given halves of two different streams
};

/// The category of `io::stream_errc` ("wakeful.stream").
const std::error_category& stream_category() noexcept;

/// Makes an error_code of the stream category.
inline std::error_code make_error_code(stream_errc e) noexcept { return {static_cast<int>(e), stream_category()}; }

}  // namespace wakeful::io

/// \cond
// Makes io::stream_errc convert to std::error_code (Doxygen cannot place a specialisation of std::).
template <>
struct std::is_error_code_enum<wakeful::io::stream_errc> : std::true_type {};
/// \endcond
