// The receiving side of the LISTEN_FDS protocol (sd_listen_fds(3)), without libsystemd.

#include "socket_activation.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

namespace httpd {

namespace {

constexpr int first_listen_fd = 3;  // SD_LISTEN_FDS_START

bool parse_int(const char* text, int& out) noexcept {
  const std::string_view view(text);
  const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), out);
  return !view.empty() && error == std::errc() && end == view.data() + view.size();
}

// Marks `fd` close-on-exec: false when it is not an open descriptor.
bool claim(int fd) noexcept { return ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0; }

}  // namespace

Inherited take_inherited() {
  Inherited inherited;
  const char* pid_text = std::getenv("LISTEN_PID");         // NOLINT(concurrency-mt-unsafe): before any thread
  const char* count_text = std::getenv("LISTEN_FDS");       // NOLINT(concurrency-mt-unsafe)
  const char* ready_text = std::getenv(ready_fd_variable);  // NOLINT(concurrency-mt-unsafe)
  int pid = 0;
  int count = 0;
  int ready = -1;
  // The variables are meant for this process only when LISTEN_PID says so: otherwise they were
  // left by an ancestor and are not ours (sd_listen_fds ignores them too).
  const bool ours = pid_text != nullptr && parse_int(pid_text, pid) && pid == ::getpid();
  if (ours) {
    if (count_text == nullptr || !parse_int(count_text, count) || count < 0 || count > 1024) {
      inherited.error = "LISTEN_FDS: not a count of descriptors: '" + std::string(count_text ? count_text : "") + "'";
    } else if (ready_text != nullptr && (!parse_int(ready_text, ready) || ready < first_listen_fd + count)) {
      inherited.error = std::string(ready_fd_variable) + ": not a descriptor after the listeners: '" + ready_text + "'";
    } else {
      for (int fd = first_listen_fd; fd < first_listen_fd + count; ++fd) {
        if (!claim(fd)) {
          inherited.error = "LISTEN_FDS: descriptor " + std::to_string(fd) + " is not open";
          break;
        }
        inherited.listeners.push_back(fd);
      }
      if (inherited.error.empty() && ready >= 0) {
        if (claim(ready)) {
          inherited.ready_fd = ready;
        } else {
          inherited.error = std::string(ready_fd_variable) + ": descriptor " + std::to_string(ready) + " is not open";
        }
      }
    }
  }
  ::unsetenv("LISTEN_PID");       // NOLINT(concurrency-mt-unsafe): before any thread
  ::unsetenv("LISTEN_FDS");       // NOLINT(concurrency-mt-unsafe)
  ::unsetenv("LISTEN_FDNAMES");   // NOLINT(concurrency-mt-unsafe)
  ::unsetenv(ready_fd_variable);  // NOLINT(concurrency-mt-unsafe)
  return inherited;
}

void report_ready(int& fd) noexcept {
  if (fd < 0) {
    return;
  }
  std::string_view rest = ready_message;
  while (!rest.empty()) {
    const ssize_t wrote = ::write(fd, rest.data(), rest.size());
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      break;
    }
    rest.remove_prefix(static_cast<std::size_t>(wrote));
  }
  ::close(fd);
  fd = -1;
}

}  // namespace httpd
