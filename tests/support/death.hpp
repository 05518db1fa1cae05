#pragma once
// Runs a function in a forked child and reports whether it aborted, and what it wrote to
// standard error: for checks that end the process on purpose (a future moved while linked).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace wakeful::test {

/// Calls `fn` in a child process. Returns its standard error if it died of SIGABRT, or
/// std::nullopt if it ended any other way. Call it while the process has no other threads.
template <class Fn>
std::optional<std::string> aborts_with(Fn&& fn) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return std::nullopt;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::signal(SIGABRT, SIG_DFL);  // the test framework's crash handler must not report it
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    fn();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string err;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) {
    return err;
  }
  return std::nullopt;
}

}  // namespace wakeful::test
