#pragma once
// wakeful-httpd started for a test on an ephemeral loopback port, stopped by its pid.

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "http.hpp"

namespace wakeful::test {

/// The three ways a worker drives its connections (--mode): every end-to-end test runs in each.
inline std::vector<std::string> httpd_modes() { return {"tasks", "inline", "naive"}; }

class HttpdProcess {
 public:
  /// Starts the server with `flags` (plus --bind 127.0.0.1 --port 0) and waits for it to listen.
  explicit HttpdProcess(const std::vector<std::string>& flags) : process_(arguments(flags), true) {
    for (;;) {
      const std::optional<std::string> line = process_.read_line(std::chrono::seconds(20));
      if (!line) {
        throw std::runtime_error("wakeful-httpd did not start: " + log_);
      }
      log_ += *line + "\n";
      const std::size_t url = line->find("listening on http://127.0.0.1:");
      if (url != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoul(line->substr(url + 30)));
        return;
      }
    }
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }

  /// Sends `signal` to the server.
  void signal(int signal) const noexcept { process_.signal(signal); }

  /// Waits for the server to exit: everything it logged, and its exit status (-1: killed or
  /// still running after `timeout`, then stopped).
  std::pair<std::string, int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    if (reader_.joinable()) {  // it ends at EOF: when the server exits
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      while (!reader_done_.load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!reader_done_.load()) {
        process_.stop();
        reader_.join();
        const std::lock_guard<std::mutex> lock(mutex_);
        return {log_, -1};
      }
      reader_.join();
    }
    auto [rest, status] = process_.wait(timeout);
    const std::lock_guard<std::mutex> lock(mutex_);
    return {log_ + rest, status};
  }

  HttpdProcess(const HttpdProcess&) = delete;
  HttpdProcess& operator=(const HttpdProcess&) = delete;
  ~HttpdProcess() {
    if (reader_.joinable()) {
      process_.stop();
      reader_.join();
    }
  }

  /// The value of the metric sample `name` (with its labels, as written), from /metrics.
  double metric(const std::string& name) const {
    HttpClient client(port_);
    const std::optional<HttpResponse> response = client.request(get("/metrics"));
    if (!response || response->status != 200) {
      throw std::runtime_error("GET /metrics failed");
    }
    const std::string& text = response->body;
    const std::size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) {
      throw std::runtime_error("no metric " + name);
    }
    return std::stod(text.substr(at + name.size() + 2));
  }

  /// True once the metric `name` reads `value` within `timeout` (each reading is one more
  /// connection, which the server may count as open until it sees the previous one close).
  bool metric_becomes(const std::string& name, double value,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (metric(name) == value) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  /// Sets the server's soft RLIMIT_NOFILE from now on (the hard limit stays).
  void limit_files(rlim_t limit) const {
    rlimit value{};
    if (::prlimit(pid(), RLIMIT_NOFILE, nullptr, &value) != 0) {
      throw std::runtime_error("prlimit failed");
    }
    value.rlim_cur = std::min(limit, value.rlim_max);
    if (::prlimit(pid(), RLIMIT_NOFILE, &value, nullptr) != 0) {
      throw std::runtime_error("prlimit failed");
    }
  }

  /// The lowest descriptor number the server has free: the one its next socket gets.
  [[nodiscard]] int lowest_free_descriptor() const {
    std::set<int> used;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid()) + "/fd")) {
      used.insert(std::stoi(entry.path().filename().string()));
    }
    int free = 0;
    while (used.count(free) != 0) {
      ++free;
    }
    return free;
  }

  /// From now on, copies the server's log in the background, so that a chatty server (an
  /// access log) never blocks on a full pipe; wait() then returns it all.
  void drain_log_in_background() {
    reader_ = std::thread([this] {
      while (std::optional<std::string> line = process_.read_line(std::chrono::hours(1))) {
        const std::lock_guard<std::mutex> lock(mutex_);
        log_ += *line + "\n";
      }
      reader_done_.store(true);
    });
  }

 private:
  static std::vector<std::string> arguments(const std::vector<std::string>& flags) {
    std::vector<std::string> argv{WAKEFUL_HTTPD_PATH, "--bind", "127.0.0.1", "--port", "0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return argv;
  }

  ChildProcess process_;
  std::thread reader_;
  std::atomic<bool> reader_done_{false};
  std::mutex mutex_;
  std::string log_;
  std::uint16_t port_ = 0;
};

}  // namespace wakeful::test
