#pragma once
// MovePin: the check, in every build, that a future others point into is not moved once polled.
//
// Some futures put their own address where other code keeps it at their first poll: an
// mpsc::Send links itself into its channel's list of waiting senders, a Notified into its
// Notify's list of waiters. Moving such a future afterwards would leave that list pointing at
// the moved-from object; the list would be corrupt the next time anyone walks it, far from the
// move. So these futures, and the combinators that hold them (select, join, timeout), carry a
// MovePin: moving one after its first poll aborts at the move itself, naming the type, in
// release builds as much as in debug builds. (C++ cannot reject the move at compile time: a
// future must be movable to be handed to a combinator or a task, and only its first poll makes
// it immovable; Rust's Pin makes that distinction in the type.)
//
// A future opts in by declaring `static constexpr bool pinned_once_polled = true;`; a combinator
// declares the same when any of its children does, and keeps its own pin, so the message names
// the object that was moved: the select, not the Send inside it. The report itself is
// detail/pinned.hpp's, which wakeful/sync's waiter futures call from their own moves (they abort
// only while linked; a MovePin from the first poll on, whatever the state, so that a bad move
// fails every time rather than only when the channel happened to be full).

#include "wakeful/detail/pinned.hpp"

namespace wakeful::detail {

/// True when moving an `F` after its first poll is a bug (see the top of this file).
template <class F>
inline constexpr bool pinned_once_polled = requires {
  requires F::pinned_once_polled;
};

/// Remembers whether the future holding it was polled; moving it afterwards aborts with a
/// message naming `Type`. Declare it as the future's first member, so that the check runs
/// before any child is moved. With `Active` false it is empty and checks nothing.
template <const char* Type, bool Active = true>
class MovePin {
 public:
  MovePin() noexcept = default;
  MovePin(MovePin&& other) noexcept {
    if (other.polled_) {
      moved_after_first_poll(Type);
    }
  }
  MovePin& operator=(MovePin&&) = delete;
  MovePin(const MovePin&) = delete;
  MovePin& operator=(const MovePin&) = delete;
  ~MovePin() = default;

  /// Marks the future polled: from now on it must stay where it is.
  void polled() noexcept { polled_ = true; }

 private:
  bool polled_ = false;
};

template <const char* Type>
class MovePin<Type, false> {
 public:
  void polled() noexcept {}
};

}  // namespace wakeful::detail
