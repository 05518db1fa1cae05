#pragma once
// Per-worker counters of the runtime.

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
  std::uint64_t io_polls = 0;       ///< Non-blocking turns of the I/O reactor between task batches.
};

}  // namespace wakeful
