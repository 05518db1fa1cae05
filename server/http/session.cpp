// The HTTP/1.1 protocol engine.

#include "session.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "../log.hpp"
#include "../stats.hpp"
#include "date.hpp"
#include "head_check.hpp"
#include "uri.hpp"

namespace httpd::http {

namespace {

// Pipelined requests stop being answered once this much output waits; the connection writes it
// and calls process again, so a deep pipeline costs bounded memory.
constexpr std::size_t output_high_water = std::size_t{64} * 1024;

// Room in a request line for the method, the spaces and the version around a target of the
// longest size allowed (the longest method llhttp knows is 11 bytes).
constexpr std::size_t max_request_line_rest = 32;

// The type echoed back when the request has none.
constexpr std::string_view default_echo_type = "application/octet-stream";

// Header fields of the head being handled. Handlers run synchronously on the worker's thread,
// so one vector per thread serves every connection there.
std::vector<Header>& header_scratch() {
  thread_local std::vector<Header> headers;
  return headers;
}

// The path of a request target: origin-form as is, absolute-form without scheme and authority,
// asterisk-form as "*".
std::string_view path_of(std::string_view target) noexcept {
  if (target.starts_with("http://") || target.starts_with("https://")) {
    const std::size_t authority = target.find("//") + 2;
    const std::size_t slash = target.find('/', authority);
    return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  return target;
}

int status_for_parse_error(llhttp_errno_t error) noexcept { return error == HPE_INVALID_METHOD ? 501 : 400; }

}  // namespace

const llhttp_settings_t* Session::settings() noexcept {
  static const llhttp_settings_t callbacks = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_headers_complete = &Session::on_headers_complete;
    s.on_body = &Session::on_body;
    s.on_chunk_extension_name = &Session::on_chunk_extension;
    s.on_chunk_extension_value = &Session::on_chunk_extension;
    s.on_header_field = &Session::on_trailer;  // also called for the head's fields: ignored there
    s.on_header_value = &Session::on_trailer;
    s.on_message_complete = &Session::on_message_complete;
    return s;
  }();
  return &callbacks;
}

Session::Session(SessionOptions options) : options_(std::move(options)), requests_(options_.requests) {
  llhttp_init(&parser_, HTTP_REQUEST, settings());
  parser_.data = this;
}

int Session::on_headers_complete(llhttp_t* /*parser*/) { return HPE_PAUSED; }

int Session::on_message_complete(llhttp_t* /*parser*/) { return HPE_PAUSED; }

int Session::on_body(llhttp_t* parser, const char* at, std::size_t length) {
  auto* self = static_cast<Session*>(parser->data);
  self->body_bytes_ += length;
  if (self->body_bytes_ > self->options_.limits->max_body_bytes) {
    return self->refuse_in_body(413);
  }
  switch (self->sink_) {
    case BodySink::discard:
      break;
    case BodySink::echo_stream:
      self->body_output_->append(std::string_view(at, length));
      break;
    case BodySink::echo_buffer:
      self->echo_body_.append(at, length);
      break;
  }
  return HPE_OK;
}

int Session::on_chunk_extension(llhttp_t* parser, const char* /*at*/, std::size_t length) {
  return static_cast<Session*>(parser->data)->count_framing(length, 413);
}

int Session::on_trailer(llhttp_t* parser, const char* /*at*/, std::size_t length) {
  auto* self = static_cast<Session*>(parser->data);
  // The head's fields are checked and bounded before llhttp sees them; in the body phase, a
  // field is a trailer.
  return self->phase_ == Phase::body ? self->count_framing(length, 431) : HPE_OK;
}

int Session::refuse_in_body(int status) noexcept {
  body_error_status_ = status;
  return HPE_USER;
}

int Session::count_framing(std::size_t length, int status) noexcept {
  framing_bytes_ += length;
  return framing_bytes_ > options_.limits->max_header_bytes ? refuse_in_body(status) : HPE_OK;
}

SessionStatus Session::process(InputBuffer& input, Output& output) {
  date_ = http_date_now();  // one clock read for the whole batch of pipelined responses
  for (;;) {
    switch (phase_) {
      case Phase::head: {
        if (output.size() >= output_high_water) {
          return SessionStatus::output_full;
        }
        const SessionStatus status = process_head(input, output);
        if (status != SessionStatus::need_input || phase_ == Phase::head) {
          return status;  // closing, or the head is not all here yet
        }
        break;  // the head is handled: on to its body
      }
      case Phase::body: {
        const SessionStatus status = process_body(input, output);
        if (status != SessionStatus::need_input || phase_ == Phase::body) {
          return status;  // closing, or the body is not all here yet
        }
        break;  // the message is complete: on to the next
      }
      case Phase::closed:
        input.consume(input.unread().size());
        return SessionStatus::close;
    }
  }
}

SessionStatus Session::process_head(InputBuffer& input, Output& output) {
  std::string_view unread = input.unread();
  // RFC 9112 section 2.2: empty lines before a request line are ignored.
  while (unread.starts_with("\r\n")) {
    input.consume(2);
    unread.remove_prefix(2);
  }
  if (unread.empty() || unread == "\r") {
    return SessionStatus::need_input;
  }
  const Limits& limits = *options_.limits;
  // A request line this long can only hold an overlong target: refused as soon as it is seen,
  // whether or not its line end has arrived.
  const std::size_t line_end = unread.find("\r\n");
  const std::size_t line_length = line_end != std::string_view::npos ? line_end
                                  : unread.ends_with('\r')           ? unread.size() - 1  // its LF is on the way
                                                                     : unread.size();
  if (line_length > limits.max_uri_bytes + max_request_line_rest) {
    return fail(output, 414);
  }
  const HeadScanner::Result scan = scanner_.scan(unread, limits.max_uri_bytes);
  if (scan.state == HeadScanner::Result::State::invalid) {
    return fail(output, scan.status);
  }
  if (scan.state == HeadScanner::Result::State::incomplete) {
    if (unread.size() > limits.max_header_bytes || input.full()) {
      return fail(output, 431);
    }
    return SessionStatus::need_input;
  }
  scanner_.reset();
  if (scan.end > limits.max_header_bytes) {
    return fail(output, 431);
  }
  return start_request(unread.substr(0, scan.end), input, output);
}

SessionStatus Session::start_request(std::string_view head, InputBuffer& input, Output& output) {
  // The request line ends in "HTTP/" DIGIT "." DIGIT (the scanner checked it). RFC 9110 section
  // 6.2: another major version is refused (505); a later 1.x is answered as 1.1, the highest
  // this server supports. llhttp knows 1.0 and 1.1 only, so it is told "1.1".
  const std::size_t line_end = head.find("\r\n");
  if (head[line_end - 3] != '1') {
    return fail(output, 505);
  }
  // llhttp parses the whole head and pauses in on_headers_complete, right after it.
  llhttp_errno_t parsed = HPE_OK;
  if (head[line_end - 1] > '1') {
    static constexpr char minor = '1';
    parsed = llhttp_execute(&parser_, head.data(), line_end - 1);
    if (parsed == HPE_OK) {
      parsed = llhttp_execute(&parser_, &minor, 1);
    }
    if (parsed == HPE_OK) {
      parsed = llhttp_execute(&parser_, head.data() + line_end, head.size() - line_end);
    }
  } else {
    parsed = llhttp_execute(&parser_, head.data(), head.size());
  }
  if (parsed != HPE_PAUSED || llhttp_get_error_pos(&parser_) != head.data() + head.size()) {
    return fail(output, parsed == HPE_PAUSED ? 400 : status_for_parse_error(parsed));
  }
  llhttp_resume(&parser_);

  Request request;
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t first_space = request_line.find(' ');
  const std::size_t last_space = request_line.rfind(' ');
  request.method = request_line.substr(0, first_space);
  request.method_id = method_of(request.method);
  request.target = request_line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view path = path_of(request.target);
  const std::size_t question = path.find('?');
  request.path = path.substr(0, question);
  request.query = question == std::string_view::npos ? std::string_view() : path.substr(question + 1);
  if (parser_.http_major != 1) {
    return fail(output, 505);
  }
  request.version_minor = parser_.http_minor;
  http10_ = parser_.http_minor == 0;
  std::vector<Header>& headers = header_scratch();
  split_headers(head.substr(line_end + 2), headers);
  request.headers = headers;
  input.consume(head.size());  // the views stay valid: consuming never moves bytes

  // Host: exactly one in HTTP/1.1 (RFC 9112 section 3.2), at most one in 1.0, and valid.
  const auto hosts =
      std::count_if(headers.begin(), headers.end(), [](const Header& h) { return iequals(h.name, "host"); });
  if (hosts > 1 || (hosts == 0 && !http10_) || (hosts == 1 && !valid_host(*request.header("host")))) {
    return fail(output, 400);
  }
  // Framing. llhttp already refused Content-Length with Transfer-Encoding, a duplicate or
  // malformed Content-Length, and a Transfer-Encoding whose last coding is not chunked.
  if ((parser_.flags & F_TRANSFER_ENCODING) != 0) {
    if (http10_) {
      return fail(output, 400);  // RFC 9112 section 6.1: not trusted from an HTTP/1.0 client
    }
    // RFC 9112 section 6.3: a final coding other than chunked leaves the length unknown (400);
    // chunked after another coding asks for a decoder this server does not have (501).
    int codings = 0;
    int chunked_codings = 0;
    std::string_view last;
    for (const Header& h : headers) {
      if (iequals(h.name, "transfer-encoding")) {
        for_each_element(h.value, [&](std::string_view coding) {
          ++codings;
          chunked_codings += iequals(coding, "chunked") ? 1 : 0;
          last = coding;
        });
      }
    }
    if (!iequals(last, "chunked") || (parser_.flags & F_CHUNKED) == 0 || chunked_codings > 1) {
      return fail(output, 400);
    }
    if (codings > 1) {
      return fail(output, 501);
    }
    request.chunked = true;
  }
  if ((parser_.flags & F_CONTENT_LENGTH) != 0) {
    request.content_length = parser_.content_length;
  }
  request.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  const bool upgrade = parser_.upgrade != 0 || request.method == "CONNECT";

  bool expect_continue = false;
  if (const auto expect = request.header("expect")) {
    if (!iequals(*expect, "100-continue")) {
      return fail(output, 417);
    }
    expect_continue = request.has_body();
  }
  if (request.content_length.value_or(0) > options_.limits->max_body_bytes) {
    return fail(output, 413);
  }

  ++requests_;
  const std::size_t max_requests = options_.limits->max_requests_per_connection;
  keep_alive_ = request.keep_alive && !upgrade && !draining() && (max_requests == 0 || requests_ < max_requests);
  if (options_.access_log) {
    log_request_.assign(request.method);
    log_request_ += ' ';
    log_request_ += request.target;
    log_request_ += http10_ ? " HTTP/1.0" : " HTTP/1.1";
  }

  Response response = options_.handler->handle(request);
  keep_alive_ = keep_alive_ && !response.close;
  body_bytes_ = 0;
  framing_bytes_ = 0;
  responded_ = true;
  sink_ = BodySink::discard;
  if (response.echo_request_body && request.has_body()) {
    if (expect_continue && input.empty()) {
      output.append(continue_response);
    }
    echo_type_ = request.header("content-type").value_or(default_echo_type);
    response.content_type = echo_type_;
    if (request.content_length) {
      // The length is known: the head goes now and the body streams back as it arrives.
      response.length_without_body = *request.content_length;
      respond(output, response, false);
      sink_ = BodySink::echo_stream;
      body_output_ = &output;
    } else {
      // Chunked: buffered (bounded by the body limit) until its length is known.
      sink_ = BodySink::echo_buffer;
      responded_ = false;
    }
  } else {
    if (expect_continue) {
      // A final answer without 100 Continue: the client may never send the body, so the
      // connection cannot wait for it and closes after this response (RFC 9110 section 10.1.1).
      keep_alive_ = false;
    }
    respond(output, response, request.method_id == Method::head);
    if (expect_continue) {
      phase_ = Phase::closed;
      return SessionStatus::close;
    }
  }
  phase_ = Phase::body;  // also for no body: llhttp then completes the message at once
  return SessionStatus::need_input;
}

SessionStatus Session::process_body(InputBuffer& input, Output& output) {
  static constexpr char nothing = 0;
  const std::string_view unread = input.unread();
  const char* start = unread.empty() ? &nothing : unread.data();
  body_output_ = &output;
  const llhttp_errno_t parsed = llhttp_execute(&parser_, start, unread.size());
  if (parsed == HPE_OK) {
    input.consume(unread.size());
    return SessionStatus::need_input;
  }
  if (parsed == HPE_PAUSED || parsed == HPE_PAUSED_UPGRADE) {
    input.consume(static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - start));
    if (parsed == HPE_PAUSED) {
      llhttp_resume(&parser_);
    } else {
      llhttp_resume_after_upgrade(&parser_);
      keep_alive_ = false;  // upgrades are not supported: answered, then closed
    }
    return finish_request(output);
  }
  input.consume(unread.size());
  if (responded_) {
    // Its response is out already; a broken body can only end the connection.
    phase_ = Phase::closed;
    return SessionStatus::close;
  }
  return fail(output, parsed == HPE_USER ? body_error_status_ : status_for_parse_error(parsed));
}

SessionStatus Session::finish_request(Output& output) {
  if (!responded_) {  // a chunked echo, now complete
    Response response;
    response.content_type = echo_type_;
    response.body = std::move(echo_body_);
    respond(output, response, false);
    echo_body_ = std::string();
  }
  responded_ = false;
  sink_ = BodySink::discard;
  log_request_.clear();
  if (!keep_alive_) {
    phase_ = Phase::closed;
    return SessionStatus::close;
  }
  phase_ = Phase::head;
  return SessionStatus::need_input;
}

SessionStatus Session::fail(Output& output, int status) {
  if (!responded_) {
    Response response = Response::error(status);
    keep_alive_ = false;
    if (options_.access_log && log_request_.empty()) {
      log_request_.assign(1, '-');  // no request line could be read
    }
    respond(output, response, false);
  }
  phase_ = Phase::closed;
  return SessionStatus::close;
}

void Session::timed_out(const InputBuffer& input, Output& output) {
  if (phase_ == Phase::closed) {
    return;
  }
  if (!idle(input) && !(phase_ == Phase::body && responded_)) {
    date_ = http_date_now();
    fail(output, 408);
  }
  phase_ = Phase::closed;
}

void Session::respond(Output& output, Response& response, bool head_only) {
  const Framing framing{keep_alive_, http10_, head_only, date_};
  const std::uint64_t length = response.content_length();
  write_response(output, response, framing);
  if (options_.stats != nullptr) {
    options_.stats->count_response(response.status);
  }
  if (options_.access_log) {
    log_access(response.status, head_only ? 0 : length);
  }
}

void Session::log_access(int status, std::uint64_t length) {
  std::string line = options_.peer.empty() ? std::string("-") : options_.peer;
  line += " \"";
  line += log_request_;
  line += "\" ";
  line += std::to_string(status);
  line += ' ';
  line += std::to_string(length);
  log(LogLevel::info, line);
}

}  // namespace httpd::http
