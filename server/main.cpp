// wakeful-httpd: the command line, the listeners (bound, or inherited), the workers, and the
// stop: the drain on SIGINT/SIGTERM, or after an in-place upgrade on SIGUSR2.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "config.hpp"
#include "log.hpp"
#include "router.hpp"
#include "server_asio.hpp"
#include "server_state.hpp"
#include "socket_activation.hpp"
#include "upgrade.hpp"
#include "version.hpp"
#include "wakeful/io.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "worker.hpp"

namespace {

using namespace std::string_literals;
namespace asio = httpd::asio;
namespace net = wakeful::net;

wakeful::Runtime make_runtime(std::size_t threads) {
  if (threads == 1) {
    return wakeful::Runtime::current_thread();  // no thread hand-offs at all
  }
  return wakeful::Runtime(threads);
}

std::string url_of(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port()) + "/";
}

/// Whether `endpoint` is free of other processes' listeners: the workers' own listeners set
/// SO_REUSEPORT, and would silently share the port with another process that did too. A probe
/// socket without SO_REUSEPORT cannot bind where any socket listens. (SO_REUSEADDR: connections
/// left in TIME_WAIT by an earlier run do not count.) An empty result when the port is free.
std::error_code probe_port(const asio::ip::tcp::endpoint& endpoint) {
  const int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return {errno, std::system_category()};
  }
  const int yes = 1;
  const int no = 0;
  int failed = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (failed == 0 && endpoint.address().is_v6()) {  // as the listeners bind: "::" holds IPv4 too
    failed = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
  }
  if (failed == 0) {
    failed = ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size()));
  }
  const int error = failed == 0 ? 0 : errno;
  ::close(fd);
  return error == 0 ? std::error_code() : std::error_code(error, std::system_category());
}

/// What an upgrade hands the new process, and how this one was started.
struct Handover {
  std::string binary;                  ///< what SIGUSR2 starts
  std::vector<std::string> arguments;  ///< this process's arguments, given to the new one as they are
  std::vector<int> listeners;          ///< the listening sockets, one descriptor each
  int ready_fd = -1;                   ///< to tell the process that upgraded into this one
  /// "listening on ..." lines, logged once signals are handled: from then on a SIGUSR2 (or a
  /// SIGTERM) is taken as a request, which is what a script or a test that waits for them needs.
  std::vector<std::string> listening;
};

// How long a new binary started by SIGUSR2 has to say that it serves.
constexpr auto upgrade_timeout = std::chrono::seconds(30);

/// SIGUSR2: starts the new binary with the listeners. True once it serves: this process drains.
wakeful::Async<bool> upgrade(const Handover& handover) {
  wakeful::io::Result<httpd::Upgrade> started =
      httpd::Upgrade::start(handover.binary, handover.arguments, handover.listeners);
  if (!started) {
    httpd::log(httpd::LogLevel::error,
               "upgrade: cannot start " + handover.binary + ": " + started.error().message() + "; serving on");
    co_return false;
  }
  httpd::log(httpd::LogLevel::info, "upgrade: started " + handover.binary + " (pid " + std::to_string(started->pid()) +
                                        ") with the " + std::to_string(handover.listeners.size()) +
                                        " listening sockets; waiting for it to serve");
  std::string why;
  if (!co_await started->ready(httpd::Clock::now() + upgrade_timeout, why)) {
    httpd::log(httpd::LogLevel::error,
               "upgrade: pid " + std::to_string(started->pid()) + " failed: " + why + "; serving on");
    co_return false;
  }
  httpd::log(httpd::LogLevel::info, "upgrade: pid " + std::to_string(started->pid()) + " serves");
  co_return true;
}

/// Why the server stops serving.
enum class Stop { signal, upgraded };

/// The one place that decides when the drain starts: SIGINT or SIGTERM, or a successful upgrade
/// (SIGUSR2). Runs on worker 0 (its signal_set and the upgrade's pipe live there). Tells the
/// process that upgraded into this one, if any, that this one serves once its signals are
/// handled (an early SIGUSR2 would otherwise end it).
wakeful::Async<Stop> wait_for_stop(Handover& handover) {
  asio::signal_set signals(wakeful::current_io_context(), SIGINT, SIGTERM, SIGUSR2);
  for (const std::string& line : handover.listening) {
    httpd::log(httpd::LogLevel::info, line);
  }
  httpd::report_ready(handover.ready_fd);
  for (;;) {
    const wakeful::io::Result<int> signal = co_await signals.async_wait(wakeful::use_future);
    const bool upgrading = signal.ok() && *signal == SIGUSR2;
    if (upgrading && !co_await upgrade(handover)) {
      continue;  // signals that came meanwhile wait in the set
    }
    // A second SIGINT or SIGTERM stops at once: the default action again (Asio leaves its
    // handler installed). SIGUSR2, whose default is to terminate, is ignored from now on.
    signals.clear();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGUSR2, SIG_IGN);
    if (!upgrading) {
      httpd::log(httpd::LogLevel::info,
                 "signal "s + (signal.ok() ? std::to_string(*signal) : signal.error().message()) + ": draining");
    }
    co_return upgrading ? Stop::upgraded : Stop::signal;
  }
}

/// Starts every worker's accept loop, waits for the stop, then drains.
wakeful::Async<void> serve(httpd::ServerState& state, std::vector<std::unique_ptr<httpd::Worker>>& workers,
                           std::vector<std::vector<net::TcpListener>>& listeners, Handover& handover) {
  std::vector<wakeful::JoinHandle<void>> loops;
  loops.reserve(workers.size());
  for (std::size_t i = 0; i < workers.size(); ++i) {
    loops.push_back(wakeful::spawn_on(i, workers[i]->run(std::move(listeners[i]))));
  }
  const Stop stop = co_await wakeful::spawn_on(0, wait_for_stop(handover));
  httpd::log(httpd::LogLevel::info,
             std::string(stop == Stop::upgraded ? "draining: the new process takes the listening sockets"
                                                : "draining: no new connections") +
                 "; requests in flight finish, kept-alive connections may send one more for " +
                 std::to_string(state.config.drain_grace.count()) + " ms; at most " +
                 std::to_string(state.config.shutdown_timeout.count()) + " ms");
  if (stop == Stop::upgraded) {
    state.listeners_kept.store(true, std::memory_order_relaxed);
  }
  state.draining.store(true, std::memory_order_release);
  for (auto& worker : workers) {
    worker->notify_drain();
  }
  for (wakeful::JoinHandle<void>& loop : loops) {
    try {
      co_await loop;
    } catch (const std::exception& error) {
      httpd::log(httpd::LogLevel::error, "worker failed: "s + error.what());
    }
  }
}

/// Adopts the inherited sockets, spread over the workers: each socket goes to one worker; with
/// fewer sockets than workers, workers share sockets (a duplicate descriptor each). Logs and
/// returns false on a descriptor that is not a listening TCP socket.
bool adopt(wakeful::Runtime& runtime, const std::vector<int>& sockets,
           std::vector<std::vector<net::TcpListener>>& listeners) {
  const std::size_t workers = listeners.size();
  const std::size_t count = std::max(sockets.size(), workers);
  for (std::size_t i = 0; i < count; ++i) {
    const int original = sockets[i % sockets.size()];
    const int fd = i < sockets.size() ? original : ::fcntl(original, F_DUPFD_CLOEXEC, 0);
    wakeful::io::Result<net::TcpListener> listener =
        fd < 0 ? wakeful::io::Result<net::TcpListener>(wakeful::io::last_error())
               : net::TcpListener::from_descriptor(runtime.io_context(i % workers), fd);
    if (!listener) {
      httpd::log(httpd::LogLevel::error, "LISTEN_FDS: descriptor " + std::to_string(original) +
                                             " is not a listening TCP socket: " + listener.error().message());
      return false;
    }
    listeners[i % workers].push_back(std::move(*listener));
  }
  return true;
}

/// Binds a listener per worker on `address` and --port, all on one port with SO_REUSEPORT (the
/// kernel spreads connections over them). Logs and returns false when that fails.
bool bind(wakeful::Runtime& runtime, const httpd::Config& config, const asio::ip::address& address,
          std::vector<std::vector<net::TcpListener>>& listeners) {
  net::ListenOptions options;
  options.reuse_port = true;
  asio::ip::tcp::endpoint endpoint(address, config.port);
  if (config.port != 0 && !config.reuse_port) {  // port 0: the kernel picks a port nobody holds
    if (const std::error_code error = probe_port(endpoint)) {
      if (error == std::errc::address_in_use) {
        httpd::log(httpd::LogLevel::error, "cannot listen on " + url_of(endpoint) +
                                               ": the port is in use by another socket (another server?); "
                                               "--reuse-port shares it with that server");
      } else {
        httpd::log(httpd::LogLevel::error, "cannot listen on " + url_of(endpoint) + ": " + error.message());
      }
      return false;
    }
  }
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    wakeful::io::Result<net::TcpListener> listener = net::TcpListener::bind(runtime.io_context(i), endpoint, options);
    if (!listener.ok()) {
      httpd::log(httpd::LogLevel::error, "cannot listen on " + url_of(endpoint) + ": " + listener.error().message());
      return false;
    }
    if (i == 0) {
      endpoint = *listener->local_endpoint();  // the port the kernel chose, for --port 0
    }
    listeners[i].push_back(std::move(*listener));
  }
  return true;
}

/// "http://ADDRESS:PORT/", and for a wildcard address what it means.
std::string where(const asio::ip::tcp::endpoint& endpoint) {
  std::string text = url_of(endpoint);
  if (endpoint.address().is_unspecified()) {  // not a URL to open: say what it means
    const bool v6 = endpoint.address().is_v6();
    const asio::ip::address loopback =
        v6 ? asio::ip::address(asio::ip::address_v6::loopback()) : asio::ip::address(asio::ip::address_v4::loopback());
    text += std::string(v6 ? ", every IPv6 and IPv4 interface" : ", every IPv4 interface") + " (from this machine " +
            url_of(asio::ip::tcp::endpoint(loopback, endpoint.port())) + ")";
  }
  return text;
}

int run(httpd::ServerState& state, const asio::ip::address& address, Handover& handover,
        const std::vector<int>& inherited) {
  const httpd::Config& config = state.config;
  httpd::Router router(state);
  wakeful::Runtime runtime = make_runtime(config.threads);
  state.runtime = &runtime;

  std::vector<std::unique_ptr<httpd::Worker>> workers;
  std::vector<std::vector<net::TcpListener>> listeners(config.threads);
  for (std::size_t i = 0; i < config.threads; ++i) {
    workers.push_back(std::make_unique<httpd::Worker>(state, i, router));
  }
  if (!(inherited.empty() ? bind(runtime, config, address, listeners) : adopt(runtime, inherited, listeners))) {
    return 1;
  }
  // systemd keeps its own reference to the sockets it passes: they are never this process's alone.
  state.listeners_kept.store(!inherited.empty() && handover.ready_fd < 0, std::memory_order_relaxed);
  std::set<std::string> addresses;  // one line per address, however many sockets listen there
  for (const std::vector<net::TcpListener>& own : listeners) {
    for (const net::TcpListener& listener : own) {
      if (inherited.empty()) {
        handover.listeners.push_back(listener.native_handle());
      }
      addresses.insert(where(*listener.local_endpoint()));
    }
  }
  if (!inherited.empty()) {
    handover.listeners = inherited;
  }
  const std::string how =
      std::to_string(config.threads) + (config.threads == 1 ? " worker" : " workers") + ", mode " +
      std::string(httpd::mode_name(config.mode)) +
      (inherited.empty() ? std::string()
                         : ", " + std::to_string(inherited.size()) + (inherited.size() == 1 ? " socket" : " sockets") +
                               (handover.ready_fd < 0 ? " from systemd" : " from the upgrade"));
  for (const std::string& address_text : addresses) {
    std::string line = "listening on ";
    line.append(address_text).append(" (").append(how).append(")");
    handover.listening.push_back(std::move(line));
  }
  runtime.block_on(serve(state, workers, listeners, handover));
  httpd::log_throttled_counts(state);
  httpd::log(httpd::LogLevel::info, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  httpd::Parsed parsed = httpd::parse_args(args);
  switch (parsed.action) {
    case httpd::Parsed::Action::help:
      std::fputs(httpd::usage().c_str(), stdout);
      return 0;
    case httpd::Parsed::Action::version:
      std::printf("wakeful-httpd %.*s\n", static_cast<int>(httpd::version.size()), httpd::version.data());
      return 0;
    case httpd::Parsed::Action::error:
      std::fprintf(stderr, "wakeful-httpd: %s\nTry 'wakeful-httpd --help'.\n", parsed.error.c_str());
      return 2;
    case httpd::Parsed::Action::run:
      break;
  }
  httpd::set_log_level(parsed.config.log_level);
  // Writes to a closed peer report EPIPE; sendfile, unlike send, has no MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  // An upgrade asked for before the server serves is ignored, rather than ending the process.
  std::signal(SIGUSR2, SIG_IGN);

  wakeful::asio_error_code error;
  const httpd::asio::ip::address address = httpd::asio::ip::make_address(parsed.config.bind, error);
  if (error) {
    std::fprintf(stderr, "wakeful-httpd: bad value for --bind: '%s' (an IPv4 or IPv6 address)\n",
                 parsed.config.bind.c_str());
    return 2;
  }
  // Before any thread: the environment changes.
  httpd::Inherited inherited = httpd::take_inherited();
  if (!inherited.error.empty()) {
    std::fprintf(stderr, "wakeful-httpd: %s\n", inherited.error.c_str());
    return 2;
  }
  Handover handover;
  handover.arguments.assign(args.begin(), args.end());
  handover.ready_fd = inherited.ready_fd;
  handover.binary = parsed.config.upgrade_binary;
  if (handover.binary.empty()) {
    // The path, read now: once a new binary replaces the file, /proc/self/exe names the old one.
    std::error_code ignored;
    handover.binary = std::filesystem::read_symlink("/proc/self/exe", ignored).string();
  }
  httpd::ServerState state(std::move(parsed.config));
  if (state.config.root) {
    std::string reason;
    state.files = httpd::StaticFiles::open(*state.config.root, reason);
    if (!state.files) {
      std::fprintf(stderr, "wakeful-httpd: bad value for --root: %s\n", reason.c_str());
      return 2;
    }
  }
  try {
    return run(state, address, handover, inherited.listeners);
  } catch (const std::exception& failure) {
    httpd::log(httpd::LogLevel::error, "fatal: "s + failure.what());
    return 1;
  }
}
