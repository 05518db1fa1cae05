#pragma once
// Slot<T>: one place in a broadcast channel's ring. It holds a value, the number of that value
// among all values sent, and a lock of its own.
//
// The number lets a receiver that reads without the channel's lock tell its value from one that
// overwrote it a lap later. The lock is there because T may own memory (std::string): a receiver
// copying a value must never race a sender overwriting it, so an optimistic (seqlock) copy that
// is retried when torn is not an option. Only a sender writing a slot and the receivers reading
// that same slot meet on it, for the length of one copy. A reader-writer lock would let two
// workers copy one value at once, but measured no faster on workload 9 (either costs one atomic
// read-modify-write per side, and the copies are short), and detail::Mutex sleeps where a
// hand-written one would spin behind a preempted holder. Empty until first written: the value
// is constructed then, so a channel of large capacity costs no T until it is used.

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "wakeful/detail/mutex.hpp"

namespace wakeful::broadcast::detail {

template <class T>
class Slot {
 public:
  /// The number a slot that was never written holds.
  static constexpr std::uint64_t none = ~std::uint64_t{0};

  Slot() noexcept {}  // NOLINT(modernize-use-equals-default): leaves the value unconstructed
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() {
    if (seq_ != none) {
      std::destroy_at(&value_);
    }
  }

  /// Stores value number `seq` in place of what the slot held.
  void write(std::uint64_t seq, T&& value) {
    const std::lock_guard lock(lock_);
    if (seq_ == none) {
      std::construct_at(&value_, std::move(value));
    } else {
      value_ = std::move(value);
    }
    seq_ = seq;
  }

  /// Calls `copy(value)` under the slot's lock if the slot holds value number `seq`. Returns the
  /// number of the value held: `seq` when copied, a later one when it was overwritten.
  template <class Copy>
  std::uint64_t read(std::uint64_t seq, Copy&& copy) {
    const std::lock_guard lock(lock_);
    if (seq_ == seq) {
      std::forward<Copy>(copy)(std::as_const(value_));
    }
    return seq_;
  }

 private:
  wakeful::detail::Mutex lock_;
  std::uint64_t seq_ = none;  // guarded by lock_
  union {
    T value_;  // constructed while seq_ != none; guarded by lock_
  };
};

}  // namespace wakeful::broadcast::detail
