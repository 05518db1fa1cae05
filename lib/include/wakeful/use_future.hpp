#pragma once
// use_future: an Asio completion token that turns any Asio asynchronous operation into a
// wakeful Future.
//
//   auto endpoints = co_await resolver.async_resolve("localhost", "8080", wakeful::use_future);
//   co_await timer.async_wait(wakeful::use_future);
//
// The operation starts at the first poll, as futures do (Asio operations otherwise start when
// called). Its completion handler stores the result and wakes the task; it owns the state it
// touches, so the future may be dropped at any time.
//
// Dropping a future whose operation is still running cancels the operation (a terminal
// per-operation cancellation; operations without that support run to completion). The hard part
// is when. Asio's cancellation handler, which the operation installs in the future's
// cancellation slot, points into the I/O object (a timer's queue entry, a socket's reactor
// registration), and Asio's cancellation is not thread-safe: it must run where the operation's
// handlers run. A cancellation posted there from the drop runs at the io_context's next turn,
// by which time the code that dropped the future has often destroyed the I/O object: the
// typical `timeout(d, timer.async_wait(use_future))` over a timer local to a coroutine, which
// returns right after the timeout. So:
//   - dropped on the thread that runs the operation's execution context (a task of the worker
//     whose io_context the I/O object is bound to, which wakeful polls outside
//     io_context::run, or inside a handler of that context or strand), the cancellation is
//     emitted at once, while the I/O object is certainly alive;
//   - dropped anywhere else, it is posted to the operation's executor, and the I/O object must
//     outlive it: destroy the object on its own executor, by a handler posted after the drop
//     (an io_context runs posted handlers in order), or only once the operation has completed;
//   - a cancellation never reaches an operation that has completed: the completion handler
//     clears the slot, and a posted cancellation that finds the operation complete does
//     nothing.
// In every case drop the future before destroying its I/O object (the natural order when both
// are locals, the object declared first), and do not move the object while its operation runs
// (Asio's cancellation handler would point at the moved-from object). The executor is the
// initiation's associated one, the I/O object's for Asio's operations; an initiation with none
// (a bare lambda given to async_initiate) gets Asio's system executor, whose threads are not the
// operation's: give it a get_executor().
//
// The operation starts on the thread that polls the future. On a runtime made with
// AsioLocking::worker_thread_only, poll it only from a task of the worker whose io_context the
// I/O object is bound to.
//
// Output: for a completion signature void(error_code, T...), an io::Result of nothing, of T, or
// of std::tuple<T...>; for void(T...), nothing, T or std::tuple<T...>.

#include <concepts>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "wakeful/asio.hpp"

#include "wakeful/detail/mutex.hpp"
#include "wakeful/future.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful {

/// The completion token type; use the `use_future` object.
struct use_future_t {
  constexpr use_future_t() noexcept = default;
};

/// Pass as the completion token of an Asio asynchronous operation to get a wakeful Future. The
/// operation starts at the future's first poll; dropping the future before the operation
/// completes cancels it, at once when dropped on the thread that runs the I/O object's
/// io_context (its worker), otherwise through a post that the I/O object must outlive (see the
/// top of this file).
inline constexpr use_future_t use_future{};

namespace detail {

template <class... Ts>
struct values {
  using type = std::tuple<Ts...>;
  template <class... Rs>
  static type make(Rs&&... results) {
    return type(std::forward<Rs>(results)...);
  }
};
template <class T>
struct values<T> {
  using type = T;
  template <class R>
  static type make(R&& result) {
    return type(std::forward<R>(result));
  }
};

/// How the arguments of a completion signature become a future's output. Asio may pass them as
/// rvalues or const lvalues; they are moved or copied into the output.
template <class... Args>
struct asio_output {
  using type = typename values<std::decay_t<Args>...>::type;
  template <class... Rs>
  static type make(Rs&&... results) {
    return values<std::decay_t<Args>...>::make(std::forward<Rs>(results)...);
  }
};
template <>
struct asio_output<> {
  using type = void;
};
template <class... Rest>
struct asio_output<std::error_code, Rest...> {
  using type = io::Result<typename values<std::decay_t<Rest>...>::type>;
  template <class... Rs>
  static type make(const std::error_code& error, Rs&&... rest) {
    if (error) {
      return type(error);
    }
    return type(values<std::decay_t<Rest>...>::make(std::forward<Rs>(rest)...));
  }
};
template <>
struct asio_output<std::error_code> {
  using type = io::Result<void>;
  static type make(const std::error_code& error) { return type(error); }
};
template <class... Rest>
struct asio_output<const std::error_code&, Rest...> : asio_output<std::error_code, Rest...> {};
#if WAKEFUL_ASIO_IS_BOOST
// Boost.Asio completes with boost::system::error_code, which io::Result holds as the
// std::error_code it converts to.
template <class... Rest>
struct asio_output<boost::system::error_code, Rest...> : asio_output<std::error_code, Rest...> {};
template <class... Rest>
struct asio_output<const boost::system::error_code&, Rest...> : asio_output<std::error_code, Rest...> {};
#endif

/// What the completion handler and the future share.
template <class Output, class Executor>
struct AsioOpState {
  explicit AsioOpState(Executor ex) : executor(std::move(ex)) {}

  Executor executor;  // the operation's: where a cancellation from another thread goes
  wakeful::detail::Mutex mutex;
  std::optional<value_or_monostate<Output>> output;  // guarded by mutex; set: the handler ran
  Waker waker;                                       // guarded by mutex
  bool emitting = false;                             // guarded by mutex: `cancel` is being emitted
  // The operation installs its cancellation handler here when it starts. Emitted only while
  // `output` is unset; cleared by the completion handler, or after the emit when the handler
  // ran during it (see emit_cancellation).
  asio::cancellation_signal cancel;
};

/// Emits the terminal cancellation unless the operation has completed. The lock is not held
/// across the emit, which reaches into Asio (and an operation may complete from inside its
/// cancellation handler); `emitting` keeps the completion handler off the slot meanwhile.
template <class State>
void emit_cancellation(State& state) noexcept {
  {
    const std::lock_guard lock(state.mutex);
    if (state.output) {
      return;
    }
    state.emitting = true;
  }
  state.cancel.emit(asio::cancellation_type::terminal);
  const std::lock_guard lock(state.mutex);
  state.emitting = false;
  if (state.output) {
    state.cancel.slot().clear();
  }
}

/// True on the thread of the wakeful worker whose io_context is `context`.
inline bool is_current_worker_context(const asio::execution_context& context) {
  if (Runtime::current() == nullptr) {
    return false;
  }
  const asio::execution_context& worker_context = current_io_context();
  return &worker_context == &context;
}

/// The execution context of `executor`, or nullptr when it does not say.
template <class Executor>
asio::execution_context* execution_context_of(const Executor& executor) {
  if constexpr (asio::can_query<const Executor&, asio::execution::context_t>::value) {
    using Context = decltype(asio::query(executor, asio::execution::context));
    if constexpr (std::is_convertible_v<Context, asio::execution_context&>) {
      asio::execution_context& context = asio::query(executor, asio::execution::context);
      return &context;
    }
  } else if constexpr (requires {
                         { executor.context() } -> std::convertible_to<asio::execution_context&>;
                       }) {
    asio::execution_context& context = executor.context();  // a Networking TS executor
    return &context;
  }
  return nullptr;
}

/// True when a polymorphic executor wraps a `Target` that runs in this thread.
template <class Target, class Executor>
bool target_runs_in_this_thread(const Executor& executor) {
  return executor.target_type() == typeid(Target) && executor.template target<Target>()->running_in_this_thread();
}

/// True inside a handler of `executor`. A polymorphic executor (any_io_executor, that of Asio's
/// I/O objects by default) has no running_in_this_thread: the io_context executor and strand it
/// usually wraps are asked instead.
template <class Executor>
bool inside_executor(const Executor& executor) {
  if constexpr (requires {
                  { executor.running_in_this_thread() } -> std::convertible_to<bool>;
                }) {
    return executor.running_in_this_thread();
  } else if constexpr (requires {
                         { executor.target_type() } -> std::same_as<const std::type_info&>;
                       }) {
    using IoExecutor = asio::io_context::executor_type;
    return target_runs_in_this_thread<IoExecutor>(executor) ||
           target_runs_in_this_thread<asio::strand<IoExecutor>>(executor);
  } else {
    return false;
  }
}

/// True when no handler of `executor` can run concurrently with the calling thread, so that a
/// cancellation emitted here is ordered with the operation: the thread is inside the executor
/// (a handler of its io_context or strand), or it is the wakeful worker that alone runs the
/// executor's io_context. A worker polls its tasks outside io_context::run, where Asio's
/// running_in_this_thread() is false, hence the second test.
template <class Executor>
bool runs_on_calling_thread(const Executor& executor) {
  if (inside_executor(executor)) {
    return true;
  }
  const asio::execution_context* context = execution_context_of(executor);
  return context != nullptr && is_current_worker_context(*context);
}

/// The completion handler handed to the Asio operation.
template <class State, class... Args>
class AsioHandler {
 public:
  using cancellation_slot_type = asio::cancellation_slot;

  explicit AsioHandler(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}

  [[nodiscard]] cancellation_slot_type get_cancellation_slot() const noexcept { return state_->cancel.slot(); }

  /// Stores the result, clears the cancellation slot (whose handler points at an operation now
  /// gone) and wakes the task.
  template <class... Results>
  void operator()(Results&&... results) {
    using Output = typename asio_output<Args...>::type;
    Waker waker;
    {
      const std::lock_guard lock(state_->mutex);
      if constexpr (std::is_void_v<Output>) {
        state_->output.emplace();
      } else {
        state_->output.emplace(asio_output<Args...>::make(std::forward<Results>(results)...));
      }
      if (!state_->emitting) {
        state_->cancel.slot().clear();
      }
      waker = std::move(state_->waker);
    }
    std::move(waker).wake();
  }

 private:
  std::shared_ptr<State> state_;
};

/// The future an Asio operation returns with use_future.
template <class Signature, class Initiation, class... InitArgs>
class AsioFuture;

template <class... Args, class Initiation, class... InitArgs>
class [[nodiscard]] AsioFuture<void(Args...), Initiation, InitArgs...> {
 public:
  using Output = typename asio_output<Args...>::type;

  template <class I, class... A>
  explicit AsioFuture(I&& initiation, A&&... args)
      : start_(std::in_place, std::forward<I>(initiation), std::forward<A>(args)...) {}
  AsioFuture(AsioFuture&&) noexcept = default;
  AsioFuture& operator=(AsioFuture&&) = delete;
  AsioFuture(const AsioFuture&) = delete;
  AsioFuture& operator=(const AsioFuture&) = delete;
  /// Cancels the operation if it is running: at once on the thread that runs its executor,
  /// through a post to the executor from any other (see the top of this file).
  ~AsioFuture() {
    if (state_) {
      cancel();
    }
  }

  /// Starts the operation at the first poll; ready with its result.
  Poll<Output> poll(Context& cx) {
    if (!state_) {
      if (!start_) {
        throw std::logic_error("wakeful: an Asio operation's future was polled after completion");
      }
      start(cx);
    }
    {
      const std::lock_guard lock(state_->mutex);
      if (!state_->output) {
        if (!state_->waker.will_wake(cx.waker())) {
          state_->waker = cx.waker();
        }
        return Pending;
      }
    }
    // The handler has run and will not touch the state again: no lock needed.
    const std::shared_ptr<State> state = std::move(state_);
    if constexpr (std::is_void_v<Output>) {
      return Ready;
    } else {
      return Poll<Output>(std::in_place, std::move(*state->output));
    }
  }

 private:
  using Executor = asio::associated_executor_t<Initiation>;
  using State = AsioOpState<Output, Executor>;

  void start(Context& cx) {
    auto state = std::make_shared<State>(asio::get_associated_executor(std::get<0>(*start_)));
    state->waker = cx.waker();
    std::apply(
        [&state](auto&& initiation, auto&&... args) {
          std::forward<decltype(initiation)>(initiation)(AsioHandler<State, Args...>(state),
                                                         std::forward<decltype(args)>(args)...);
        },
        std::move(*start_));
    start_.reset();
    state_ = std::move(state);
  }

  void cancel() noexcept {
    Waker waker;  // released outside the lock: nobody waits for this operation any more
    {
      const std::lock_guard lock(state_->mutex);
      if (state_->output) {
        return;
      }
      waker = std::move(state_->waker);
    }
    if (runs_on_calling_thread(state_->executor)) {
      emit_cancellation(*state_);
    } else {
      const Executor executor = state_->executor;
      asio::post(executor, [state = std::move(state_)] { emit_cancellation(*state); });
    }
  }

  std::optional<std::tuple<Initiation, InitArgs...>> start_;  // until the first poll
  std::shared_ptr<State> state_;                              // from the first poll to completion
};

}  // namespace detail
}  // namespace wakeful

/// \cond
// Makes wakeful::use_future a completion token for every Asio operation (outside the API
// reference: Doxygen cannot place a specialisation of an Asio template).
template <class... Args>
struct wakeful::asio::async_result<wakeful::use_future_t, void(Args...)> {
  template <class Initiation, class... InitArgs>
  static auto initiate(Initiation&& initiation, wakeful::use_future_t /*token*/, InitArgs&&... args) {
    return wakeful::detail::AsioFuture<void(Args...), std::decay_t<Initiation>, std::decay_t<InitArgs>...>(
        std::forward<Initiation>(initiation), std::forward<InitArgs>(args)...);
  }
};
/// \endcond
