// I/O: a TCP echo over loopback, an Asio operation through use_future, a pipe through
// io::Registration.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

using namespace std::chrono_literals;
namespace wf = wakeful;
namespace ip = wf::asio::ip;

wf::Async<void> echo_once(wf::net::TcpListener listener) {
  wf::io::Result<wf::net::Accepted> accepted = co_await listener.accept();
  if (!accepted)
    co_return;
  std::array<std::byte, 64> buffer{};
  wf::io::Result<std::size_t> n = co_await accepted->stream.read(buffer);
  if (n && *n > 0)
    (void)co_await accepted->stream.write_all(std::span(buffer.data(), *n));
}

wf::Async<void> run() {
  // TCP: errors are values (io::Result), never exceptions.
  auto listener = wf::net::TcpListener::bind(ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0));
  if (!listener) {
    std::printf("bind: %s\n", listener.error().message().c_str());
    co_return;
  }
  const auto address = listener->local_endpoint();
  wf::JoinHandle<void> server = wf::spawn(echo_once(std::move(*listener)));
  auto client = co_await wf::net::TcpStream::connect(*address, 5s);  // connect with a timeout
  if (!client)
    co_return;
  (void)co_await client->write_all(wf::net::as_bytes("ping"));
  std::array<std::byte, 4> reply{};
  if (co_await client->read_exact(reply))
    std::printf("echoed %.4s\n", reinterpret_cast<const char*>(reply.data()));
  co_await std::move(server);

  // Any Asio operation is a future with the use_future token: it gives io::Result<...>.
  wf::asio::steady_timer timer(wf::current_io_context(), 1ms);
  wf::io::Result<void> waited = co_await timer.async_wait(wf::use_future);
  std::printf("timer: %s\n", waited ? "fired" : waited.error().message().c_str());

  // Any pollable descriptor of your own: register it, await readiness, do the system call.
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
    co_return;
  auto reader = wf::io::Registration::open(fds[0], wf::io::Ownership::owned);
  if (!reader)
    co_return;
  (void)::write(fds[1], "x", 1);
  char byte = 0;
  auto read_one = [&]() -> wf::io::Result<std::size_t> {  // EAGAIN: wait for readiness, retry
    const ssize_t r = ::read(fds[0], &byte, 1);
    if (r < 0)
      return wf::io::last_error();
    return static_cast<std::size_t>(r);
  };
  wf::io::Result<std::size_t> got = co_await reader->async_io(wf::io::Direction::read, read_one);
  std::printf("pipe: %zu byte '%c'\n", got ? *got : 0, byte);
  ::close(fds[1]);
}

int main() {
  wf::Runtime rt(1);
  rt.block_on(run());
}
