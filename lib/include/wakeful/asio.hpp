#pragma once
// The Asio wakeful was built with, as `wakeful::asio`: standalone Asio (`::asio`) or Boost.Asio
// (`::boost::asio`), whichever wakeful/config.hpp records. wakeful's headers and sources, and
// programs that want to follow the library's choice, include this instead of Asio's headers and
// write `wakeful::asio::` (or plain `asio::` inside namespace wakeful).
//
// It brings in the parts of Asio that wakeful's public headers use, plus the ones a wakeful
// program commonly needs next to them (timers, signals, descriptors, buffers).

#include "wakeful/config.hpp"

#if WAKEFUL_ASIO_IS_BOOST
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/basic_datagram_socket.hpp>
#include <boost/asio/basic_socket.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/unicast.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>
#else
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/basic_datagram_socket.hpp>
#include <asio/basic_socket.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/buffer.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/error_code.hpp>
#include <asio/execution/context.hpp>
#include <asio/execution_context.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/multicast.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ip/unicast.hpp>
#include <asio/local/datagram_protocol.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/query.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#endif

#include "wakeful/asio_fwd.hpp"

namespace wakeful {

#if WAKEFUL_ASIO_IS_BOOST
/// The error_code type of Asio's `error_code&` out-parameters and handlers. Boost.Asio's converts
/// implicitly to the std::error_code that io::Result holds.
using asio_error_code = ::boost::system::error_code;
#else
/// The error_code type of Asio's `error_code&` out-parameters and handlers (std::error_code).
using asio_error_code = ::asio::error_code;
#endif

}  // namespace wakeful
