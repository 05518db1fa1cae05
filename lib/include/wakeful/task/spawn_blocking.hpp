#pragma once
// spawn_blocking: run a blocking call on the runtime's blocking pool, from inside a task.

#include <concepts>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wakeful/runtime/runtime.hpp"

namespace wakeful {

/// Runs the blocking callable `f` on the blocking pool of the calling worker's runtime (see
/// Runtime::spawn_blocking). Throws std::logic_error outside a runtime worker (a blocking-pool
/// thread is not one: capture the Runtime and call Runtime::spawn_blocking there).
template <BlockingCallable F>
JoinHandle<blocking_output_of<F>> spawn_blocking(F&& f) {
  Runtime* runtime = Runtime::current();
  if (runtime == nullptr) {
    throw std::logic_error("wakeful::spawn_blocking called outside a runtime worker (use Runtime::spawn_blocking)");
  }
  return runtime->spawn_blocking(std::forward<F>(f));
}

}  // namespace wakeful
