#pragma once
// `wakeful::asio` and a declaration of its io_context, without Asio's headers: for the core
// headers (wakeful/runtime/runtime.hpp) that name an io_context but must not pull in Asio.
// wakeful/asio.hpp has the rest.

#include "wakeful/config.hpp"

#if WAKEFUL_ASIO_IS_BOOST
namespace boost::asio {
class io_context;
}  // namespace boost::asio
#else
namespace asio {
class io_context;
}  // namespace asio
#endif

// The alias is described on the API reference's main page: Doxygen takes `namespace asio = ::asio`
// for a recursive alias, so it does not read it.
/// \cond
namespace wakeful {

#if WAKEFUL_ASIO_IS_BOOST
/// The Asio wakeful was built with: Boost.Asio.
namespace asio = ::boost::asio;
#else
/// The Asio wakeful was built with: standalone Asio.
namespace asio = ::asio;
#endif

}  // namespace wakeful
/// \endcond
