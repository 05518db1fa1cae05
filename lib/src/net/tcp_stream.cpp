// TcpStream: non-blocking system calls on the socket, readiness from the worker's reactor.

#include "wakeful/net/tcp_stream.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "queue_hint.hpp"
#include "socket_call.hpp"
#include "socket_name.hpp"
#include "stream_loops.hpp"
#include "wakeful/runtime/runtime.hpp"

namespace wakeful::net {

using io::last_error;

namespace {

using detail::receive;
using detail::send;
using detail::socket_call;

// A receive that also reports, through `queued`, the bytes the kernel still holds after it
// (the TCP_INQ control message), or leaves `queued` alone when the kernel does not say. Costs
// more than recvfrom (about 200 ns on the development machine: recvmsg copies its message
// header in and out), less than the would_block call it can spare (about 340 ns).
io::Result<std::size_t> receive_reporting_queue(int fd, std::span<std::byte> buffer, int& queued) noexcept {
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  const ssize_t n = socket_call(SYS_recvmsg, fd, &message, MSG_DONTWAIT);
  if (n < 0) {
    return last_error();
  }
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header != nullptr && header->cmsg_level == SOL_TCP && header->cmsg_type == TCP_CM_INQ) {
    std::memcpy(&queued, CMSG_DATA(header), sizeof queued);
  }
  return static_cast<std::size_t>(n);
}

// One sendmsg, holding back a partial segment when more is to follow.
io::Result<std::size_t> send_vectored(int fd, std::span<const asio::const_buffer> buffers, MoreToSend more) noexcept {
  return detail::send_vectored(fd, buffers, more == MoreToSend::yes ? MSG_MORE : 0);
}

}  // namespace

// --- construction -------------------------------------------------------------------------------

io::Result<TcpStream> TcpStream::open(asio::io_context& context, int descriptor, bool v6, State state) {
  io::Result<io::Registration> registration = io::Registration::open(
      context, descriptor, io::Ownership::owned,
      io::detail::RegisterOptions{true, state == State::connected, io::detail::PeerClose::watch});
  if (!registration) {
    return registration.error();
  }
  return TcpStream(std::move(*registration), v6);
}

TcpStream::TcpStream(TcpSocket socket) {
  asio_error_code error;
  const asio::ip::tcp::endpoint local = socket.local_endpoint(error);
  asio::io_context& context = socket.get_executor().context();
  const int descriptor = error ? -1 : socket.release(error);  // leaves the socket's reactor
  if (error) {
    throw std::system_error(error, "wakeful: TcpStream cannot adopt the socket");
  }
  detail::enable_queue_hint(descriptor);
  *this = open(context, descriptor, local.protocol() == asio::ip::tcp::v6(), State::connected).value();
}

// --- reading and writing ------------------------------------------------------------------------

TcpStream::Read TcpStream::read(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
TcpStream::ReadExact TcpStream::read_exact(std::span<std::byte> buffer) noexcept { return {*this, buffer}; }
TcpStream::Write TcpStream::write(std::span<const std::byte> data) noexcept { return {*this, data}; }
TcpStream::WriteAll TcpStream::write_all(std::span<const std::byte> data) noexcept { return {*this, data}; }
TcpStream::WriteVectored TcpStream::write_vectored(std::span<const asio::const_buffer> buffers,
                                                   MoreToSend more) noexcept {
  return {*this, buffers, more};
}

// A read that fills its buffer does not show the socket drained: more may be queued, and with
// an edge-triggered reactor only a read returning would_block could tell, a system call spent
// on nothing in request-response traffic. So after a read that filled its buffer, the next one
// asks how much it leaves queued (receive_reporting_queue): full and nothing left means drained
// too. Reads that come back short, the common case for a large buffer, keep the cheaper recvfrom.
Poll<io::Result<std::size_t>> TcpStream::poll_read(Context& cx, std::span<std::byte> buffer) {
  const int fd = native_handle();
  const bool ask_queue = last_read_filled_;
  int queued = -1;  // unknown
  Poll<io::Result<std::size_t>> result = registration_.try_io(
      cx, io::Direction::read,
      [fd, buffer, ask_queue, &queued] {
        return ask_queue ? receive_reporting_queue(fd, buffer, queued) : receive(fd, buffer);
      },
      [&queued, short_read = io::ShortTransfer{buffer.size()}](std::size_t n) {
        return short_read(n) || (n > 0 && queued == 0);
      });
  if (result.is_ready() && result->ok()) {
    last_read_filled_ = !buffer.empty() && **result == buffer.size();
  }
  return result;
}

Poll<io::Result<std::size_t>> TcpStream::poll_write(Context& cx, std::span<const std::byte> data) {
  const int fd = native_handle();
  return registration_.try_io(
      cx, io::Direction::write, [fd, data] { return send(fd, data); }, io::ShortTransfer{data.size()});
}

Poll<io::Result<std::size_t>> TcpStream::poll_write_vectored(Context& cx, std::span<const asio::const_buffer> buffers,
                                                             MoreToSend more) {
  const int fd = native_handle();
  return registration_.try_io(
      cx, io::Direction::write, [fd, buffers, more] { return send_vectored(fd, buffers, more); },
      io::ShortTransfer{detail::vectored_size(buffers)});
}

Poll<io::ReadyEvent> TcpStream::poll_read_ready(Context& cx) { return registration_.poll_read_ready(cx); }

Poll<io::ReadyEvent> TcpStream::poll_write_ready(Context& cx) { return registration_.poll_write_ready(cx); }

void TcpStream::clear_readiness(const io::ReadyEvent& event) noexcept { registration_.clear_readiness(event); }

io::Result<std::size_t> TcpStream::try_read(std::span<std::byte> buffer) noexcept {
  return receive(native_handle(), buffer);
}

io::Result<std::size_t> TcpStream::try_write(std::span<const std::byte> data) noexcept {
  return send(native_handle(), data);
}

Poll<io::Result<void>> TcpStream::ReadExact::poll(Context& cx) { return detail::poll_read_exact(*stream_, cx, rest_); }

Poll<io::Result<void>> TcpStream::WriteAll::poll(Context& cx) { return detail::poll_write_all(*stream_, cx, rest_); }

// --- connecting ---------------------------------------------------------------------------------

TcpStream::Connect TcpStream::connect(const asio::ip::tcp::endpoint& endpoint) {
  (void)current_io_context();  // fail now, where the caller can see it, outside a worker
  return Connect(endpoint);
}

TcpStream::ConnectTimeout TcpStream::connect(const asio::ip::tcp::endpoint& endpoint,
                                             std::chrono::steady_clock::duration timeout) {
  return ConnectTimeout(connect(endpoint), timeout);
}

Poll<io::Result<TcpStream>> TcpStream::Connect::poll(Context& cx) {
  if (done_) {
    throw std::logic_error("wakeful: TcpStream::Connect polled after completion");
  }
  if (!stream_) {
    const int fd = ::socket(endpoint_.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      done_ = true;
      return Poll<io::Result<TcpStream>>(std::in_place, last_error());
    }
    detail::enable_queue_hint(fd);
    int result = 0;
    do {
      result = ::connect(fd, endpoint_.data(), static_cast<socklen_t>(endpoint_.size()));
    } while (result != 0 && errno == EINTR);
    const int error = errno;
    const bool v6 = endpoint_.protocol() == asio::ip::tcp::v6();
    if (result != 0 && error != EINPROGRESS) {
      ::close(fd);
      done_ = true;
      return Poll<io::Result<TcpStream>>(std::in_place, std::error_code(error, std::system_category()));
    }
    // Loopback may connect at once.
    io::Result<TcpStream> stream =
        open(current_io_context(), fd, v6, result == 0 ? State::connected : State::connecting);
    if (result == 0 || !stream) {
      done_ = true;
      return Poll<io::Result<TcpStream>>(std::in_place, std::move(stream));
    }
    stream_.emplace(std::move(*stream));
  }
  // Writability means the connect finished; SO_ERROR says how.
  Poll<io::ReadyEvent> ready = stream_->poll_write_ready(cx);
  if (ready.is_pending()) {
    return Pending;
  }
  done_ = true;
  if (ready->runtime_gone) {
    return Poll<io::Result<TcpStream>>(std::in_place, make_error_code(io::errc::runtime_shut_down));
  }
  int status = 0;
  socklen_t length = sizeof status;
  if (::getsockopt(stream_->native_handle(), SOL_SOCKET, SO_ERROR, &status, &length) != 0) {
    return Poll<io::Result<TcpStream>>(std::in_place, last_error());
  }
  if (status != 0) {
    return Poll<io::Result<TcpStream>>(std::in_place, std::error_code(status, std::system_category()));
  }
  TcpStream connected = std::move(*stream_);
  stream_.reset();
  return Poll<io::Result<TcpStream>>(std::in_place, std::move(connected));
}

io::Result<TcpStream> TcpStream::move_to(asio::io_context& context) && {
  const bool v6 = v6_;
  io::Result<int> descriptor = std::move(registration_).into_descriptor();
  if (!descriptor) {
    return descriptor.error();
  }
  return open(context, *descriptor, v6, State::connected);  // the descriptor keeps its queue hint
}

// --- socket options and addresses -----------------------------------------------------------------

io::Result<void> TcpStream::shutdown(asio::socket_base::shutdown_type what) noexcept {
  // Asio's shutdown_type values are the system's SHUT_RD, SHUT_WR and SHUT_RDWR.
  if (::shutdown(native_handle(), static_cast<int>(what)) != 0) {
    return last_error();
  }
  return {};
}

io::Result<void> TcpStream::set_nodelay(bool enabled) noexcept { return set_option(asio::ip::tcp::no_delay(enabled)); }

io::Result<asio::ip::tcp::endpoint> TcpStream::peer_endpoint() const noexcept {
  return detail::endpoint_of(native_handle(), ::getpeername);
}

io::Result<asio::ip::tcp::endpoint> TcpStream::local_endpoint() const noexcept {
  return detail::endpoint_of(native_handle(), ::getsockname);
}

io::Result<int> TcpStream::incoming_cpu() const noexcept {
  int cpu = -1;
  socklen_t length = sizeof cpu;
  if (::getsockopt(native_handle(), SOL_SOCKET, SO_INCOMING_CPU, &cpu, &length) != 0) {
    return last_error();
  }
  return cpu;
}

}  // namespace wakeful::net
