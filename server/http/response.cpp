// Response framing.

#include "response.hpp"

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

Response Response::text(int status, std::string_view static_text) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.static_body = static_text;
  return r;
}

Response Response::error(int status) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = reason_phrase(status);
  r.body += '\n';
  return r;
}

void write_head(Output& out, const Response& response, const Framing& framing, std::uint64_t content_length) {
  if (const std::string_view line = status_line(response.status); !line.empty()) {
    out.append(line);
  } else {
    out.append("HTTP/1.1 ");
    out.append_number(static_cast<std::size_t>(response.status));
    out.append(" ");
    out.append(reason_phrase(response.status));
    out.append("\r\n");
  }
  out.append("Server: ");
  out.append(server_name);
  out.append("\r\nDate: ");
  out.append(http_date_now());
  out.append("\r\n");
  if (!response.content_type.empty()) {
    out.append("Content-Type: ");
    out.append(response.content_type);
    out.append("\r\n");
  }
  out.append("Content-Length: ");
  out.append_number(static_cast<std::size_t>(content_length));
  out.append("\r\n");
  out.append(response.headers);
  if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (framing.http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void write_response(Output& out, Response& response, const Framing& framing) {
  write_head(out, response, framing, response.content_length());
  const bool has_body = !framing.head_only && response.status >= 200 && response.status != 204 &&
                        response.status != 304 && !response.length_without_body;
  if (!has_body) {
    return;
  }
  if (response.file) {
    out.append_file(std::move(response.file), static_cast<off_t>(response.file_offset),
                    static_cast<std::size_t>(response.file_length));
  } else if (!response.static_body.empty()) {
    if (response.static_body.size() < copy_body_below) {
      out.append(response.static_body);
    } else {
      out.append_external(response.static_body);
    }
  } else {
    out.append(response.body);
  }
}

}  // namespace httpd::http
