#pragma once
// The receive-queue hint (TCP_INQ, Linux 4.18): with it on, a recvmsg that passes a control
// buffer learns how many bytes the kernel still holds after the read. A read that filled its
// buffer and left nothing queued has drained the socket, which otherwise only a read returning
// would_block can show (see TcpStream::poll_read).

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace wakeful::net::detail {

/// Turns the hint on for `fd`. A listening socket passes it on to the sockets it accepts. A
/// kernel without it refuses, and reads then simply learn nothing: the failure is ignored.
inline void enable_queue_hint(int fd) noexcept {
  const int on = 1;
  (void)::setsockopt(fd, SOL_TCP, TCP_INQ, &on, sizeof on);
}

}  // namespace wakeful::net::detail
