#pragma once
// Session: HTTP/1.1 on one connection, as a pure protocol engine. It takes the bytes read from
// the socket and appends the responses to an Output; the connection does the I/O and the
// timeouts. Keeping it free of I/O is what lets tests and the fuzzer drive it byte by byte.
//
// Parsing is llhttp's, strictly: every request head is first checked on its raw bytes (see
// head_check.hpp), then given to llhttp whole, which pauses when the head is complete; the
// session checks the semantics (Host, framing, Expect), asks the handler for the response, and
// resumes llhttp for the body. llhttp pauses again when the message is complete and parsing of
// the next pipelined request resumes exactly there (llhttp_get_error_pos). Responses to
// pipelined requests are appended in order and leave in one write.
//
// Request smuggling: a message is refused with 400 and the connection closed whenever a front
// proxy and this server could disagree about where it ends: Content-Length together with
// Transfer-Encoding, duplicate or malformed Content-Length, a Transfer-Encoding that is not
// exactly one final "chunked" (other codings: 501), bad chunk sizes, a bare CR or LF, obs-fold,
// and HTTP/1.1 without exactly one valid Host.
//
// Chunk extensions and trailer fields, which nothing here uses, count together against the
// head's limit (max_header_bytes), per request: 413 for extensions, 431 for trailers beyond it.

#include <llhttp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../config.hpp"
#include "head_check.hpp"
#include "input_buffer.hpp"
#include "output.hpp"
#include "request.hpp"
#include "response.hpp"

namespace httpd {
struct WorkerStats;
}  // namespace httpd

namespace httpd::http {

/// Answers requests. Called with the head only; a body is the Session's business.
class RequestHandler {
 public:
  RequestHandler() = default;
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;
  virtual ~RequestHandler() = default;
  /// The response to `request` (a head whose syntax and framing are valid).
  virtual Response handle(const Request& request) = 0;
};

/// What the connection should do after Session::process.
enum class SessionStatus {
  need_input,   ///< write what is in the output, then read more
  output_full,  ///< write what is in the output, then call process again before reading
  close,        ///< write what is in the output, then close the connection
};

/// Everything a Session needs from its server.
struct SessionOptions {
  const Limits* limits = nullptr;
  RequestHandler* handler = nullptr;
  WorkerStats* stats = nullptr;                 ///< counts responses, if set
  const std::atomic<bool>* draining = nullptr;  ///< when true, responses close the connection
  bool access_log = false;
  std::string peer;  ///< the client's address, for the access log
  /// Requests the connection answered before this session began (a connection makes a session
  /// for each busy period, so that an idle connection holds no parser): counts against
  /// max_requests_per_connection.
  std::size_t requests = 0;
};

class Session {
 public:
  explicit Session(SessionOptions options);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() = default;

  /// Parses what `input` holds, consuming it, and appends the responses to `output`.
  SessionStatus process(InputBuffer& input, Output& output);

  /// The read timeout expired: answers 408 if a request was under way. The connection closes.
  void timed_out(const InputBuffer& input, Output& output);

  /// True between requests, with no byte of the next one read: the keep-alive idle state.
  [[nodiscard]] bool idle(const InputBuffer& input) const noexcept { return phase_ == Phase::head && input.empty(); }

  /// True while no request head is complete, i.e. not reading a body.
  [[nodiscard]] bool in_head() const noexcept { return phase_ == Phase::head; }

  /// True once the connection must close (after its output is written).
  [[nodiscard]] bool closing() const noexcept { return phase_ == Phase::closed; }

  /// Requests answered so far.
  [[nodiscard]] std::size_t requests() const noexcept { return requests_; }

 private:
  enum class Phase : std::uint8_t { head, body, closed };
  enum class BodySink : std::uint8_t { discard, echo_stream, echo_buffer };

  static int on_headers_complete(llhttp_t* parser);
  static int on_body(llhttp_t* parser, const char* at, std::size_t length);
  static int on_chunk_extension(llhttp_t* parser, const char* at, std::size_t length);
  static int on_trailer(llhttp_t* parser, const char* at, std::size_t length);
  static int on_message_complete(llhttp_t* parser);
  static const llhttp_settings_t* settings() noexcept;

  SessionStatus process_head(InputBuffer& input, Output& output);
  SessionStatus start_request(std::string_view head, InputBuffer& input, Output& output);
  SessionStatus process_body(InputBuffer& input, Output& output);
  SessionStatus finish_request(Output& output);
  SessionStatus fail(Output& output, int status);
  int refuse_in_body(int status) noexcept;
  int count_framing(std::size_t length, int status) noexcept;
  void respond(Output& output, Response& response, bool head_only);
  void log_access(int status, std::uint64_t length);
  [[nodiscard]] bool draining() const noexcept {
    return options_.draining != nullptr && options_.draining->load(std::memory_order_relaxed);
  }

  SessionOptions options_;
  llhttp_t parser_{};
  Phase phase_ = Phase::head;
  HeadScanner scanner_;  // the head under way, checked line by line as it arrives
  std::size_t requests_ = 0;

  // The request under way.
  BodySink sink_ = BodySink::discard;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool responded_ = false;  // its response is in the output already
  std::uint64_t body_bytes_ = 0;
  std::size_t framing_bytes_ = 0;  // chunk extensions and trailer fields, against max_header_bytes
  int body_error_status_ = 0;      // why a callback stopped llhttp (HPE_USER)
  std::string echo_body_;          // a chunked /echo body, until its length is known
  std::string echo_type_;          // its Content-Type
  std::string log_request_;        // "METHOD target HTTP/1.x", with --access-log
  Output* body_output_ = nullptr;  // where on_body streams an echo
  std::string_view date_;          // the Date of this batch of responses
};

}  // namespace httpd::http
