#pragma once
// Readiness as the reactor reports it to an I/O object.

#include <cstdint>

namespace wakeful::io {

/// The two directions of a socket a task can wait for.
enum class Direction : std::uint8_t { read, write };

/// One observation of readiness: returned by `poll_read_ready` / `poll_write_ready` and handed
/// back to `clear_readiness` when the operation it allowed returned would_block. The tick names
/// the reactor event it came from, so clearing never erases a newer event.
struct ReadyEvent {
  Direction direction;
  std::uint32_t tick;
  /// The runtime behind the I/O object is gone: no event will ever come again.
  bool runtime_gone;
};

}  // namespace wakeful::io
