#pragma once
// The async_wait backend: readiness from Asio's public async_wait on the descriptor.
//
// Each wait a task needs is one descriptor.async_wait() of its direction; its completion is an
// edge. Asio re-arms the descriptor (EPOLL_CTL_MOD) whenever a wait is queued on an empty queue,
// which costs a system call per wait but also reports readiness that is already there: a read
// that drained a stream together with its FIN clears the readiness, and the next wait's re-arm
// reports the EOF. Only public Asio API is used, so this backend builds with every Asio release
// and with Boost.Asio.

#include "wakeful/io/readiness.hpp"
#include "wakeful/io/registration.hpp"

namespace wakeful::io::detail {

class ScheduledIo;

/// The backend's per-descriptor state: none, Asio allocates each wait.
class Backend {
 public:
  explicit Backend(ScheduledIo& /*owner*/) noexcept {}

  /// Puts the descriptor in non-blocking mode now, on the registering thread (the peer's close
  /// needs no watching here). Asio would do it at the first async_wait, writing the descriptor's
  /// state there: a reader and a writer on two workers arming their first waits at once raced on
  /// it (ThreadSanitizer).
  static void attach(ScheduledIo& owner, PeerClose peer_close) noexcept;

  /// Starts an async_wait for `direction`; on the owner's thread.
  static void arm(ScheduledIo& owner, Direction direction);
};

}  // namespace wakeful::io::detail
