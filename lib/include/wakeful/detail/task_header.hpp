#pragma once
// The task: one heap allocation holding a spawned future, its output and its state word.
//
// Invariants first (the code in lib/src/runtime/task.cpp follows them to the letter).
//
// Layout
// ------
// TaskCell<F> = TaskHeader | output slot (TaskCore<T>) | future F. The header is all that the
// executor, wakers and JoinHandles share; the vtable gives the typed operations.
//
// The state word
// --------------
//   RUNNING        the home worker is polling or cancelling the future. Only the home worker
//                  sets it, so whoever holds RUNNING has the future to itself.
//   COMPLETE       the future is destroyed and the output slot holds the result: a value, an
//                  exception or "cancelled". Never cleared. Never set together with RUNNING.
//   NOTIFIED       the task will be polled again: it sits in a run queue, or it is RUNNING and
//                  its poller queues it again when the poll returns Pending.
//   CANCELLED      abort() was called: the next run destroys the future instead of polling it.
//   JOIN_INTEREST  a JoinHandle exists.
//   JOIN_WAKER     the join waker slot holds the JoinHandle's waker.
//   bits 6..63     the reference count.
//
// References
// ----------
// The count is the number of:
//   - Wakers made from the task (a clone adds one; the waker lent to `poll` is borrowed);
//   - the JoinHandle, while it lives;
//   - the home worker's owner list, from spawn to completion;
//   - NOTIFIED while the task sits in a run queue (the queue's reference); when the worker
//     takes the task out to run it, that reference becomes the poller's.
// A task starts as NOTIFIED | JOIN_INTEREST with three references (list, queue, handle).
// A blocking task (spawn_blocking) has no home and no owner list: it starts with two (queue,
// handle), is polled once on a blocking-pool thread and never pends, so it is never woken.
// Whoever drops the count to zero frees the task. The task holds a reference on its home
// (WorkerShared), so a waker that outlives the runtime still has somewhere safe to go.
//
// Who may touch what
// ------------------
//   - The future: the home worker, while it holds RUNNING. Futures are only ever destroyed on
//     their worker's thread, so they may own thread-affine Asio objects.
//   - The output slot: written by the worker before it sets COMPLETE. After COMPLETE it belongs
//     to the JoinHandle if JOIN_INTEREST was set, else the worker drops it at once. A
//     JoinHandle dropped after COMPLETE drops it itself. Exactly one side ever touches it.
//   - The join waker: the JoinHandle writes it only while JOIN_WAKER and COMPLETE are both
//     clear, then publishes it by setting JOIN_WAKER; to replace it, it first clears JOIN_WAKER,
//     which fails once COMPLETE is set. The worker only reads it (wake_by_ref), after setting
//     COMPLETE while JOIN_WAKER is set. Destroyed with the task, or by a JoinHandle that
//     clears JOIN_WAKER before COMPLETE.
//   - The owner-list links and `bound`: the home worker's thread only.
//
// Transitions (each one compare-and-swap on the state word)
// -----------------------------------------------------------
//   wake:    idle -> NOTIFIED, +1 reference, pushed on the home worker's queue (local queue from
//            the worker's own thread, its inbox from any other thread). RUNNING -> RUNNING |
//            NOTIFIED with no push: the poller queues it. NOTIFIED or COMPLETE: nothing.
//            Hence: many wakes before a poll give one poll; a wake during the task's own poll
//            gives exactly one more; a wake after completion does nothing.
//   run:     NOTIFIED -> RUNNING. If CANCELLED is set, cancel instead of polling.
//   Pending: RUNNING -> idle, -1 reference; or RUNNING | NOTIFIED -> NOTIFIED, queued again
//            with the poller's reference; if CANCELLED was set meanwhile, cancel now.
//   Ready:   RUNNING -> COMPLETE (also when the future threw, or was cancelled); the worker
//            takes the task off its owner list and drops two references (list and poller).
//   abort:   sets CANCELLED; an idle task also becomes NOTIFIED (+1 reference) and is queued,
//            so that its home worker destroys the future on its own thread.

#include <atomic>
#include <cstdint>

#include "wakeful/waker.hpp"

namespace wakeful::detail {

class WorkerShared;
struct TaskHeader;

/// The typed operations of a task, filled in by TaskCell<F>.
struct TaskVTable {
  /// Polls the future; the caller holds RUNNING. True when it finished (output stored).
  bool (*poll)(TaskHeader* task) noexcept;
  /// Destroys the future and stores "cancelled"; the caller holds RUNNING.
  void (*cancel)(TaskHeader* task) noexcept;
  /// Destroys the stored output, if any.
  void (*drop_output)(TaskHeader* task) noexcept;
  /// Frees the task; called once the reference count is zero.
  void (*deallocate)(TaskHeader* task) noexcept;
};

namespace task_state {
inline constexpr std::uint64_t running = 1U << 0U;
inline constexpr std::uint64_t complete = 1U << 1U;
inline constexpr std::uint64_t notified = 1U << 2U;
inline constexpr std::uint64_t cancelled = 1U << 3U;
inline constexpr std::uint64_t join_interest = 1U << 4U;
inline constexpr std::uint64_t join_waker = 1U << 5U;
inline constexpr std::uint64_t ref_one = 1U << 6U;
inline constexpr std::uint64_t flags_mask = ref_one - 1;
/// A freshly spawned task: queued, joinable, referenced by its list, its queue and its handle.
inline constexpr std::uint64_t initial = notified | join_interest | (3 * ref_one);
/// A freshly submitted blocking task: queued, joinable, referenced by its queue and its handle.
inline constexpr std::uint64_t blocking_initial = notified | join_interest | (2 * ref_one);
}  // namespace task_state

/// The part of a task that the executor, wakers and JoinHandles share.
struct TaskHeader {
  explicit TaskHeader(const TaskVTable* vt) noexcept : vtable(vt) {}
  TaskHeader(const TaskHeader&) = delete;
  TaskHeader& operator=(const TaskHeader&) = delete;
  ~TaskHeader() = default;

  std::atomic<std::uint64_t> state{task_state::initial};
  const TaskVTable* vtable;
  WorkerShared* home = nullptr;  ///< Set when the task is submitted; holds a reference.
  TaskHeader* owned_prev = nullptr;
  TaskHeader* owned_next = nullptr;
  bool bound = false;  ///< On its home worker's owner list (home thread only).
  Waker join_waker;
};

/// The vtable of wakers made from tasks: data is the TaskHeader.
extern const RawWakerVTable task_waker_vtable;

/// True once the task is COMPLETE (acquire: its output is then visible).
bool task_is_complete(const TaskHeader* task) noexcept;

/// JoinHandle::poll's half of the join waker protocol: true when the task is COMPLETE and its
/// output may be read; otherwise `waker` is stored to be woken at completion.
bool join_poll_complete(TaskHeader* task, const Waker& waker);

/// Drops the JoinHandle's interest and reference; drops the output if the task completed.
void join_handle_drop(TaskHeader* task) noexcept;

/// Requests cancellation: the home worker destroys the future at its next turn.
void task_abort(TaskHeader* task) noexcept;

/// The home of the calling thread's worker, or nullptr when the thread is no runtime worker.
WorkerShared* current_home() noexcept;

/// Hands a freshly allocated task (state `initial`) to `home`: straight onto the local queues
/// from the home worker's own thread (where, if `may_move`, an idle worker may take it before its
/// first poll), through its inbox from any other thread. A task sent to a runtime that has shut
/// down is cancelled at once.
void submit_task(TaskHeader* task, WorkerShared* home, bool may_move);

}  // namespace wakeful::detail
