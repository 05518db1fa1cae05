#pragma once
// TimerWheel: the timers of one worker, in a hierarchical wheel of 1 ms ticks (tokio's design).
//
// Why not one asio::steady_timer per Sleep: Asio keeps its timers in a heap behind a timerfd
// and reprograms the timerfd whenever the earliest deadline changes and whenever it fires. On a
// virtual machine each reprogramming is a trap to the hypervisor: with 100,000 sleeps of random
// length, 14,000 timerfd_settime calls took more than half of the run (measured, workload 6).
// Here a Sleep costs a few list operations, and the worker keeps a single Asio timer, armed for
// the wheel's next deadline only when it parks.
//
// Layout: 6 levels of 64 slots. A slot of level L spans 64^L ticks, so the wheel reaches 64^6
// ticks (about 2.2 years; later deadlines are clamped). An entry sits at the level of the
// highest 6-bit group in which its deadline differs from `elapsed_` (the tick processed last),
// in the slot its deadline has in that group; so every entry of a lower level is due before any
// entry of a higher one. Processing a slot fires its entries that are due and moves the others
// down, relative to the new elapsed time.
//
// Every operation takes the wheel's mutex: Sleeps are registered, re-armed and dropped by their
// task (on the worker's thread in practice, but a registered Sleep may be moved to, polled on or
// dropped on another thread), and advanced by the worker. The wheel's time is the runtime's
// clock (RuntimeClock), whose origin it counts its ticks from.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "wakeful/detail/mutex.hpp"
#include "wakeful/detail/timer_entry.hpp"

namespace wakeful::detail {

class TimerWheel {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TimerWheel(Clock::time_point origin) noexcept : origin_(origin) {}
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;
  /// Unregisters the entries still registered (Sleeps held outside any task), so that such a
  /// Sleep, dropped after its runtime, touches nothing of the wheel.
  ~TimerWheel();

  /// Registers `entry` to wake `waker` at `deadline`. False, registering nothing, when the
  /// deadline's tick has already been processed (the caller should treat it as due).
  bool insert(TimerEntry& entry, Clock::time_point deadline, const Waker& waker);

  /// Replaces the waker of a registered entry. False, changing nothing, when the entry is no
  /// longer registered here (it fired meanwhile: its deadline has passed).
  bool update_waker(TimerEntry& entry, const Waker& waker);

  /// Unregisters `entry` (no effect if it is not registered).
  void remove(TimerEntry& entry) noexcept;

  /// Moves the registration of `from` to `to` (a Sleep that moved).
  void relink(TimerEntry& from, TimerEntry& to) noexcept;

  /// Fires (unregisters and wakes) every entry due at `now`; returns how many.
  std::size_t advance(Clock::time_point now);

  /// The earliest instant an entry may be due, if any entry is registered.
  [[nodiscard]] std::optional<Clock::time_point> next_deadline();

  /// True when no entry is registered (a hint, read without the lock by the worker).
  [[nodiscard]] bool empty() const noexcept { return count_.load(std::memory_order_relaxed) == 0; }

  /// The tick `deadline` falls into (rounded up, so an entry never fires early).
  [[nodiscard]] std::uint64_t tick_of(Clock::time_point deadline) const noexcept;
  /// The start of tick `tick`.
  [[nodiscard]] Clock::time_point time_of(std::uint64_t tick) const noexcept;

  static constexpr unsigned bits_per_level = 6;
  static constexpr unsigned levels = 6;
  static constexpr std::uint64_t slots_per_level = 1U << bits_per_level;
  static constexpr std::uint64_t max_ticks = (std::uint64_t{1} << (bits_per_level * levels)) - 1;

  /// The level an entry due at `when` belongs to, seen from `elapsed`.
  static unsigned level_for(std::uint64_t elapsed, std::uint64_t when) noexcept;

 private:
  struct Expiration {
    unsigned level;
    unsigned slot;
    std::uint64_t deadline;  // the first tick of the slot
  };

  struct Level {
    std::uint64_t occupied = 0;  // bit s: slot s holds entries
    std::array<TimerEntry*, slots_per_level> heads{};
  };

  void link(TimerEntry& entry, std::uint64_t elapsed) noexcept;
  void unlink(TimerEntry& entry) noexcept;
  std::optional<Expiration> next_expiration() const noexcept;
  void process(const Expiration& expiration, std::vector<Waker>& fired);

  Clock::time_point origin_;
  Mutex mutex_;
  std::uint64_t elapsed_ = 0;          // guarded by mutex_
  std::atomic<std::size_t> count_{0};  // written under mutex_, read unlocked as a hint
  std::array<Level, levels> levels_{};
  std::vector<Waker> fired_;  // reused by advance(), which only the worker calls
};

}  // namespace wakeful::detail
