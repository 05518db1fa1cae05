// The in-place upgrade: fork and exec the new binary with the listeners, then wait for its word.

#include "upgrade.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "socket_activation.hpp"
#include "wakeful/io/registration.hpp"
#include "wakeful/time/sleep.hpp"

extern char** environ;  // NOLINT: POSIX

namespace httpd {

namespace io = wakeful::io;

namespace {

constexpr int first_listen_fd = 3;  // SD_LISTEN_FDS_START

// After the pipe's EOF, how long the process may take to finish exiting before it is killed.
constexpr auto exit_grace = std::chrono::seconds(1);

bool handed_over(std::string_view entry) noexcept {
  for (const std::string_view name : {"LISTEN_PID=", "LISTEN_FDS=", "LISTEN_FDNAMES="}) {
    if (entry.starts_with(name)) {
      return true;
    }
  }
  return entry.starts_with(ready_fd_variable) && entry.substr(std::strlen(ready_fd_variable)).starts_with('=');
}

// Duplicates `fd` above every descriptor number the child is given, so that no dup2 in the child
// overwrites a source it still needs (and never dups a descriptor onto itself, which would leave
// it close-on-exec).
int dup_above(int fd, int floor) noexcept { return ::fcntl(fd, F_DUPFD_CLOEXEC, floor); }

// Writes `value` in decimal at `out` (room for 11 characters and a NUL); async-signal-safe.
void write_decimal(char* out, pid_t value) noexcept {
  std::array<char, 12> digits{};
  std::size_t count = 0;
  auto rest = static_cast<unsigned long>(value);
  do {
    digits[count++] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  } while (rest != 0 && count < digits.size());
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = digits[count - 1 - i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  }
  out[count] = '\0';  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

std::string describe(int status) {
  if (WIFEXITED(status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return std::string("ended by signal ") + std::to_string(WTERMSIG(status));
  }
  return "ended";
}

}  // namespace

io::Result<Upgrade> Upgrade::start(const std::string& binary, const std::vector<std::string>& arguments,
                                   const std::vector<int>& listeners) {
  // Everything the child needs is built here: between fork and exec a multithreaded process may
  // only make async-signal-safe calls (no allocation).
  const int count = static_cast<int>(listeners.size());
  const int ready_target = first_listen_fd + count;
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    if (!handed_over(*entry)) {
      environment.emplace_back(*entry);
    }
  }
  environment.push_back("LISTEN_FDS=" + std::to_string(count));
  environment.push_back(std::string(ready_fd_variable) + "=" + std::to_string(ready_target));
  constexpr std::string_view pid_name = "LISTEN_PID=";
  environment.push_back(std::string(pid_name) + std::string(12, '\0'));  // the child writes its pid here
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (std::string& entry : environment) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  char* const pid_digits = environment.back().data() + pid_name.size();
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (std::string& argument : argv_strings) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  int pipe_fds[2];  // NOLINT(*-avoid-c-arrays)
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return io::last_error();
  }
  std::vector<int> sources;
  const int floor = ready_target + 1;
  auto close_all = [&] {
    for (const int fd : sources) {
      ::close(fd);
    }
    ::close(pipe_fds[1]);
  };
  for (const int fd : listeners) {
    sources.push_back(dup_above(fd, floor));
    if (sources.back() < 0) {
      sources.pop_back();
      const std::error_code error = io::last_error();
      close_all();
      ::close(pipe_fds[0]);
      return error;
    }
  }
  const int ready_source = dup_above(pipe_fds[1], floor);
  if (ready_source < 0) {
    const std::error_code error = io::last_error();
    close_all();
    ::close(pipe_fds[0]);
    return error;
  }
  sources.push_back(ready_source);

  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: async-signal-safe calls only. dup2 clears close-on-exec on the copies; every
    // other descriptor of the server is close-on-exec.
    for (int i = 0; i <= count; ++i) {
      if (::dup2(sources[static_cast<std::size_t>(i)], first_listen_fd + i) < 0) {
        ::_exit(126);
      }
    }
    write_decimal(pid_digits, ::getpid());
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): the child has one thread
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  const std::error_code fork_error = pid < 0 ? io::last_error() : std::error_code();
  close_all();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return fork_error;
  }
  const int status = ::fcntl(pipe_fds[0], F_GETFL);
  (void)::fcntl(pipe_fds[0], F_SETFL, status | O_NONBLOCK);
  return Upgrade(pid, pipe_fds[0]);
}

Upgrade::Upgrade(Upgrade&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), ready_fd_(std::exchange(other.ready_fd_, -1)) {}

Upgrade::~Upgrade() {
  if (ready_fd_ >= 0) {
    ::close(ready_fd_);
  }
}

wakeful::Async<bool> Upgrade::ready(Clock::time_point deadline, std::string& why) {
  wakeful::time::Sleep timer(deadline);
  {
    io::Result<io::Registration> pipe = io::Registration::open(ready_fd_, io::Ownership::borrowed);
    if (!pipe) {
      why = "cannot wait for it: " + pipe.error().message();
    } else {
      std::string said;
      for (;;) {
        std::array<char, 64> chunk{};
        const int fd = ready_fd_;
        const std::optional<io::Result<std::size_t>> got = co_await with_deadline(
            pipe->async_io(io::Direction::read,
                           [fd, &chunk]() -> io::Result<std::size_t> {
                             const ssize_t n = ::read(fd, chunk.data(), chunk.size());
                             return n < 0 ? io::Result<std::size_t>(io::last_error()) : static_cast<std::size_t>(n);
                           }),
            timer, deadline);
        if (!got) {
          why = "it did not say it serves in time";
          break;
        }
        if (!got->ok() || **got == 0) {
          why = got->ok() ? "it closed the readiness pipe" : "readiness pipe: " + got->error().message();
          break;
        }
        said.append(chunk.data(), **got);
        if (said.find(ready_message) != std::string::npos) {
          co_return true;
        }
      }
    }
  }
  // A process that closed its pipe is usually exiting: give it a moment, to report how it ended
  // rather than a kill. pidfd_open(2) by its number: Debian 12's <sys/pidfd.h> declares it
  // without C linkage. The descriptor is close-on-exec, and readable once the process has ended.
  std::optional<int> status = reap();
  const int exited = status ? -1 : static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (exited >= 0) {
    io::Result<io::Registration> watch = io::Registration::open(exited, io::Ownership::owned);
    const Clock::time_point give_up = Clock::now() + exit_grace;
    while (watch && !status) {
      // A registration starts readable: the first event may be no news, hence the loop.
      const std::optional<io::ReadyEvent> event = co_await with_deadline(watch->readable(), timer, give_up);
      status = reap();
      if (!event) {
        break;
      }
      watch->clear_readiness(*event);
    }
  }
  why += "; it " + (status ? describe(*status) : kill_and_reap());
  co_return false;
}

std::optional<int> Upgrade::reap() const {
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) {
    return std::nullopt;
  }
  return status;
}

std::string Upgrade::kill_and_reap() const {
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  return "was killed";
}

}  // namespace httpd
