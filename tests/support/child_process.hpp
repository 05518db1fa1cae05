#pragma once
// A program started for a test, with its standard output on a pipe; stopped by its process id
// (SIGTERM, then SIGKILL) when the object goes away.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT: POSIX

namespace wakeful::test {

class ChildProcess {
 public:
  /// Starts `argv[0]` with `argv`; with `merge_stderr`, its standard error comes through the
  /// same pipe as its output.
  explicit ChildProcess(std::vector<std::string> argv, bool merge_stderr = false) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    if (merge_stderr) {
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    const int status = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    output_ = pipe_fds[0];
    if (status != 0) {
      ::close(output_);
      throw std::runtime_error("posix_spawn " + argv[0] + " failed");
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    stop();
    ::close(output_);
  }

  /// The next line of output (without the newline), or nullopt at EOF or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto end = buffered_.find('\n'); end != std::string::npos) {
        std::string line = buffered_.substr(0, end);
        buffered_.erase(0, end + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{output_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return std::nullopt;
      }
      char chunk[512];
      const ssize_t n = ::read(output_, chunk, sizeof chunk);
      if (n <= 0) {
        return std::nullopt;
      }
      buffered_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// Everything the program writes until it exits (or `timeout`), and its exit status.
  std::pair<std::string, int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::string all = buffered_;
    buffered_.clear();
    while (auto line = read_line(timeout)) {
      all += *line + "\n";
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        return {all, -1};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    return {all, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
  }

  /// Waits for the program to exit, without reading its output (which programs it started may
  /// still write to the same pipe): its exit status, or -1 when killed or still running after
  /// `timeout` (then it is stopped).
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  /// Sends `signal` to the program.
  void signal(int signal) const noexcept {
    if (pid_ > 0) {
      ::kill(pid_, signal);
    }
  }

  /// Stops the program by its process id: SIGTERM, then SIGKILL after two seconds.
  void stop() {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 400; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
  int output_ = -1;
  std::string buffered_;
};

/// The port in a line "listening on ADDRESS:PORT".
inline std::uint16_t port_of(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
}

}  // namespace wakeful::test
