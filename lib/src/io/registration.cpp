// io::Registration: the public face of a ScheduledIo.

#include "wakeful/io/registration.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "scheduled_io.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::io {

Result<Registration> Registration::open(int descriptor, Ownership ownership) {
  if (!Runtime::current_worker_index()) {
    if (ownership == Ownership::owned && descriptor >= 0) {
      ::close(descriptor);
    }
    return make_error_code(errc::not_on_worker);
  }
  return open(current_io_context(), descriptor, ownership);
}

Result<Registration> Registration::open(asio::io_context& context, int descriptor, Ownership ownership) {
  if (descriptor < 0) {
    return std::make_error_code(std::errc::bad_file_descriptor);
  }
  // epoll refuses regular files and directories (they are always ready); Asio would accept them
  // and fail every wait instead.
  struct stat status {};
  std::error_code refused;
  if (::fstat(descriptor, &status) != 0) {
    refused = std::error_code(errno, std::system_category());
  } else if (S_ISREG(status.st_mode) || S_ISDIR(status.st_mode)) {
    refused = std::make_error_code(std::errc::operation_not_permitted);
  }
  if (refused) {
    if (ownership == Ownership::owned) {
      ::close(descriptor);
    }
    return refused;
  }
  return open(context, descriptor, ownership, detail::RegisterOptions{});
}

Result<Registration> Registration::open(asio::io_context& context, int descriptor, Ownership ownership,
                                        const detail::RegisterOptions& options) {
  Result<detail::ScheduledIo*> io = detail::ScheduledIo::create(context, descriptor, ownership, options);
  if (!io) {
    return io.error();
  }
  return Registration(*io, descriptor);
}

Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    close();
    io_ = std::exchange(other.io_, nullptr);
    descriptor_ = std::exchange(other.descriptor_, -1);
  }
  return *this;
}

asio::io_context& Registration::context() const noexcept { return io_->context(); }

Poll<ReadyEvent> Registration::poll_ready(Context& cx, Direction direction) {
  if (io_ == nullptr) {
    throw std::logic_error("wakeful: readiness polled on a closed or moved-from registration");
  }
  const detail::ReadyState state = io_->poll_ready_state(cx, direction);
  if (!state.is_ready()) {
    return Pending;
  }
  return state.event(direction);
}

void Registration::close() noexcept {
  descriptor_ = -1;
  if (detail::ScheduledIo* io = std::exchange(io_, nullptr)) {
    io->close();
  }
}

Result<int> Registration::into_descriptor() && {
  descriptor_ = -1;
  detail::ScheduledIo* io = std::exchange(io_, nullptr);
  if (io == nullptr) {
    return std::make_error_code(std::errc::bad_file_descriptor);
  }
  return io->into_descriptor();
}

}  // namespace wakeful::io
