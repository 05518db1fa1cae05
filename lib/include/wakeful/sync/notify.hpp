#pragma once
// Notify: wake one waiting task, or all of them (tokio::sync::Notify).
//
// State word: the low two bits say EMPTY, WAITING (the list holds waiters) or NOTIFIED (a
// stored permit); the rest counts notify_waiters() calls. notify_one() with nobody waiting
// stores the permit without locking; a waiter that finds the permit takes it without locking.
// Everything else happens under the mutex, which guards the FIFO list of waiting Notified
// futures. A waiter is taken off the list by the notifier, which marks it notified and takes
// its waker, so a Notified dropped after receiving notify_one's wake-up hands it on to the next
// waiter (or back as the permit): a notification is never lost.

#include <atomic>
#include <cstdint>

#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/move_pin.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/future.hpp"
#include "wakeful/waker.hpp"

namespace wakeful {

class Notify;

namespace detail {
inline constexpr char notified_type_name[] = "Notified";
}  // namespace detail

/// The future returned by Notify::notified(). Completes once it is notified. A Notified created
/// before a notify_waiters() call completes because of it, even if first polled afterwards.
///
/// Its first poll may link it into the Notify's list of waiters, so from then on it must not
/// move: moving it after its first poll aborts, in every build (detail/move_pin.hpp).
class [[nodiscard]] Notified {
 public:
  /// Moving a polled Notified is a bug that MovePin reports (see above).
  static constexpr bool pinned_once_polled = true;

  /// Moves a Notified that was never polled; aborts for one that was.
  Notified(Notified&& other) noexcept;
  Notified& operator=(Notified&&) = delete;
  Notified(const Notified&) = delete;
  Notified& operator=(const Notified&) = delete;
  /// Leaves the waiting list; passes on a notify_one() it received but never reported.
  ~Notified();

  /// Ready once notified.
  Poll<void> poll(Context& cx);

 private:
  friend class Notify;
  enum class Stage : std::uint8_t { init, waiting, done };
  enum class Notification : std::uint8_t { none, one, all };

  Notified(Notify& notify, std::uint64_t generation) noexcept : notify_(&notify), generation_(generation) {}

  detail::MovePin<detail::notified_type_name> pin_;
  Notify* notify_;
  std::uint64_t generation_;  // notify_waiters() calls when this future was created
  Stage stage_ = Stage::init;
  // Guarded by the Notify's mutex while on the list; `notification` is also read without it.
  Notified* prev_ = nullptr;
  Notified* next_ = nullptr;
  Waker waker_;
  std::atomic<Notification> notification_{Notification::none};
};

/// A notification primitive with no data: tasks wait on notified(); notify_one() wakes one of
/// them or, if none waits, stores a single permit for the next; notify_waiters() wakes all.
class Notify {
 public:
  Notify() noexcept = default;
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;
  /// No Notified future may outlive its Notify.
  ~Notify();

  /// A future that completes when this Notify is notified.
  Notified notified() noexcept;

  /// Wakes the longest-waiting task; if none waits, stores a permit (at most one) that the
  /// next notified() consumes at once.
  void notify_one();

  /// Wakes every task waiting now, and every Notified created before this call. Stores no permit.
  void notify_waiters();

 private:
  friend class Notified;

  /// With the mutex held: hands one notification to the oldest waiter (returning its waker to be
  /// woken after unlocking) or stores the permit.
  Waker notify_one_locked();

  std::atomic<std::uint64_t> state_{0};
  detail::Mutex mutex_;
  detail::IntrusiveList<Notified, &Notified::prev_, &Notified::next_> waiters_;  // FIFO, guarded by mutex_
};

}  // namespace wakeful
