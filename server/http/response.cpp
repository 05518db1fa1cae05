// Response framing.

#include "response.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>

#include "date.hpp"

namespace httpd::http {

namespace {

// Bodies this small are copied next to the head: one iovec instead of two.
constexpr std::size_t copy_body_below = 1024;

std::string_view status_line(int status) noexcept {
  switch (status) {
    case 200:
      return "HTTP/1.1 200 OK\r\n";
    case 206:
      return "HTTP/1.1 206 Partial Content\r\n";
    case 304:
      return "HTTP/1.1 304 Not Modified\r\n";
    case 404:
      return "HTTP/1.1 404 Not Found\r\n";
    default:
      return {};
  }
}

}  // namespace

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::uint64_t Response::content_length() const noexcept {
  if (length_without_body) {
    return *length_without_body;
  }
  if (file) {
    return file_length;
  }
  return static_body.empty() ? body.size() : static_body.size();
}

Response Response::fixed(int status, std::string_view content_type, std::string_view static_body) {
  Response r;
  r.status = status;
  r.content_type = content_type;
  r.static_body = static_body;
  return r;
}

Response Response::text(int status, std::string_view static_text) {
  return fixed(status, "text/plain; charset=utf-8", static_text);
}

Response Response::error(int status) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = reason_phrase(status);
  r.body += '\n';
  return r;
}

namespace {

// Appends the head, and `inline_body` right after it, with one bookkeeping step: the pieces are
// measured first, then copied into one block of the output.
void write_head_and(Output& out, const Response& response, const Framing& framing, std::uint64_t content_length,
                    std::string_view inline_body) {
  char status_buffer[64];
  std::string_view status = status_line(response.status);
  if (status.empty()) {
    const int n =
        std::snprintf(status_buffer, sizeof status_buffer, "HTTP/1.1 %d %.*s\r\n", response.status,
                      static_cast<int>(reason_phrase(response.status).size()), reason_phrase(response.status).data());
    status = std::string_view(status_buffer, static_cast<std::size_t>(n));
  }
  char length_digits[24];
  const auto [length_end, error] = std::to_chars(length_digits, length_digits + sizeof length_digits, content_length);
  (void)error;
  const std::string_view length(length_digits, static_cast<std::size_t>(length_end - length_digits));
  constexpr std::string_view server_and_date = "Server: wakeful-httpd\r\nDate: ";
  constexpr std::string_view type_field = "\r\nContent-Type: ";
  constexpr std::string_view length_field = "\r\nContent-Length: ";
  const std::string_view connection = !framing.keep_alive ? std::string_view("Connection: close\r\n")
                                      : framing.http10    ? std::string_view("Connection: keep-alive\r\n")
                                                          : std::string_view();
  const std::string_view date = framing.date.empty() ? http_date_now() : framing.date;
  const bool typed = !response.content_type.empty();
  const std::size_t total = status.size() + server_and_date.size() + date.size() +
                            (typed ? type_field.size() + response.content_type.size() : 0) + length_field.size() +
                            length.size() + 2 + response.headers.size() + connection.size() + 2 + inline_body.size();
  char* p = out.append_space(total);
  const auto put = [&p](std::string_view part) {
    if (!part.empty()) {  // an empty view may hold a null pointer, which memcpy must not get
      std::memcpy(p, part.data(), part.size());
      p += part.size();
    }
  };
  put(status);
  put(server_and_date);
  put(date);
  if (typed) {
    put(type_field);
    put(response.content_type);
  }
  put(length_field);
  put(length);
  put("\r\n");
  put(response.headers);
  put(connection);
  put("\r\n");
  put(inline_body);
}

}  // namespace

void write_head(Output& out, const Response& response, const Framing& framing, std::uint64_t content_length) {
  write_head_and(out, response, framing, content_length, {});
}

void write_response(Output& out, Response& response, const Framing& framing) {
  const bool has_body = !framing.head_only && response.status >= 200 && response.status != 204 &&
                        response.status != 304 && !response.length_without_body;
  const std::uint64_t length = response.content_length();
  if (!has_body) {
    write_head_and(out, response, framing, length, {});
    return;
  }
  if (response.file) {
    write_head_and(out, response, framing, length, {});
    out.append_file(std::move(response.file), static_cast<off_t>(response.file_offset),
                    static_cast<std::size_t>(response.file_length));
    return;
  }
  const std::string_view body = response.static_body.empty() ? std::string_view(response.body) : response.static_body;
  if (body.size() < copy_body_below) {
    write_head_and(out, response, framing, length, body);
  } else {
    write_head_and(out, response, framing, length, {});
    if (response.static_body.empty()) {
      out.append(body);
    } else {
      out.append_external(body);
    }
  }
}

}  // namespace httpd::http
