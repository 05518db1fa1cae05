#pragma once
// What the readiness bridge needs from inside an Asio socket: the descriptor and Asio's
// per-descriptor reactor data, which basic_socket keeps in its protected implementation.

#include <sys/socket.h>

#include <utility>

#include <asio/basic_socket.hpp>
#include <asio/post.hpp>

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

/// What a close posted to the socket's worker leaves until then.
enum class DeferredClose : std::uint8_t {
  /// Shut the connection down at once (a plain system call), so the peer sees it end now.
  shut_down,
  /// Keep it: another descriptor of the same socket carries on (TcpStream::move_to).
  keep_connection,
};

/// Lets go of the socket's ScheduledIo and closes the socket. From a thread that must leave Asio
/// calls on the socket to its worker (ScheduledIo::must_defer_to_owner), the close is posted to
/// the worker; it runs there, or when the io_context is destroyed.
template <class Socket>
void close_on_owner(Socket& socket, ScheduledIo*& io, DeferredClose deferred = DeferredClose::shut_down) noexcept {
  ScheduledIo* released = std::exchange(io, nullptr);
  const bool defer = released != nullptr && released->must_defer_to_owner();
  if (released != nullptr) {
    released->release();
  }
  if (!socket.is_open()) {
    return;
  }
  if (defer) {
    if (deferred == DeferredClose::shut_down) {
      ::shutdown(socket.native_handle(), SHUT_RDWR);
    }
    try {
      auto executor = socket.get_executor();
      asio::post(executor, [owned = Socket(std::move(socket))]() mutable {
        asio::error_code ignored;
        owned.close(ignored);
      });
    } catch (...) {
      // The socket had moved into the handler, which closed it as it went (out of memory).
    }
    return;
  }
  asio::error_code ignored;
  socket.close(ignored);
}

}  // namespace wakeful::io::detail
