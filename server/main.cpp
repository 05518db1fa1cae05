// wakeful-httpd: the command line, the listeners, the workers, and the drain on SIGINT/SIGTERM.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "config.hpp"
#include "log.hpp"
#include "router.hpp"
#include "server_asio.hpp"
#include "server_state.hpp"
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

/// Starts every worker's accept loop, waits for SIGINT or SIGTERM, then drains.
wakeful::Async<void> serve(httpd::ServerState& state, std::vector<std::unique_ptr<httpd::Worker>>& workers,
                           std::vector<net::TcpListener>& listeners) {
  std::vector<wakeful::JoinHandle<void>> loops;
  loops.reserve(workers.size());
  for (std::size_t i = 0; i < workers.size(); ++i) {
    loops.push_back(wakeful::spawn_on(i, workers[i]->run(std::move(listeners[i]))));
  }
  asio::signal_set signals(state.runtime->io_context(0), SIGINT, SIGTERM);
  const wakeful::io::Result<int> signal = co_await signals.async_wait(wakeful::use_future);
  // A second signal stops at once: the default action again (Asio leaves its handler installed).
  signals.clear();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  httpd::log(httpd::LogLevel::info, "signal "s + (signal.ok() ? std::to_string(*signal) : signal.error().message()) +
                                        ": draining (stopped accepting; in-flight requests finish, up to " +
                                        std::to_string(state.config.shutdown_timeout.count()) + " ms)");
  state.draining.store(true, std::memory_order_relaxed);
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

int run(httpd::ServerState& state, const asio::ip::address& address) {
  const httpd::Config& config = state.config;
  httpd::Router router(state);
  wakeful::Runtime runtime = make_runtime(config.threads);
  state.runtime = &runtime;

  std::vector<std::unique_ptr<httpd::Worker>> workers;
  std::vector<net::TcpListener> listeners;
  net::ListenOptions options;
  // One listener per worker on the same port: the kernel spreads connections over them, and
  // with --reuse-port a new process can take over the port before the old one drains
  // (zero-downtime restarts).
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
      return 1;
    }
  }
  for (std::size_t i = 0; i < config.threads; ++i) {
    wakeful::io::Result<net::TcpListener> listener = net::TcpListener::bind(runtime.io_context(i), endpoint, options);
    if (!listener.ok()) {
      httpd::log(httpd::LogLevel::error, "cannot listen on " + url_of(endpoint) + ": " + listener.error().message());
      return 1;
    }
    if (i == 0) {
      endpoint = *listener->local_endpoint();  // the port the kernel chose, for --port 0
    }
    listeners.push_back(std::move(*listener));
    workers.push_back(std::make_unique<httpd::Worker>(state, i, router));
  }
  std::string where = url_of(endpoint);
  if (endpoint.address().is_unspecified()) {  // not a URL to open: say what it means
    const bool v6 = endpoint.address().is_v6();
    const asio::ip::address loopback =
        v6 ? asio::ip::address(asio::ip::address_v6::loopback()) : asio::ip::address(asio::ip::address_v4::loopback());
    where += std::string(v6 ? ", every IPv6 and IPv4 interface" : ", every IPv4 interface") + " (from this machine " +
             url_of(asio::ip::tcp::endpoint(loopback, endpoint.port())) + ")";
  }
  httpd::log(httpd::LogLevel::info, "listening on " + where + " (" + std::to_string(config.threads) +
                                        (config.threads == 1 ? " worker" : " workers") + ", mode " +
                                        std::string(httpd::mode_name(config.mode)) + ")");
  runtime.block_on(serve(state, workers, listeners));
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

  wakeful::asio_error_code error;
  const httpd::asio::ip::address address = httpd::asio::ip::make_address(parsed.config.bind, error);
  if (error) {
    std::fprintf(stderr, "wakeful-httpd: bad value for --bind: '%s' (an IPv4 or IPv6 address)\n",
                 parsed.config.bind.c_str());
    return 2;
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
    return run(state, address);
  } catch (const std::exception& failure) {
    httpd::log(httpd::LogLevel::error, "fatal: "s + failure.what());
    return 1;
  }
}
