#pragma once
// Readiness as the reactor reports it to an I/O object.

#include <cstddef>
#include <cstdint>

namespace wakeful::io {

/// The two directions of a descriptor a task can wait for.
enum class Direction : std::uint8_t { read, write };

/// One observation of readiness: returned by `poll_read_ready` / `poll_write_ready` and handed
/// back to `clear_readiness` when the operation it allowed returned would_block. The tick names
/// the reactor event it came from, so clearing never erases a newer event.
struct ReadyEvent {
  /// Which readiness was observed.
  Direction direction;
  /// The reactor event it came from: clearing an older tick leaves a newer event in place.
  std::uint32_t tick;
  /// The runtime behind the I/O object is gone: no event will ever come again.
  bool runtime_gone;
};

/// The `drained` test of Registration::try_io for operations whose result never shows the
/// descriptor drained (an accept, a datagram): readiness is then cleared only by would_block.
struct NeverDrained {
  /// Always false.
  template <class T>
  constexpr bool operator()(const T& /*result*/) const noexcept {
    return false;
  }
};

/// The `drained` test of Registration::try_io for a byte transfer that offered `offered` bytes:
/// some moved, but fewer. With an edge-triggered reactor that shows the descriptor drained in
/// that direction, so its readiness can be cleared without the call that would return
/// would_block (a system call saved per request-response round).
struct ShortTransfer {
  /// The bytes the operation offered to move.
  std::size_t offered;
  /// True when `moved` is more than nothing and less than offered.
  constexpr bool operator()(std::size_t moved) const noexcept { return moved > 0 && moved < offered; }
};

namespace detail {

/// The backend's state word as one readiness poll saw it: 0 when the direction was not ready
/// (the waker is stored then), otherwise a word with the direction's readiness or GONE set. It
/// travels back from the backend in a register, where a returned Poll<ReadyEvent> is assembled
/// in memory field by field and read back whole (a store-forwarding stall measured at a third
/// of a readiness poll's time).
class ReadyState {
 public:
  /// The bit that says the runtime is gone.
  static constexpr std::uint32_t gone = 1U << 6U;
  /// The tick's position in the state word: bits 8..31.
  static constexpr unsigned tick_shift = 8;

  /// Wraps a state word.
  constexpr explicit ReadyState(std::uint32_t word) noexcept : word_(word) {}
  /// True when the direction may make progress or the runtime is gone.
  [[nodiscard]] constexpr bool is_ready() const noexcept { return word_ != 0; }
  /// True when no readiness will ever come again.
  [[nodiscard]] constexpr bool runtime_gone() const noexcept { return (word_ & gone) != 0; }
  /// The reactor event this readiness came from.
  [[nodiscard]] constexpr std::uint32_t tick() const noexcept { return word_ >> tick_shift; }
  /// The public form of this observation.
  [[nodiscard]] constexpr ReadyEvent event(Direction direction) const noexcept {
    return ReadyEvent{direction, tick(), runtime_gone()};
  }

 private:
  std::uint32_t word_;
};

}  // namespace detail
}  // namespace wakeful::io
