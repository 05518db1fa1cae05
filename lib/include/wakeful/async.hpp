#pragma once
// Async<T>: a C++20 coroutine that is itself a Future; our `async fn`.
//
//   Async<int> add_later(Receiver<int>& rx) {
//     int a = *co_await rx.recv();    // any Future can be awaited
//     co_return a + 1;
//   }
//
// How it maps onto the poll model. The coroutine starts suspended and runs only when polled.
// `co_await f` polls `f` right there with the Context of the current poll; if `f` is ready
// the coroutine goes on without suspending. If `f` is pending, the coroutine suspends and
// leaves behind how to poll `f` again. The next `Async::poll` polls `f` first and resumes the
// coroutine only once `f` is ready, so a coroutine is never resumed just to find out that it
// must wait again. Exceptions thrown by the body, or by an awaited future, come out of
// `Async::poll` to whoever polls it (and from there out of JoinHandles and block_on).
//
// Only Futures can be awaited: an awaitable that resumes the coroutine by itself, from some
// other thread or callback, would bypass the waker and break the model.
//
// A frame made by spawn(fn, args...) is allocated with room in front of it for the task that
// runs it, so spawning a coroutine that way costs no allocation beyond its frame; a frame that is
// awaited, block_on'd or spawned after it was made carries no such room (detail/task_room.hpp).

#include <cassert>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "wakeful/detail/task_cell.hpp"
#include "wakeful/future.hpp"

namespace wakeful {

template <class T = void>
class Async;

namespace detail {

class AsyncPromiseBase;

/// The co_await of a Future inside an Async coroutine.
template <Future F>
class FutureAwaiter {
 public:
  using Output = output_of<F>;

  FutureAwaiter(F& future, AsyncPromiseBase& promise) noexcept : future_(future), promise_(promise) {}

  // Polls at once: a ready future costs no suspension. An exception here is thrown inside the
  // coroutine body, where the user may catch it.
  bool await_ready();
  void await_suspend(std::coroutine_handle<> /*unused*/) noexcept;
  Output await_resume() {
    if (error_) {
      std::rethrow_exception(error_);
    }
    if constexpr (!std::is_void_v<Output>) {
      return std::move(*output_);
    }
  }

 private:
  bool poll_once(Context& cx) {
    auto result = future_.poll(cx);
    if (result.is_pending()) {
      return false;
    }
    if constexpr (!std::is_void_v<Output>) {
      output_.emplace(std::move(result).value());
    }
    return true;
  }

  // Called by Async::poll while the coroutine is suspended here. An exception is kept and
  // rethrown from await_resume, so that it surfaces inside the coroutine body too.
  static bool repoll(void* self, Context& cx) noexcept {
    auto* awaiter = static_cast<FutureAwaiter*>(self);
    try {
      return awaiter->poll_once(cx);
    } catch (...) {
      awaiter->error_ = std::current_exception();
      return true;
    }
  }

  F& future_;
  AsyncPromiseBase& promise_;
  std::optional<value_or_monostate<Output>> output_;
  std::exception_ptr error_;
};

/// What every Async promise shares: the current Context and the suspended co_await.
class AsyncPromiseBase {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }
  std::suspend_always final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  template <class F>
  auto await_transform(F&& future) {
    static_assert(Future<std::remove_reference_t<F>>, "inside wakeful::Async only wakeful Futures can be co_awaited");
    return FutureAwaiter<std::remove_reference_t<F>>(future, *this);
  }

  /// Polls the future the coroutine is suspended on; true when the coroutine may resume.
  bool poll_awaited(Context& cx) noexcept {
    if (awaited_poll_ == nullptr) {
      return true;
    }
    if (!awaited_poll_(awaited_, cx)) {
      return false;
    }
    awaited_poll_ = nullptr;
    return true;
  }

  void rethrow_if_failed() {
    if (error_) {
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
  }

 private:
  template <Future F>
  friend class FutureAwaiter;

  Context* cx_ = nullptr;
  void* awaited_ = nullptr;
  bool (*awaited_poll_)(void*, Context&) noexcept = nullptr;
  std::exception_ptr error_;

  template <class T>
  friend class wakeful::Async;
};

template <Future F>
bool FutureAwaiter<F>::await_ready() {
  assert(promise_.cx_ != nullptr);
  return poll_once(*promise_.cx_);
}

template <Future F>
void FutureAwaiter<F>::await_suspend(std::coroutine_handle<> /*unused*/) noexcept {
  promise_.awaited_ = this;
  promise_.awaited_poll_ = &FutureAwaiter::repoll;
}

/// Where an Async<T> frame is allocated: behind room for the TaskCell that would run it when
/// spawn(fn, args...) asks for one, on its own otherwise (detail/task_room.hpp).
template <class T>
class AsyncFrameAllocation {
 public:
  static void* operator new(std::size_t frame_size) {
    using Room = TaskRoom<TaskCell<Async<T>>>;  // named here, where Async<T> is complete
    if constexpr (Room::available) {
      return Room::allocate_frame(frame_size);
    } else {
      return ::operator new(frame_size);
    }
  }
  // Sized: the frame's size is where its tag is.
  static void operator delete(void* frame, std::size_t frame_size) noexcept {
    using Room = TaskRoom<TaskCell<Async<T>>>;
    if constexpr (Room::available) {
      Room::deallocate_frame(frame, frame_size);
    } else {
      ::operator delete(frame);
    }
  }
};

template <class T>
class AsyncPromise : public AsyncPromiseBase, public AsyncFrameAllocation<T> {
 public:
  Async<T> get_return_object() noexcept;
  template <class U = T>
  requires std::constructible_from<T, U&&>
  void return_value(U&& value) { value_.emplace(std::forward<U>(value)); }
  T take_value() { return std::move(*value_); }

 private:
  std::optional<T> value_;
};

template <>
class AsyncPromise<void> : public AsyncPromiseBase, public AsyncFrameAllocation<void> {
 public:
  Async<void> get_return_object() noexcept;
  void return_void() noexcept {}
};

template <class T>
void* adopt_task_room(Async<T>& async, const RoomRequest& request) noexcept;

}  // namespace detail

/// A coroutine that is a Future of `T`. It runs only when polled (it starts suspended, like a
/// Rust `async fn`), and inside it `co_await` works on any Future. Polling it after it
/// completed throws std::logic_error.
template <class T>
class [[nodiscard]] Async {
 public:
  /// The coroutine's promise: makes a function returning Async<T> a coroutine.
  using promise_type = detail::AsyncPromise<T>;
  /// The handle of the coroutine this Async owns.
  using handle_type = std::coroutine_handle<promise_type>;

  /// An empty Async, like a moved-from one: is_done() is true, and polling it throws
  /// std::logic_error. A place to keep a coroutine that is not always there.
  Async() noexcept = default;
  /// Takes the coroutine; `other` is left empty.
  Async(Async&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  /// Destroys the coroutine held (if any) and takes `other`'s.
  Async& operator=(Async&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Async(const Async&) = delete;
  Async& operator=(const Async&) = delete;
  /// Destroys the coroutine frame, and with it whatever it was awaiting.
  ~Async() { reset(); }

  /// Polls the awaited future, and resumes the body once that is ready. Ready with the value
  /// of `co_return`; rethrows what the body threw.
  Poll<T> poll(Context& cx) {
    if (!handle_ || handle_.done()) {
      throw std::logic_error("wakeful: Async polled after completion");
    }
    promise_type& promise = handle_.promise();
    if (!promise.poll_awaited(cx)) {
      return Pending;
    }
    promise.cx_ = &cx;
    handle_.resume();
    promise.cx_ = nullptr;
    if (!handle_.done()) {
      return Pending;
    }
    promise.rethrow_if_failed();
    if constexpr (std::is_void_v<T>) {
      return Ready;
    } else {
      return Poll<T>(std::in_place, promise.take_value());
    }
  }

  /// True once the body has returned or thrown.
  [[nodiscard]] bool is_done() const noexcept { return !handle_ || handle_.done(); }

 private:
  friend promise_type;
  friend void* detail::adopt_task_room<T>(Async& async, const detail::RoomRequest& request) noexcept;
  explicit Async(handle_type handle) noexcept : handle_(handle) {}

  void reset() noexcept {
    if (handle_) {
      std::exchange(handle_, nullptr).destroy();
    }
  }

  handle_type handle_{};
};

namespace detail {
template <class T>
Async<T> AsyncPromise<T>::get_return_object() noexcept {
  return Async<T>(std::coroutine_handle<AsyncPromise<T>>::from_promise(*this));
}
inline Async<void> AsyncPromise<void>::get_return_object() noexcept {
  return Async<void>(std::coroutine_handle<AsyncPromise<void>>::from_promise(*this));
}

/// Hands the frame's block to the task about to be built in its room; returns that room, or
/// nullptr when the frame has none that `request` granted (an empty Async, another frame, or an
/// output too aligned for the room).
template <class T>
void* adopt_task_room(Async<T>& async, const RoomRequest& request) noexcept {
  using Room = TaskRoom<TaskCell<Async<T>>>;
  if constexpr (Room::available) {
    return Room::adopt(async.handle_.address(), request);
  } else {
    return nullptr;
  }
}

/// The room a spawn(fn, args...) of a coroutine of output T asks for; 0 when it cannot have one.
template <class T>
inline constexpr std::size_t task_room_prefix =
    TaskRoom<TaskCell<Async<T>>>::available ? TaskRoom<TaskCell<Async<T>>>::prefix : 0;

template <class F>
inline constexpr bool is_async_v = false;
template <class T>
inline constexpr bool is_async_v<Async<T>> = true;
}  // namespace detail

}  // namespace wakeful
