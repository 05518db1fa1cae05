#pragma once
// Drives an httpd Session, with the server's real Router, from test bytes: no sockets, no
// runtime. Output file ranges are read back with pread, so a response reads as on the wire.

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/session.hpp"
#include "router.hpp"
#include "server_state.hpp"

namespace wakeful::test {

inline httpd::Config session_config() {
  httpd::Config config;
  config.threads = 1;
  return config;
}

class SessionHarness {
 public:
  explicit SessionHarness(httpd::Config config = session_config())
      : state_(std::move(config)),
        router_(state_),
        session_(
            httpd::http::SessionOptions{&state_.config.limits, &router_, &state_.stats[0], &state_.drain, false, {}}),
        input_(std::max<std::size_t>(std::size_t{16} * 1024, state_.config.limits.max_header_bytes + 1024)) {}

  /// Feeds `bytes`, `step` bytes at a time, processing after each piece as a connection would;
  /// returns everything the session wrote. Stops feeding once the session closes.
  std::string feed(std::string_view bytes, std::size_t step = std::numeric_limits<std::size_t>::max()) {
    std::string written;
    while (!bytes.empty() && status_ != httpd::http::SessionStatus::close) {
      const std::size_t fitted = input_.fill(bytes.substr(0, std::min(step, bytes.size())));
      if (fitted == 0) {
        throw std::logic_error("the session let its input buffer fill up");
      }
      bytes.remove_prefix(fitted);
      do {
        status_ = session_.process(input_, output_);
        written += drain();
      } while (status_ == httpd::http::SessionStatus::output_full);
    }
    return written;
  }

  /// The read timeout, as the connection reports it.
  std::string time_out() {
    session_.timed_out(input_, output_);
    return drain();
  }

  [[nodiscard]] httpd::http::SessionStatus status() const noexcept { return status_; }
  [[nodiscard]] bool closing() const noexcept { return session_.closing(); }
  [[nodiscard]] bool idle() const noexcept { return session_.idle(input_); }
  [[nodiscard]] std::size_t requests() const noexcept { return session_.requests(); }
  [[nodiscard]] httpd::ServerState& state() noexcept { return state_; }
  [[nodiscard]] bool output_has_file() const noexcept { return saw_file_; }

 private:
  std::string drain() {
    std::string out;
    for (const httpd::http::Output::Piece& piece : output_) {
      if (piece.kind == httpd::http::Output::Piece::Kind::file) {
        saw_file_ = true;
        std::string part(piece.length, '\0');
        const ssize_t n = ::pread(piece.file->fd, part.data(), part.size(), static_cast<off_t>(piece.offset));
        if (n != static_cast<ssize_t>(part.size())) {
          throw std::runtime_error("short pread of a file piece");
        }
        out += part;
      } else {
        out += output_.bytes(piece);
      }
    }
    output_.consume(output_.size());
    return out;
  }

  httpd::ServerState state_;
  httpd::Router router_;
  httpd::http::Session session_;
  httpd::http::InputBuffer input_;
  httpd::http::Output output_;
  httpd::http::SessionStatus status_ = httpd::http::SessionStatus::need_input;
  bool saw_file_ = false;
};

}  // namespace wakeful::test
