#pragma once
// The server's `asio::` is the Asio wakeful was built with (standalone Asio or Boost.Asio).

#include "wakeful/asio.hpp"

namespace httpd {

/// Standalone Asio or Boost.Asio, as wakeful/config.hpp records.
namespace asio = wakeful::asio;

}  // namespace httpd
