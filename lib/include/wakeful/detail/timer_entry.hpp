#pragma once
// TimerEntry: a Sleep's place in its worker's timer wheel (see lib/src/time/timer_wheel.hpp).

#include <atomic>
#include <cstdint>

#include "wakeful/waker.hpp"

namespace wakeful::detail {

class TimerWheel;

/// Linked into one slot of one level of a TimerWheel while registered. Every field is guarded by
/// that wheel's mutex and written only under it. `wheel`, null when the entry is not registered,
/// is also read without the lock by the Sleep that owns the entry, to find the wheel whose mutex
/// to take: an atomic, because the worker that fires the entry clears it meanwhile (under its
/// lock), possibly from another thread than the owner's. Whoever acts on a non-null `wheel`
/// checks it again under that wheel's lock.
struct TimerEntry {
  std::atomic<TimerWheel*> wheel{nullptr};
  std::uint64_t tick = 0;  // the deadline, in wheel ticks
  TimerEntry* prev = nullptr;
  TimerEntry* next = nullptr;
  std::uint8_t level = 0;
  std::uint8_t slot = 0;
  Waker waker;
};

}  // namespace wakeful::detail
