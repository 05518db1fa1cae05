#pragma once
// Clients that keep a server busy and account for every request they write: answered, or lost
// (written, and the connection closed or broke before its whole response arrived). A connect
// that is refused or never completes wrote nothing: it is not a loss, only the sign that the
// server has stopped listening.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "http.hpp"

namespace wakeful::test {

/// What the clients of a LoadClients saw, summed.
struct LoadCounts {
  std::atomic<std::uint64_t> answered{0};     ///< requests whose whole response arrived
  std::atomic<std::uint64_t> closing{0};      ///< of those, responses that said Connection: close
  std::atomic<std::uint64_t> lost{0};         ///< written, and never answered
  std::atomic<std::uint64_t> refused{0};      ///< connects refused (nothing written)
  std::atomic<std::uint64_t> unfinished{0};   ///< connects that did not complete in time (nothing written)
  std::atomic<std::uint64_t> connections{0};  ///< connections made
};

/// `count` client threads against 127.0.0.1:port, each sending GET /plaintext one request at a
/// time. Keep-alive clients reuse their connection until a response says Connection: close;
/// the last `closing_clients` ask for Connection: close on every request, so new connections
/// arrive all the time. A client reconnects after every close, and ends at its first connect
/// that is refused or does not complete within three seconds, at a lost request, or at `stop()`.
class LoadClients {
 public:
  LoadClients(std::uint16_t port, int count, int closing_clients) : port_(port) {
    threads_.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, keep_alive = i < count - closing_clients] { client(keep_alive); });
    }
  }
  LoadClients(const LoadClients&) = delete;
  LoadClients& operator=(const LoadClients&) = delete;
  ~LoadClients() {
    stop();
    join();
  }

  /// Waits until `n` requests in all have been answered since the clients started, or
  /// `timeout`: false then.
  bool wait_answered(std::uint64_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (counts.answered.load() < n) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  /// Tells every client to end after its current request.
  void stop() noexcept { stop_.store(true); }

  /// Waits for every client to end.
  void join() {
    for (std::thread& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }

  LoadCounts counts;

 private:
  enum class Connected { yes, refused, unfinished };

  // A non-blocking connect, waited for up to three seconds: long enough for the SYN that a
  // draining listener dropped to be sent again (a second later), and then refused, or taken by
  // another process on the port.
  Connected connect(int& fd) const {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&  // NOLINT
        errno != EINPROGRESS) {
      return errno == ECONNREFUSED ? Connected::refused : Connected::unfinished;
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 3000) <= 0) {
      return Connected::unfinished;
    }
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      return error == ECONNREFUSED ? Connected::refused : Connected::unfinished;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // NOLINT(hicpp-signed-bitwise)
    return Connected::yes;
  }

  // Sends the request and reads its response: false when it was lost; `closes` when the
  // response says Connection: close.
  static bool exchange(int fd, const std::string& request, bool& closes) {
    std::string_view rest = request;
    while (!rest.empty()) {
      const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;  // a kept-alive connection the server cut, or a reset one
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      HttpResponse response;
      std::size_t consumed = 0;
      const ParseState state = parse_response(received, false, response, consumed);
      if (state == ParseState::complete) {
        closes = response.closes();
        return response.status == 200 && consumed == received.size();
      }
      if (state == ParseState::malformed || std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      char chunk[4096];  // NOLINT(*-avoid-c-arrays)
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return false;  // EOF or reset before the whole response
      }
      received.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void client(bool keep_alive) {
    const std::string request = keep_alive ? get("/plaintext") : get("/plaintext", "Connection: close\r\n");
    while (!stop_.load()) {
      int fd = -1;
      const Connected connected = connect(fd);
      if (connected != Connected::yes) {
        ::close(fd);
        (connected == Connected::refused ? counts.refused : counts.unfinished).fetch_add(1);
        return;
      }
      counts.connections.fetch_add(1);
      bool closes = false;
      while (!stop_.load() && !closes) {
        if (!exchange(fd, request, closes)) {
          counts.lost.fetch_add(1);
          ::close(fd);
          return;
        }
        counts.answered.fetch_add(1);
        counts.closing.fetch_add(closes ? 1 : 0);
      }
      ::close(fd);
    }
  }

  std::uint16_t port_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace wakeful::test
