#pragma once
// The worker's side of the task state machine (see wakeful/detail/task_header.hpp).

#include <cstdint>

#include "wakeful/detail/task_header.hpp"

namespace wakeful::detail {

/// Drops `count` references; frees the task (and releases its home) when none are left.
void task_ref_dec(TaskHeader* task, std::uint64_t count) noexcept;

/// NOTIFIED -> RUNNING. Returns true when the task was cancelled and must not be polled.
bool transition_to_running(TaskHeader* task) noexcept;

/// What the worker does with a task whose poll returned Pending.
enum class AfterPending {
  idle,     ///< Nothing: it waits for a wake (the poller's reference was dropped).
  requeue,  ///< Woken during the poll: queue it again (with the poller's reference).
  cancel,   ///< Aborted during the poll: cancel it now (still RUNNING).
};

/// RUNNING -> idle, or -> NOTIFIED, or stays RUNNING for cancellation.
AfterPending transition_after_pending(TaskHeader* task) noexcept;

/// RUNNING -> COMPLETE once the output is stored: drops the output if nobody can join it, or
/// wakes the JoinHandle. References are the caller's business.
void transition_to_complete(TaskHeader* task) noexcept;

/// Takes a bound, not running task for shutdown: sets RUNNING and CANCELLED. False if it had
/// already completed.
bool transition_to_shutdown(TaskHeader* task) noexcept;

/// Queues a task whose NOTIFIED bit the caller just set (with the queue's reference).
void schedule(TaskHeader* task);

/// Disposes of a notified task that a closed inbox refused: cancels it if it never ran, then
/// drops the references the queue and the owner list would have dropped.
void release_rejected(TaskHeader* task) noexcept;

}  // namespace wakeful::detail
