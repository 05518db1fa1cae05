#pragma once
// block_on: drive one future to completion on the calling thread.

#include <type_traits>
#include <utility>

#include "wakeful/context.hpp"
#include "wakeful/future.hpp"
#include "wakeful/waker.hpp"

namespace wakeful {

namespace detail {

/// Blocks a thread until its waker is woken. The waker stays valid after the Parker is gone
/// (it is reference counted), so a future may keep it as long as it likes.
class Parker {
 public:
  Parker();
  Parker(const Parker&) = delete;
  Parker& operator=(const Parker&) = delete;
  ~Parker() = default;

  /// The waker that unparks this thread.
  [[nodiscard]] const Waker& waker() const noexcept { return waker_; }

  /// Blocks until the waker has been woken since the last park (returns at once if it has).
  void park() noexcept;

 private:
  Waker waker_;
};

/// Throws std::logic_error naming `what` when called on a runtime worker thread, where blocking
/// would stall every task of that worker (and deadlock if the awaited work is queued there).
void forbid_blocking_on_worker(const char* what);

}  // namespace detail

/// Polls `future` on the calling thread until it completes, sleeping while it is pending, and
/// returns its output (or rethrows its exception). Like Rust's `futures::executor::block_on`,
/// it provides no runtime: use Runtime::block_on for futures that spawn tasks or do I/O.
/// Throws std::logic_error when called on a runtime worker thread.
template <Future F>
output_of<F> block_on(F&& future) {
  detail::forbid_blocking_on_worker("block_on");
  detail::Parker parker;
  Context cx(parker.waker());
  for (;;) {
    Poll<output_of<F>> result = future.poll(cx);
    if (result.is_ready()) {
      if constexpr (std::is_void_v<output_of<F>>) {
        return;
      } else {
        return std::move(result).value();
      }
    }
    parker.park();
  }
}

}  // namespace wakeful
