// The hierarchical timer wheel; the design is described in timer_wheel.hpp.

#include "timer_wheel.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <mutex>
#include <utility>

namespace wakeful::detail {

namespace {
constexpr std::uint64_t slot_mask = TimerWheel::slots_per_level - 1;

constexpr std::uint64_t slot_range(unsigned level) noexcept {
  return std::uint64_t{1} << (level * TimerWheel::bits_per_level);
}

constexpr unsigned slot_for(std::uint64_t when, unsigned level) noexcept {
  return static_cast<unsigned>((when >> (level * TimerWheel::bits_per_level)) & slot_mask);
}
}  // namespace

TimerWheel::~TimerWheel() {
  for (Level& level : levels_) {
    for (TimerEntry*& head : level.heads) {
      TimerEntry* entry = std::exchange(head, nullptr);
      while (entry != nullptr) {
        TimerEntry* next = entry->next;
        entry->prev = entry->next = nullptr;
        const Waker dropped = std::move(entry->waker);
        entry->wheel.store(nullptr, std::memory_order_release);
        entry = next;
      }
    }
  }
}

unsigned TimerWheel::level_for(std::uint64_t elapsed, std::uint64_t when) noexcept {
  std::uint64_t masked = (elapsed ^ when) | slot_mask;
  if (masked >= max_ticks) {
    masked = max_ticks - 1;
  }
  const unsigned significant = 63U - static_cast<unsigned>(std::countl_zero(masked));
  return significant / bits_per_level;
}

std::uint64_t TimerWheel::tick_of(Clock::time_point deadline) const noexcept {
  if (deadline <= origin_) {
    return 0;
  }
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - origin_).count();
  const auto ticks = static_cast<std::uint64_t>((since + 999'999) / 1'000'000);
  return std::min(ticks, max_ticks - 1);
}

TimerWheel::Clock::time_point TimerWheel::time_of(std::uint64_t tick) const noexcept {
  return origin_ + std::chrono::milliseconds(tick);
}

bool TimerWheel::insert(TimerEntry& entry, Clock::time_point deadline, const Waker& waker) {
  assert(entry.wheel.load(std::memory_order_relaxed) == nullptr);
  const std::lock_guard lock(mutex_);
  const std::uint64_t tick = std::min(tick_of(deadline), elapsed_ + max_ticks - 1);  // at most one turn ahead
  if (tick <= elapsed_) {
    return false;
  }
  entry.tick = tick;
  entry.waker = waker;
  entry.wheel.store(this, std::memory_order_release);
  link(entry, elapsed_);
  return true;
}

bool TimerWheel::update_waker(TimerEntry& entry, const Waker& waker) {
  const std::lock_guard lock(mutex_);
  if (entry.wheel.load(std::memory_order_relaxed) != this) {
    return false;  // fired meanwhile
  }
  if (!entry.waker.will_wake(waker)) {
    entry.waker = waker;
  }
  return true;
}

void TimerWheel::remove(TimerEntry& entry) noexcept {
  Waker dropped;
  {
    const std::lock_guard lock(mutex_);
    if (entry.wheel.load(std::memory_order_relaxed) != this) {
      return;  // fired meanwhile
    }
    unlink(entry);
    entry.wheel.store(nullptr, std::memory_order_release);
    dropped = std::move(entry.waker);
  }
}

void TimerWheel::relink(TimerEntry& from, TimerEntry& to) noexcept {
  const std::lock_guard lock(mutex_);
  if (from.wheel.load(std::memory_order_relaxed) != this) {
    return;
  }
  to.wheel.store(this, std::memory_order_release);
  to.tick = from.tick;
  to.level = from.level;
  to.slot = from.slot;
  to.waker = std::move(from.waker);
  to.prev = from.prev;
  to.next = from.next;
  (to.prev != nullptr ? to.prev->next : levels_[to.level].heads[to.slot]) = &to;
  if (to.next != nullptr) {
    to.next->prev = &to;
  }
  from.wheel.store(nullptr, std::memory_order_release);
  from.prev = from.next = nullptr;
}

std::size_t TimerWheel::advance(Clock::time_point now) {
  std::size_t fired = 0;
  {
    const std::lock_guard lock(mutex_);
    const std::uint64_t now_tick =
        now <= origin_
            ? 0
            : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - origin_).count());
    for (;;) {
      const std::optional<Expiration> expiration = next_expiration();
      if (!expiration || expiration->deadline > now_tick) {
        break;
      }
      process(*expiration, fired_);
      elapsed_ = std::max(elapsed_, expiration->deadline);
    }
    elapsed_ = std::max(elapsed_, now_tick);
    fired = fired_.size();
  }
  for (Waker& waker : fired_) {
    std::move(waker).wake();
  }
  fired_.clear();
  return fired;
}

std::optional<TimerWheel::Clock::time_point> TimerWheel::next_deadline() {
  const std::lock_guard lock(mutex_);
  const std::optional<Expiration> expiration = next_expiration();
  if (!expiration) {
    return std::nullopt;
  }
  return time_of(std::max(expiration->deadline, elapsed_));
}

void TimerWheel::link(TimerEntry& entry, std::uint64_t elapsed) noexcept {
  const unsigned level = level_for(elapsed, entry.tick);
  const unsigned slot = slot_for(entry.tick, level);
  entry.level = static_cast<std::uint8_t>(level);
  entry.slot = static_cast<std::uint8_t>(slot);
  TimerEntry*& head = levels_[level].heads[slot];
  entry.prev = nullptr;
  entry.next = head;
  if (head != nullptr) {
    head->prev = &entry;
  }
  head = &entry;
  levels_[level].occupied |= std::uint64_t{1} << slot;
  count_.fetch_add(1, std::memory_order_relaxed);
}

void TimerWheel::unlink(TimerEntry& entry) noexcept {
  Level& level = levels_[entry.level];
  (entry.prev != nullptr ? entry.prev->next : level.heads[entry.slot]) = entry.next;
  if (entry.next != nullptr) {
    entry.next->prev = entry.prev;
  }
  entry.prev = entry.next = nullptr;
  if (level.heads[entry.slot] == nullptr) {
    level.occupied &= ~(std::uint64_t{1} << entry.slot);
  }
  count_.fetch_sub(1, std::memory_order_relaxed);
}

// The next slot to process: the first occupied slot at or after `elapsed_`, on the lowest level
// that has one (a lower level is always due first).
std::optional<TimerWheel::Expiration> TimerWheel::next_expiration() const noexcept {
  for (unsigned level = 0; level < levels; ++level) {
    const std::uint64_t occupied = levels_[level].occupied;
    if (occupied == 0) {
      continue;
    }
    const std::uint64_t range = slot_range(level);
    const std::uint64_t level_range = range * slots_per_level;
    const unsigned now_slot = slot_for(elapsed_, level);
    const unsigned distance = static_cast<unsigned>(std::countr_zero(std::rotr(occupied, static_cast<int>(now_slot))));
    const unsigned slot = (now_slot + distance) % slots_per_level;
    const std::uint64_t level_start = elapsed_ & ~(level_range - 1);
    std::uint64_t deadline = level_start + slot * range;
    if (deadline <= elapsed_) {
      // Only the top level wraps: its slot "behind" elapsed is in the next turn.
      assert(level == levels - 1);
      deadline += level_range;
    }
    return Expiration{level, slot, deadline};
  }
  return std::nullopt;
}

// Takes a slot's entries: those due by the slot's first tick fire, the others move down.
void TimerWheel::process(const Expiration& expiration, std::vector<Waker>& fired) {
  Level& level = levels_[expiration.level];
  TimerEntry* entry = std::exchange(level.heads[expiration.slot], nullptr);
  level.occupied &= ~(std::uint64_t{1} << expiration.slot);
  while (entry != nullptr) {
    TimerEntry* next = entry->next;
    entry->prev = entry->next = nullptr;
    count_.fetch_sub(1, std::memory_order_relaxed);
    if (entry->tick <= expiration.deadline) {
      fired.push_back(std::move(entry->waker));
      // Last: a Sleep that sees the entry unregistered may then drop it on its own thread.
      entry->wheel.store(nullptr, std::memory_order_release);
    } else {
      link(*entry, expiration.deadline);  // down a level, relative to the slot being processed
    }
    entry = next;
  }
}

}  // namespace wakeful::detail
