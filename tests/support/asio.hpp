#pragma once
// The tests write `asio::` at global scope for the Asio wakeful was built with. Standalone Asio
// is `::asio` already; Boost.Asio gets that name here (not for standalone: a second `asio` at
// global scope would redefine the namespace).

#include "wakeful/asio.hpp"

#if WAKEFUL_ASIO_IS_BOOST
namespace asio = ::boost::asio;
#endif
