#pragma once
// wakeful's Asio side in one include: registrations, sockets, byte streams and framing, timers and
// use_future (pulls in Asio headers; the core, wakeful/wakeful.hpp, does not).

#include "wakeful/asio.hpp"              // IWYU pragma: export
#include "wakeful/io/readiness.hpp"      // IWYU pragma: export
#include "wakeful/io/registration.hpp"   // IWYU pragma: export
#include "wakeful/io/result.hpp"         // IWYU pragma: export
#include "wakeful/net/tcp_listener.hpp"  // IWYU pragma: export
#include "wakeful/net/tcp_stream.hpp"    // IWYU pragma: export
#include "wakeful/stream.hpp"            // IWYU pragma: export
#include "wakeful/time/interval.hpp"     // IWYU pragma: export
#include "wakeful/time/sleep.hpp"        // IWYU pragma: export
#include "wakeful/time/timeout.hpp"      // IWYU pragma: export
#include "wakeful/use_future.hpp"        // IWYU pragma: export

#include "wakeful/net/udp_socket.hpp"     // IWYU pragma: export
#include "wakeful/net/unix_address.hpp"   // IWYU pragma: export
#include "wakeful/net/unix_datagram.hpp"  // IWYU pragma: export
#include "wakeful/net/unix_listener.hpp"  // IWYU pragma: export
#include "wakeful/net/unix_stream.hpp"    // IWYU pragma: export

#include "wakeful/codec/codec.hpp"                   // IWYU pragma: export
#include "wakeful/codec/framed.hpp"                  // IWYU pragma: export
#include "wakeful/codec/length_delimited_codec.hpp"  // IWYU pragma: export
#include "wakeful/codec/lines_codec.hpp"             // IWYU pragma: export
#include "wakeful/io/async_buf_read.hpp"             // IWYU pragma: export
#include "wakeful/io/async_read.hpp"                 // IWYU pragma: export
#include "wakeful/io/async_write.hpp"                // IWYU pragma: export
#include "wakeful/io/buf_reader.hpp"                 // IWYU pragma: export
#include "wakeful/io/buf_writer.hpp"                 // IWYU pragma: export
#include "wakeful/io/byte_buffer.hpp"                // IWYU pragma: export
#include "wakeful/io/copy.hpp"                       // IWYU pragma: export
#include "wakeful/io/split.hpp"                      // IWYU pragma: export
#include "wakeful/io/stream_error.hpp"               // IWYU pragma: export
