#pragma once
// Runtime: a set of workers, one thread each, that run spawned tasks.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "wakeful/asio_fwd.hpp"
#include "wakeful/block_on.hpp"
#include "wakeful/future.hpp"
#include "wakeful/runtime/metrics.hpp"
#include "wakeful/task/join_handle.hpp"
#include "wakeful/task/spawn.hpp"

namespace wakeful {

namespace detail {
class RuntimeImpl;
}  // namespace detail

/// Where a runtime's worker threads may run.
enum class WorkerPlacement : std::uint8_t {
  /// The operating system's scheduler decides (the default).
  floating,
  /// Worker i is pinned to the i-th CPU the process may use (round again when there are more
  /// workers than CPUs). A worker's tasks, its reactor, and the kernel's work for the sockets
  /// it serves then stay on one core, and a connection can be handed to the worker on whose
  /// CPU its packets arrive (see `Runtime::worker_for_cpu` and `net::TcpStream::incoming_cpu`).
  pinned,
};

/// How much Asio locks around the sockets of a worker's io_context.
enum class AsioLocking : std::uint8_t {
  /// Asio locks each socket's reactor state on every event, so Asio objects bound to a worker's
  /// io_context may be used from any thread (the default).
  per_socket,
  /// Asio runs without that lock (ASIO_CONCURRENCY_HINT_UNSAFE_IO; the scheduler and
  /// registration locks stay), which saves a lock and an unlock per readiness event. In return,
  /// an Asio object bound to a worker's io_context may be used (operations started, cancelled,
  /// closed) only on that worker's thread, and for a current-thread runtime only inside
  /// block_on. wakeful's own sockets keep to that by themselves: a TcpStream or TcpListener
  /// dropped, moved to another worker, or first waited on from another thread has that part
  /// carried out on its own worker (see net::TcpStream). Objects of your own, and operations
  /// started through use_future, are yours to keep there.
  worker_thread_only,
};

/// A thread-per-core executor. Each worker owns one thread, one run queue, one
/// `asio::io_context` and an inbox for wakes and spawns from other threads; a task lives on
/// the worker it was spawned on (its home) until it completes.
///
/// Destroying the runtime stops every worker and drops every unfinished task (each future is
/// destroyed on its own worker's thread). Wakers and JoinHandles may outlive the runtime: waking
/// a task of a stopped runtime does nothing, and its JoinHandle reports TaskCancelled.
class Runtime {
 public:
  /// Starts `threads` workers (at least one; by default one per hardware thread), placed as
  /// `placement` says, with Asio locking as `locking` says. Throws std::system_error when a
  /// worker cannot be pinned.
  explicit Runtime(std::size_t threads = default_threads(), WorkerPlacement placement = WorkerPlacement::floating,
                   AsioLocking locking = AsioLocking::per_socket);

  /// A runtime of one worker with no thread of its own: it runs on the thread that calls
  /// block_on, for as long as that call lasts (tokio's current_thread flavour). Tasks spawned
  /// from other threads wait until then. The process stays single-threaded, which saves the
  /// kernel and libc some work per system call. Drive it with Runtime::block_on only: a thread
  /// blocked on one of its JoinHandles elsewhere waits for nobody.
  static Runtime current_thread(AsioLocking locking = AsioLocking::per_socket);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  Runtime(Runtime&&) = delete;
  Runtime& operator=(Runtime&&) = delete;
  /// Stops the workers, drops every unfinished task and joins the threads.
  ~Runtime();

  /// Spawns `future`: on the calling worker when called from one of this runtime's workers,
  /// otherwise on the workers in turn.
  template <SpawnableFuture F>
  JoinHandle<output_of<F>> spawn(F&& future) {
    return detail::spawn_at(pick_home(), std::forward<F>(future));
  }

  /// Spawns the future `fn(args...)`, called at once, as spawn(future) does; a coroutine made so
  /// has room for its task in front of its frame: one allocation in all (see wakeful::spawn).
  template <class Fn, class... Args>
  requires SpawnableCall<Fn, Args...>
  auto spawn(Fn&& fn, Args&&... args) {
    return detail::spawn_call_at(pick_home(), std::forward<Fn>(fn), std::forward<Args>(args)...);
  }

  /// Spawns `future` on worker `worker` (0-based). Throws std::out_of_range for a bad index.
  template <SpawnableFuture F>
  JoinHandle<output_of<F>> spawn_on(std::size_t worker, F&& future) {
    return detail::spawn_at(home_at(worker), std::forward<F>(future));
  }

  /// Runs `future` as a task on this runtime and blocks the calling thread until it completes;
  /// returns its output or rethrows its exception. Throws std::logic_error on a worker thread.
  template <SpawnableFuture F>
  output_of<F> block_on(F&& future) {
    detail::forbid_blocking_on_worker("Runtime::block_on");
    JoinHandle<output_of<F>> handle = spawn(std::forward<F>(future));
    run_until_complete(handle.task_);  // a current-thread runtime works here, on this thread
    return wakeful::block_on(std::move(handle));
  }

  /// Number of workers.
  [[nodiscard]] std::size_t threads() const noexcept;

  /// The CPU worker `worker` is pinned to; nullopt when the workers float. Throws
  /// std::out_of_range for a bad index.
  [[nodiscard]] std::optional<int> worker_cpu(std::size_t worker) const;

  /// The first worker pinned to `cpu`; nullopt when the workers float or none runs there.
  [[nodiscard]] std::optional<std::size_t> worker_for_cpu(int cpu) const noexcept;

  /// True for a runtime made by current_thread().
  [[nodiscard]] bool is_current_thread() const noexcept;

  /// The io_context of worker `worker` (0-based): Asio objects bound to it have their handlers
  /// run on that worker's thread, where they may spawn tasks and wake wakers. Throws
  /// std::out_of_range for a bad index.
  [[nodiscard]] asio::io_context& io_context(std::size_t worker) const;

  /// A snapshot of every worker's counters, indexed by worker.
  [[nodiscard]] std::vector<WorkerMetrics> metrics() const;

  /// The runtime whose worker runs the calling thread, or nullptr.
  [[nodiscard]] static Runtime* current() noexcept;

  /// The index of the worker running the calling thread, if any.
  [[nodiscard]] static std::optional<std::size_t> current_worker_index() noexcept;

  /// One per hardware thread (at least one).
  [[nodiscard]] static std::size_t default_threads() noexcept;

 private:
  struct CurrentThread {};
  Runtime(CurrentThread tag, AsioLocking locking);
  void run_until_complete(const detail::TaskHeader* task);
  detail::WorkerShared* pick_home() noexcept;
  detail::WorkerShared* home_at(std::size_t worker) const;

  std::unique_ptr<detail::RuntimeImpl> impl_;
};

/// The io_context of the worker running the calling thread. Throws std::logic_error outside a
/// runtime worker.
[[nodiscard]] asio::io_context& current_io_context();

/// Spawns `future` on worker `worker` of the calling thread's runtime. Throws std::logic_error
/// outside a runtime and std::out_of_range for a bad index.
template <SpawnableFuture F>
JoinHandle<output_of<F>> spawn_on(std::size_t worker, F&& future) {
  Runtime* runtime = Runtime::current();
  if (runtime == nullptr) {
    throw std::logic_error("wakeful::spawn_on called outside a runtime worker (use Runtime::spawn_on)");
  }
  return runtime->spawn_on(worker, std::forward<F>(future));
}

}  // namespace wakeful
