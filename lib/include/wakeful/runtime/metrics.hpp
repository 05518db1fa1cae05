#pragma once
// Per-worker counters of the runtime.

#include <cstddef>
#include <cstdint>

namespace wakeful {

/// A snapshot of one worker's counters since the runtime started. Each counter is written by
/// its worker only, so reading them costs the worker nothing.
struct WorkerMetrics {
  std::uint64_t tasks_spawned = 0;  ///< Tasks that made this worker their home.
  std::uint64_t tasks_alive = 0;    ///< Tasks on this worker that have not completed.
  std::uint64_t polls = 0;          ///< Task polls.
  std::uint64_t wakes_local = 0;    ///< Tasks scheduled from this worker's own thread.
  std::uint64_t wakes_remote = 0;   ///< Tasks scheduled from other threads, through the inbox.
  std::uint64_t parks = 0;          ///< Times the worker blocked waiting for work or I/O.
  std::uint64_t spins = 0;          ///< Times a spin before parking found work (no park needed).
  std::uint64_t io_polls = 0;       ///< Non-blocking turns of the I/O reactor between task batches.
  std::uint64_t tasks_stolen = 0;   ///< Never-polled tasks this worker took from another's spawn queue.
  std::uint64_t auto_advances = 0;  ///< Jumps of a paused clock to the next timer (time::pause).
};

/// A snapshot of a runtime's blocking pool (the threads behind spawn_blocking), taken under the
/// pool's lock, so its fields agree with each other.
struct BlockingMetrics {
  std::size_t threads = 0;            ///< Live pool threads, busy or idle.
  std::size_t idle_threads = 0;       ///< Live threads waiting for a job.
  std::size_t running = 0;            ///< Jobs running now.
  std::size_t queued = 0;             ///< Jobs waiting for a thread.
  std::uint64_t threads_started = 0;  ///< Threads started since the runtime started.
  std::uint64_t threads_retired = 0;  ///< Threads that ended after their keep-alive ran out.
  std::uint64_t jobs_completed = 0;   ///< Jobs that ran (or were aborted) on a pool thread.
};

}  // namespace wakeful
