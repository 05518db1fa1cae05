#pragma once
// What the readiness bridge needs from inside an Asio socket: the descriptor and Asio's
// per-descriptor reactor data, which basic_socket keeps in its protected implementation.

#include <asio/basic_socket.hpp>

#include "scheduled_io.hpp"

namespace wakeful::io::detail {

/// Reaches the protected implementation of a basic_socket through a pointer to member formed in
/// a derived class (never instantiated), which the access rules allow.
template <class Protocol, class Executor>
class SocketInternals : public asio::basic_socket<Protocol, Executor> {
 public:
  using Socket = asio::basic_socket<Protocol, Executor>;

  static void* reactor_data(Socket& socket) noexcept {
    constexpr auto impl = &SocketInternals::impl_;
    return (socket.*impl).get_implementation().reactor_data_;
  }
};

/// A new ScheduledIo for `socket` (which must be open and have had no wait queued), with its
/// starting readiness.
template <class Protocol, class Executor>
ScheduledIo* make_scheduled_io(asio::basic_socket<Protocol, Executor>& socket, bool readable, bool writable,
                               PeerClose peer_close) {
  return new ScheduledIo(socket.get_executor().context(), socket.native_handle(),
                         SocketInternals<Protocol, Executor>::reactor_data(socket), readable, writable, peer_close);
}

}  // namespace wakeful::io::detail
