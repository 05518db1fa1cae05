#pragma once
// What one receive of a datagram got, for UdpSocket and UnixDatagram.
//
// A datagram longer than the buffer is cut by the kernel and its tail is lost. wakeful receives
// with MSG_TRUNC, so the kernel reports the datagram's full length, and says so in the result
// (truncated()) rather than handing back the first bytes as if they were the whole message. A
// peek reports the length too, which is how to size a buffer before taking the datagram.

#include <cstddef>

namespace wakeful::net {

/// One datagram received (or peeked at).
struct Received {
  /// Bytes copied into the buffer: the datagram's length, or the buffer's size when it was cut.
  std::size_t size = 0;
  /// The datagram's full length as the kernel reports it; more than `size` when it was cut.
  std::size_t length = 0;
  /// True when the datagram did not fit: its last `length - size` bytes are lost (unless this
  /// was a peek, which leaves the datagram queued).
  [[nodiscard]] constexpr bool truncated() const noexcept { return length > size; }
};

/// One datagram received, with the address it came from.
template <class Address>
struct ReceivedFrom : Received {
  /// The sender's address.
  Address peer;
};

}  // namespace wakeful::net
