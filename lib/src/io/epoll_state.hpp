#pragma once
// What the reactor_op backend reaches inside Asio: a descriptor's reactor data, and two fields
// of Asio's per-descriptor epoll state that Asio keeps private: the event mask the descriptor is registered with, to
// which the bridge adds EPOLLRDHUP (Asio never asks for it), and the events of the edge being dispatched, in which
// EPOLLRDHUP then says that the peer has closed its side.
//
// Why EPOLLRDHUP: a read that returns less than its buffer has drained the socket, so its
// readiness can be cleared without the read that would return EAGAIN (one system call per
// request, for a server). But a FIN that came with the last data is consumed by that same read,
// and no later edge announces it: only EPOLLRDHUP in the mask of the edge that was seen tells.

#include <cstdint>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

namespace wakeful::io::detail {

/// Asio's per-descriptor reactor data of `descriptor` (an open posix descriptor), which the
/// reactor_op backend queues its operations on.
[[nodiscard]] void* descriptor_reactor_data(
    asio::posix::basic_stream_descriptor<asio::io_context::executor_type>& descriptor) noexcept;

/// Adds `events` to the mask Asio registers the descriptor with; it takes effect at Asio's next
/// EPOLL_CTL_MOD of the descriptor (the first readiness operation queued on it re-arms it).
/// Only before any readiness operation is queued, on the thread that owns the socket.
void add_registered_events(void* reactor_data, std::uint32_t events) noexcept;

/// The epoll events of the edge Asio's reactor is dispatching to the descriptor's operations.
/// Only from a reactor operation's perform(), which Asio calls under the descriptor's lock.
[[nodiscard]] std::uint32_t dispatched_events(void* reactor_data) noexcept;

}  // namespace wakeful::io::detail
