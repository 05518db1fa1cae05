#pragma once
// A connection: reads requests, has its Session answer them, writes the answers, and keeps the
// timeouts (see Limits). It owns the socket and closes it when done.

#include "wakeful/async.hpp"
#include "wakeful/net/tcp_listener.hpp"

namespace httpd {

class Worker;

/// Serves `accepted` until it closes. Never throws: failures end the connection.
wakeful::Async<void> serve_connection(wakeful::net::Accepted accepted, Worker& worker);

}  // namespace httpd
