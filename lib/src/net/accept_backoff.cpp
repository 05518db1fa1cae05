// AcceptBackoff: a doubling timer between accepts that failed for lack of resources.

#include "wakeful/net/detail/accept_backoff.hpp"

#include <algorithm>

namespace wakeful::net::detail {

namespace {

constexpr std::chrono::milliseconds first_delay{5};
constexpr std::chrono::milliseconds max_delay{500};

// Errors that say "not now": the connection stays in the backlog and accept can succeed later.
bool out_of_resources(const std::error_code& error) noexcept {
  return error == std::errc::too_many_files_open || error == std::errc::too_many_files_open_in_system ||
         error == std::errc::no_buffer_space || error == std::errc::not_enough_memory;
}

}  // namespace

Poll<void> AcceptBackoff::poll(Context& cx) {
  if (timer_) {
    if (timer_->poll_unbudgeted(cx).is_pending()) {
      return Pending;
    }
    timer_.reset();
  }
  return Ready;
}

bool AcceptBackoff::start(const std::error_code& error) {
  if (!out_of_resources(error)) {
    return false;
  }
  delay_ = delay_.count() == 0 ? first_delay : std::min(delay_ * 2, max_delay);
  count_.fetch_add(1, std::memory_order_relaxed);
  timer_.emplace(time::sleep_for(delay_));
  return true;
}

}  // namespace wakeful::net::detail
