#pragma once
// The in-place upgrade (nginx's binary upgrade): the running server starts a new binary that
// inherits its listening sockets through the LISTEN_FDS protocol (server/socket_activation.hpp),
// waits until the new process says that it serves, and only then drains. No connection is
// refused or reset on the way: the listening sockets never close, and what waits in their
// queues is accepted by whichever process takes it first.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "deadline.hpp"
#include "wakeful/async.hpp"
#include "wakeful/io/result.hpp"

namespace httpd {

/// A new server process, from its start until it is ready or has failed.
class Upgrade {
 public:
  /// Starts `binary` with `arguments` (argv[1...]) and this process's environment, handing it
  /// `listeners` as descriptors 3, 4, ... (LISTEN_FDS, LISTEN_PID) and a pipe for its readiness.
  /// The listeners stay open here as well. Fails with the system's error (pipe, fork); a binary
  /// that cannot be executed shows as a process that exits with status 127 before it is ready.
  static wakeful::io::Result<Upgrade> start(const std::string& binary, const std::vector<std::string>& arguments,
                                            const std::vector<int>& listeners);

  Upgrade(Upgrade&& other) noexcept;
  Upgrade& operator=(Upgrade&&) = delete;
  Upgrade(const Upgrade&) = delete;
  Upgrade& operator=(const Upgrade&) = delete;
  /// Closes the pipe; the process runs on.
  ~Upgrade();

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// Waits, on the calling runtime worker, until the new process reports that it serves: true.
  /// False when it exits or closes the pipe first, or at `deadline`: then it is killed
  /// (SIGKILL: it has not said it serves) and reaped, and `why` says what happened. Cancel
  /// safe: dropped, the wait leaves the process running.
  wakeful::Async<bool> ready(Clock::time_point deadline, std::string& why);

 private:
  Upgrade(pid_t pid, int ready_fd) noexcept : pid_(pid), ready_fd_(ready_fd) {}

  // The process's wait status once it has ended (and is reaped by this call), or nullopt.
  [[nodiscard]] std::optional<int> reap() const;
  // Kills the process and reaps it: "was killed".
  [[nodiscard]] std::string kill_and_reap() const;

  pid_t pid_;
  int ready_fd_;
};

}  // namespace httpd
