#pragma once
// Everything in wakeful's core, in one include.

#include "wakeful/async.hpp"                   // IWYU pragma: export
#include "wakeful/block_on.hpp"                // IWYU pragma: export
#include "wakeful/context.hpp"                 // IWYU pragma: export
#include "wakeful/coop.hpp"                    // IWYU pragma: export
#include "wakeful/future.hpp"                  // IWYU pragma: export
#include "wakeful/future/join.hpp"             // IWYU pragma: export
#include "wakeful/future/map.hpp"              // IWYU pragma: export
#include "wakeful/future/poll_fn.hpp"          // IWYU pragma: export
#include "wakeful/future/ready.hpp"            // IWYU pragma: export
#include "wakeful/future/select.hpp"           // IWYU pragma: export
#include "wakeful/future/yield_now.hpp"        // IWYU pragma: export
#include "wakeful/poll.hpp"                    // IWYU pragma: export
#include "wakeful/runtime/metrics.hpp"         // IWYU pragma: export
#include "wakeful/runtime/runtime.hpp"         // IWYU pragma: export
#include "wakeful/sync/barrier.hpp"            // IWYU pragma: export
#include "wakeful/sync/broadcast.hpp"          // IWYU pragma: export
#include "wakeful/sync/mpsc.hpp"               // IWYU pragma: export
#include "wakeful/sync/mutex.hpp"              // IWYU pragma: export
#include "wakeful/sync/notify.hpp"             // IWYU pragma: export
#include "wakeful/sync/oneshot.hpp"            // IWYU pragma: export
#include "wakeful/sync/rwlock.hpp"             // IWYU pragma: export
#include "wakeful/sync/semaphore.hpp"          // IWYU pragma: export
#include "wakeful/sync/send_result.hpp"        // IWYU pragma: export
#include "wakeful/sync/watch.hpp"              // IWYU pragma: export
#include "wakeful/task/atomic_waker.hpp"       // IWYU pragma: export
#include "wakeful/task/futures_unordered.hpp"  // IWYU pragma: export
#include "wakeful/task/join_handle.hpp"        // IWYU pragma: export
#include "wakeful/task/join_set.hpp"           // IWYU pragma: export
#include "wakeful/task/poll_all.hpp"           // IWYU pragma: export
#include "wakeful/task/spawn.hpp"              // IWYU pragma: export
#include "wakeful/task/spawn_blocking.hpp"     // IWYU pragma: export
#include "wakeful/time/clock.hpp"              // IWYU pragma: export
#include "wakeful/waker.hpp"                   // IWYU pragma: export

// Signals, cancellation, joins over ranges.
#include "wakeful/future/join_all.hpp"          // IWYU pragma: export
#include "wakeful/signal.hpp"                   // IWYU pragma: export
#include "wakeful/sync/cancellation_token.hpp"  // IWYU pragma: export
