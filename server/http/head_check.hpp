#pragma once
// HeadScanner: finds where a request head ends and checks its syntax strictly, in one pass over
// its bytes (RFC 9112 sections 2.2, 3 and 5), before llhttp parses it.
//
// llhttp 8.1 predates fixes that later versions made: it accepts a header line ended by a bare
// CR, obs-fold continuation lines, and some loose request lines. A request that a front proxy
// and this server could frame differently is a smuggling risk, so such heads are refused here,
// on the raw bytes, before the parser sees them. A head that arrives in pieces is scanned once:
// the scanner remembers the lines it has checked.

#include <cstddef>
#include <string_view>

namespace httpd::http {

class HeadScanner {
 public:
  /// What scan() found.
  struct Result {
    enum class State { incomplete, complete, invalid } state = State::incomplete;
    std::size_t end = 0;  ///< complete: the head's length, blank line included
    int status = 0;       ///< invalid: the status to answer, 400 or 414
  };

  /// Scans `input`, which starts with a request line and holds at least the bytes of the last
  /// call. `max_uri_bytes` bounds the request target (414 beyond).
  Result scan(std::string_view input, std::size_t max_uri_bytes) noexcept;

  /// Forgets the head scanned so far, for the next one.
  void reset() noexcept { *this = HeadScanner(); }

 private:
  std::size_t line_start_ = 0;  // the first line not yet complete
  bool request_line_seen_ = false;
};

}  // namespace httpd::http
