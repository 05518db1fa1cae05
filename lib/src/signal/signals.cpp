// Signals and ctrl_c on Asio's signal_set; what happens to a signal's disposition is described in
// wakeful/signal.hpp.
//
// One async_wait at a time, started by poll_next and completed by Asio on the io_context's
// thread: deliveries that arrive meanwhile are counted by Asio (per signal in the set) and
// complete the next wait at once. The handler holds the state, so the signal_set outlives any
// wait in flight; the owner touches the set only from poll_next and the destructor, which are
// never concurrent, and the handler never touches it.

#include "wakeful/signal.hpp"

#include <csignal>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "wakeful/asio.hpp"
#include "wakeful/detail/mutex.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful {

namespace detail {

struct SignalState {
  explicit SignalState(asio::io_context& io) : set(io) {}

  asio::signal_set set;  // used by the owner only
  Mutex mutex;
  // Guarded by mutex.
  bool waiting = false;          // an async_wait is in flight
  std::optional<int> delivered;  // the signal its completion reported, not yet taken
  std::error_code error;         // or the error it reported
  Waker waker;
};

}  // namespace detail

namespace {

std::shared_ptr<detail::SignalState> listen(asio::io_context& io, std::initializer_list<int> signals) {
  auto state = std::make_shared<detail::SignalState>(io);
  for (const int signal_number : signals) {
    asio_error_code error;
    state->set.add(signal_number, error);
    if (error) {
      asio_error_code ignored;
      state->set.clear(ignored);  // the ones added so far
      throw std::system_error(error, "wakeful: cannot listen for signal " + std::to_string(signal_number));
    }
  }
  return state;
}

}  // namespace

Signals::Signals(std::initializer_list<int> signals) : Signals(current_io_context(), signals) {}

Signals::Signals(asio::io_context& io, std::initializer_list<int> signals) : state_(listen(io, signals)) {}

Signals::Signals(Signals&& other) noexcept = default;

Signals& Signals::operator=(Signals&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}

Signals::~Signals() { close(); }

void Signals::close() noexcept {
  if (!state_) {
    return;
  }
  asio_error_code ignored;
  state_->set.clear(ignored);   // the last registration of a signal puts SIG_DFL back, now
  state_->set.cancel(ignored);  // a wait in flight completes with operation_aborted
  Waker waker;
  {
    const std::lock_guard lock(state_->mutex);
    waker = std::move(state_->waker);  // dropped outside the lock
  }
  state_.reset();  // a wait in flight holds the state until its handler has run
}

Poll<std::optional<int>> Signals::poll_next(Context& cx) {
  if (!state_) {
    throw std::logic_error("wakeful: Signals polled after being moved from");
  }
  detail::SignalState& state = *state_;
  {
    const std::lock_guard lock(state.mutex);
    if (state.delivered) {
      return Poll<std::optional<int>>(std::in_place, std::exchange(state.delivered, std::nullopt));
    }
    if (state.error) {
      throw std::system_error(std::exchange(state.error, {}), "wakeful: waiting for a signal");
    }
    if (!state.waker.will_wake(cx.waker())) {
      state.waker = cx.waker();
    }
    if (state.waiting) {
      return Pending;
    }
    state.waiting = true;
  }
  // Asio never completes a wait inside async_wait, so the handler runs after this returns.
  state.set.async_wait([keep = state_](const asio_error_code& error, int signal_number) {
    Waker waker;
    {
      const std::lock_guard lock(keep->mutex);
      keep->waiting = false;
      if (!error) {
        keep->delivered = signal_number;
      } else if (error != asio::error::operation_aborted) {
        keep->error = error;
      }
      waker = std::move(keep->waker);
    }
    std::move(waker).wake();
  });
  return Pending;
}

Poll<io::Result<void>> CtrlC::poll(Context& cx) {
  if (!signals_) {
    if (Runtime::current() == nullptr) {
      return Poll<io::Result<void>>(std::in_place, io::make_error_code(io::errc::not_on_worker));
    }
    try {
      signals_.emplace(std::initializer_list<int>{SIGINT});
    } catch (const std::system_error& e) {
      return Poll<io::Result<void>>(std::in_place, e.code());
    }
  }
  Poll<std::optional<int>> next = signals_->poll_next(cx);
  if (next.is_pending()) {
    return Pending;
  }
  signals_.reset();
  return Poll<io::Result<void>>(std::in_place);
}

}  // namespace wakeful
