#pragma once
// Responses: what a handler returns, and how it is framed on the wire.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "output.hpp"

namespace httpd::http {

/// What a route answers.
struct Response {
  int status = 200;
  std::string_view content_type;  ///< empty: no Content-Type
  std::string headers;            ///< extra header lines, each ending in CRLF

  // The body: at most one of these is set.
  std::string_view static_body;    ///< bytes that outlive the response (literals)
  std::string body;                ///< bytes the response owns
  std::shared_ptr<OpenFile> file;  ///< a range of an open file, sent with sendfile
  std::uint64_t file_offset = 0;
  std::uint64_t file_length = 0;
  /// A Content-Length with no body to send (a 304 states the length a 200 would have).
  std::optional<std::uint64_t> length_without_body;
  /// The body is the request's own (the /echo route), streamed back as it arrives.
  bool echo_request_body = false;

  bool close = false;  ///< close the connection after this response

  /// The Content-Length to announce.
  [[nodiscard]] std::uint64_t content_length() const noexcept;

  /// A response of `content_type` whose body outlives it.
  static Response fixed(int status, std::string_view content_type, std::string_view static_body);
  /// A text/plain response whose body outlives it.
  static Response text(int status, std::string_view static_text);
  /// A short text/plain response saying what `status` means ("Not Found\n").
  static Response error(int status);
};

/// How a response is framed for its request.
struct Framing {
  bool keep_alive = true;  ///< the connection stays open after it
  bool http10 = false;     ///< the request was HTTP/1.0 (keep-alive must then be stated)
  bool head_only = false;  ///< a HEAD request: the head, with the Content-Length of the body
  std::string_view date;   ///< the Date value (empty: http_date_now())
};

/// The reason phrase of `status` ("Not Found").
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

/// Appends the status line and the header fields of `response` with Server, Date,
/// Content-Length and Connection as `framing` says, and the blank line.
void write_head(Output& out, const Response& response, const Framing& framing, std::uint64_t content_length);

/// Appends the whole response (no body for HEAD, 1xx, 204 and 304).
void write_response(Output& out, Response& response, const Framing& framing);

/// The interim response to `Expect: 100-continue`.
inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

/// The value of the Server header.
inline constexpr std::string_view server_name = "wakeful-httpd";

}  // namespace httpd::http
