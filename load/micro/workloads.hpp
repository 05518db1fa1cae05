#pragma once
// The workloads of ../shared/WORKLOADS.md that wakeful-micro implements.

#include <cstddef>

#include "harness.hpp"

namespace wakeful::micro {

/// Options shared by every workload (as the reference's command line).
struct Options {
  Harness harness;
  bool quick = false;  ///< tiny sizes, for a smoke test
};

/// 3. spawn_throughput: joinhandles and counter_notify, on 1 and 2 threads.
void spawn_bench(const Options& options);
/// 4. ping_pong: mpsc_cap1 and notify round trips between two tasks, on 1 thread.
void pingpong_bench(const Options& options);
/// 5. yield_many: yield_now and a hand-written self wake, on 1 thread.
void yield_bench(const Options& options);

}  // namespace wakeful::micro
