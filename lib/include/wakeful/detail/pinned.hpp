#pragma once
// The check behind every waiter future of wakeful/sync that links itself into a list when it
// first waits: moving it then would leave the list pointing at the old object. A future is
// not moved once polled (see wakeful/future.hpp); this turns a broken promise into a clear
// message instead of memory corruption, in every build, for the price of one branch in a move.

#include <cstdio>
#include <cstdlib>

namespace wakeful::detail {

/// Reports that a future of type `type` was moved while linked into a waiter list, and aborts.
[[noreturn]] inline void moved_after_first_poll(const char* type) noexcept {
  std::fprintf(stderr, "wakeful: %s moved after its first poll\n", type);
  std::abort();
}

}  // namespace wakeful::detail
