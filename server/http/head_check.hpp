#pragma once
// The strict syntax checks wakeful-httpd applies to a request head before llhttp parses it.
//
// llhttp 8.1 predates fixes that later versions made: it accepts a header line ended by a bare
// CR, obs-fold continuation lines, and some loose request lines. A request that a front proxy
// and this server could frame differently is a smuggling risk, so such heads are refused here,
// on the raw bytes, before the parser sees them.

#include <cstddef>
#include <string_view>

namespace httpd::http {

/// Where the request head that starts `input` ends (just past its blank line), or npos if it is
/// not complete yet.
std::size_t find_head_end(std::string_view input) noexcept;

/// Checks a complete head (request line, header lines, blank line). Returns 0 when it is well
/// formed, or the status to answer: 414 for a request target over `max_uri_bytes`, else 400.
int check_head(std::string_view head, std::size_t max_uri_bytes) noexcept;

}  // namespace httpd::http
