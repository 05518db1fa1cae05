#pragma once
// Listening sockets handed over by whoever started the process: systemd's socket activation, or
// a running wakeful-httpd upgrading itself into a new binary (server/upgrade.hpp). Both use the
// LISTEN_FDS protocol of sd_listen_fds(3): LISTEN_PID names the process meant, LISTEN_FDS counts
// the sockets, which are descriptors 3, 4, ... An upgrade adds one descriptor of its own, named by
// WAKEFUL_HTTPD_READY_FD: a pipe on which the new process says that it serves.

#include <string>
#include <string_view>
#include <vector>

namespace httpd {

/// The variable naming the upgrade's readiness pipe (see the top of this file).
inline constexpr char ready_fd_variable[] = "WAKEFUL_HTTPD_READY_FD";  // NOLINT(*-avoid-c-arrays)

/// The message written on the readiness pipe (sd_notify's wording).
inline constexpr std::string_view ready_message = "READY=1\n";

/// What the process was handed at its start.
struct Inherited {
  /// Listening sockets (close-on-exec from now on), in the order given; empty when none.
  std::vector<int> listeners;
  /// The upgrading process's readiness pipe, or -1: this process was started by systemd (or
  /// another service manager), which keeps its own reference to every socket.
  int ready_fd = -1;
  /// Why the environment could not be used; empty when it could (or said nothing).
  std::string error;
};

/// Takes the sockets the environment hands over, if LISTEN_PID is this process, and removes
/// LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and WAKEFUL_HTTPD_READY_FD from the environment in
/// every case, so that no child mistakes them for its own. Call once, before any thread starts.
/// Checks only the protocol (counts, numbers, open descriptors); whether each one is a
/// listening TCP socket is for TcpListener::from_descriptor to tell.
Inherited take_inherited();

/// Tells the process that upgraded into this one that this one serves, and closes the pipe
/// (`fd` becomes -1). Nothing to do for -1. Errors are ignored: a parent that stopped waiting
/// has already given up on this process and said so in its log.
void report_ready(int& fd) noexcept;

}  // namespace httpd
