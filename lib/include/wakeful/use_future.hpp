#pragma once
// use_future: an Asio completion token that turns any Asio asynchronous operation into a
// wakeful Future.
//
//   auto endpoints = co_await resolver.async_resolve("localhost", "8080", wakeful::use_future);
//   co_await timer.async_wait(wakeful::use_future);
//
// The operation starts at the first poll, as futures do (Asio operations otherwise start when
// called). Its completion handler stores the result and wakes the task; it owns the state it
// touches, so the future may be dropped at any time. Dropping a future whose operation is still
// running asks the operation to cancel (a terminal cancellation, posted to the operation's
// executor, for the operations that support per-operation cancellation).
//
// The operation starts on the thread that polls the future. On a runtime made with
// AsioLocking::worker_thread_only, poll it only from a task of the worker whose io_context the
// I/O object is bound to.
//
// Output: for a completion signature void(error_code, T...), an io::Result of nothing, of T, or
// of std::tuple<T...>; for void(T...), nothing, T or std::tuple<T...>.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "wakeful/asio.hpp"

#include "wakeful/detail/mutex.hpp"
#include "wakeful/future.hpp"
#include "wakeful/io/result.hpp"

namespace wakeful {

/// The completion token type; use the `use_future` object.
struct use_future_t {
  constexpr use_future_t() noexcept = default;
};

/// Pass as the completion token of an Asio asynchronous operation to get a wakeful Future.
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
template <class Output>
struct AsioOpState {
  wakeful::detail::Mutex mutex;
  std::optional<value_or_monostate<Output>> output;  // guarded by mutex
  Waker waker;                                       // guarded by mutex
  asio::cancellation_signal cancel;                  // touched on the operation's executor only
};

/// The completion handler handed to the Asio operation.
template <class Output, class... Args>
class AsioHandler {
 public:
  using cancellation_slot_type = asio::cancellation_slot;

  explicit AsioHandler(std::shared_ptr<AsioOpState<Output>> state) noexcept : state_(std::move(state)) {}

  [[nodiscard]] cancellation_slot_type get_cancellation_slot() const noexcept { return state_->cancel.slot(); }

  template <class... Results>
  void operator()(Results&&... results) {
    Waker waker;
    {
      const std::lock_guard lock(state_->mutex);
      if constexpr (std::is_void_v<Output>) {
        state_->output.emplace();
      } else {
        state_->output.emplace(asio_output<Args...>::make(std::forward<Results>(results)...));
      }
      waker = std::move(state_->waker);
    }
    std::move(waker).wake();
  }

 private:
  std::shared_ptr<AsioOpState<Output>> state_;
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
      : initiation_(std::in_place, std::forward<I>(initiation)), args_(std::in_place, std::forward<A>(args)...) {}
  AsioFuture(AsioFuture&&) noexcept = default;
  AsioFuture& operator=(AsioFuture&&) = delete;
  AsioFuture(const AsioFuture&) = delete;
  AsioFuture& operator=(const AsioFuture&) = delete;
  ~AsioFuture() {
    if (cancel_ && !done_) {
      cancel_();
    }
  }

  /// Starts the operation at the first poll; ready with its result.
  Poll<Output> poll(Context& cx) {
    if (done_) {
      throw std::logic_error("wakeful: an Asio operation's future was polled after completion");
    }
    if (!state_) {
      start(cx);
    }
    const std::lock_guard lock(state_->mutex);
    if (!state_->output) {
      if (!state_->waker.will_wake(cx.waker())) {
        state_->waker = cx.waker();
      }
      return Pending;
    }
    done_ = true;
    if constexpr (std::is_void_v<Output>) {
      return Ready;
    } else {
      return Poll<Output>(std::in_place, std::move(*state_->output));
    }
  }

 private:
  void start(Context& cx) {
    state_ = std::make_shared<AsioOpState<Output>>();
    state_->waker = cx.waker();
    auto executor = asio::get_associated_executor(*initiation_);
    cancel_ = [executor, state = state_] {
      asio::post(executor, [state] { state->cancel.emit(asio::cancellation_type::terminal); });
    };
    std::apply(
        [this](auto&&... args) {
          std::move (*initiation_)(AsioHandler<Output, Args...>(state_), std::forward<decltype(args)>(args)...);
        },
        std::move(*args_));
    initiation_.reset();
    args_.reset();
  }

  std::optional<Initiation> initiation_;
  std::optional<std::tuple<InitArgs...>> args_;
  std::shared_ptr<AsioOpState<Output>> state_;
  std::function<void()> cancel_;
  bool done_ = false;
};

}  // namespace detail
}  // namespace wakeful

/// Makes wakeful::use_future a completion token for every Asio operation.
template <class... Args>
struct wakeful::asio::async_result<wakeful::use_future_t, void(Args...)> {
  template <class Initiation, class... InitArgs>
  static auto initiate(Initiation&& initiation, wakeful::use_future_t /*token*/, InitArgs&&... args) {
    return wakeful::detail::AsioFuture<void(Args...), std::decay_t<Initiation>, std::decay_t<InitArgs>...>(
        std::forward<Initiation>(initiation), std::forward<InitArgs>(args)...);
  }
};
