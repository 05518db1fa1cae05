#pragma once
// TimerEntry: a Sleep's place in its worker's timer wheel (see lib/src/time/timer_wheel.hpp).

#include <cstdint>

#include "wakeful/waker.hpp"

namespace wakeful::detail {

class TimerWheel;

/// Linked into one slot of one level of a TimerWheel while registered. Every field is guarded by
/// that wheel's mutex; `wheel` is null when the entry is not registered.
struct TimerEntry {
  TimerWheel* wheel = nullptr;
  std::uint64_t tick = 0;  // the deadline, in wheel ticks
  TimerEntry* prev = nullptr;
  TimerEntry* next = nullptr;
  std::uint8_t level = 0;
  std::uint8_t slot = 0;
  Waker waker;
};

}  // namespace wakeful::detail
