#pragma once
// Signals and ctrl_c: POSIX signals as a stream and as a future (tokio::signal), on Asio's
// signal_set.
//
// A listener registers its signals with an Asio signal_set when it is made, so a signal that
// arrives while nobody polls is counted by Asio and delivered at the next poll: none is lost
// and none is merged with the next (as long as the kernel delivered it: two deliveries of a
// standard signal that are pending at once are one for the kernel already).
//
// What happens when the last listener goes: Asio installs its handler when the first signal_set
// of the process registers a signal, and puts the default action (SIG_DFL) back when the last
// registration of that signal in the process is removed, which wakeful's destructor does at
// once. So after the last listener of SIGINT is dropped, a Ctrl-C terminates the process again,
// which is what a server that handles the first Ctrl-C gracefully wants from the second. Two
// consequences to know: a disposition the program set before the first listener (SIG_IGN, or a
// handler of its own) is not restored (it is SIG_DFL afterwards; set it again if it matters),
// and a signal_set the program holds on the same signal keeps Asio's handler installed.
//
// These names are not `signal`: with `using namespace wakeful`, a namespace or function of that
// name would collide with ::signal from <csignal>.

#include <initializer_list>
#include <memory>
#include <optional>

#include "wakeful/asio_fwd.hpp"
#include "wakeful/future.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/stream.hpp"

namespace wakeful {

namespace detail {
struct SignalState;
}  // namespace detail

/// A listener for one or more signals, as a stream of their deliveries: each item is the number
/// of a signal that was delivered; the stream never ends. Deliveries that arrive between polls
/// are kept, one item each (in signal-number order when several signals are pending).
///
/// The signal_set lives on an io_context (the calling worker's, or one given); the Signals must
/// be dropped before that runtime is. Poll it from one task at a time. On a runtime made with
/// AsioLocking::worker_thread_only, make, poll and drop it on the worker of its io_context.
class Signals {
 public:
  /// Listens for `signals` on the calling worker's io_context. Throws std::logic_error outside
  /// a runtime worker, std::system_error for a signal number that cannot be caught (SIGKILL,
  /// SIGSTOP, or out of range), in which case nothing stays registered.
  Signals(std::initializer_list<int> signals);
  /// As above, on `io` (for instance `runtime.io_context(0)`, from any thread).
  Signals(asio::io_context& io, std::initializer_list<int> signals);
  Signals(Signals&&) noexcept;
  Signals& operator=(Signals&&) noexcept;
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;
  /// Stops listening at once; the last listener of a signal in the process puts back SIG_DFL
  /// (see the top of this file). Deliveries not yet received are dropped.
  ~Signals();

  /// The number of the next signal delivered; never std::nullopt. Throws std::system_error if
  /// Asio reports an error waiting (it does not, short of a broken signal pipe).
  Poll<std::optional<int>> poll_next(Context& cx);

  /// Waits for the next delivery (the number of the signal). Cancel safe: dropping the future
  /// loses no delivery; the next one gets it.
  auto recv() noexcept { return Next<Signals>(*this); }

 private:
  void close() noexcept;

  std::shared_ptr<detail::SignalState> state_;
};

/// The future returned by ctrl_c().
class [[nodiscard]] CtrlC {
 public:
  /// Registers for SIGINT on its first poll, on the worker that polls it; ready at the first
  /// SIGINT after that, or with the error that made registering fail (io::errc::not_on_worker
  /// outside a runtime worker).
  Poll<io::Result<void>> poll(Context& cx);

 private:
  std::optional<Signals> signals_;
};

/// A future that completes at the next Ctrl-C (SIGINT) delivered after its first poll. Cancel
/// safe. For a listener that counts from its creation rather than its first poll, or for
/// several signals (SIGINT and SIGTERM), use Signals.
inline CtrlC ctrl_c() noexcept { return {}; }

}  // namespace wakeful
