// The paused test clock: pause, advance, resume (the clock itself is runtime_clock.hpp).

#include <stdexcept>
#include <string>

#include "runtime/runtime_impl.hpp"
#include "runtime/worker.hpp"
#include "wakeful/time/clock.hpp"

namespace wakeful::time {

namespace {

detail::RuntimeClock& clock_of_current_runtime(const char* what) {
  const detail::Worker* worker = detail::current_worker;
  if (worker == nullptr) {
    throw std::logic_error(std::string("wakeful::time::") + what + " called outside a runtime worker");
  }
  return worker->clock();
}

}  // namespace

void pause() {
  detail::RuntimeClock& clock = clock_of_current_runtime("pause");
  if (detail::current_worker->impl().size() != 1) {
    throw std::logic_error(
        "wakeful::time::pause needs a runtime of one worker (Runtime(1) or Runtime::current_thread)");
  }
  if (clock.paused()) {
    throw std::logic_error("wakeful::time::pause: time is already paused");
  }
  clock.pause();
}

void advance(Clock::duration duration) {
  detail::RuntimeClock& clock = clock_of_current_runtime("advance");
  if (!clock.paused()) {
    throw std::logic_error("wakeful::time::advance: time is not paused");
  }
  if (duration < Clock::duration::zero()) {
    throw std::invalid_argument("wakeful::time::advance: negative duration");
  }
  clock.advance(duration);
}

void resume() {
  detail::RuntimeClock& clock = clock_of_current_runtime("resume");
  if (!clock.paused()) {
    throw std::logic_error("wakeful::time::resume: time is not paused");
  }
  clock.resume();
}

bool is_paused() noexcept {
  const detail::Worker* worker = detail::current_worker;
  return worker != nullptr && worker->clock().paused();
}

}  // namespace wakeful::time
