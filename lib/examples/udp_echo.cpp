// A UDP echo server and a client in one runtime: the server task sends every datagram back to
// its sender; the client sends numbered datagrams one at a time, checks each echo, then sends
// one too long for the server's buffer, which the server reports as truncated instead of
// echoing a cut copy.
//
//   build/release/lib/examples/udp_echo [datagrams]

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

using wakeful::Async;
using wakeful::net::UdpSocket;
using udp = wakeful::asio::ip::udp;

constexpr std::size_t server_buffer = 2048;

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: byte view of chars
}

// Echoes datagrams until it has answered `count` of them; a cut one gets a complaint instead.
Async<void> serve(UdpSocket socket, int count) {
  std::array<std::byte, server_buffer> buffer{};
  for (int answered = 0; answered < count; ++answered) {
    auto got = co_await socket.recv_from(buffer);
    if (!got) {
      std::fprintf(stderr, "server: %s\n", got.error().message().c_str());
      co_return;
    }
    std::string reply = text_of(std::span(buffer.data(), got->size));
    if (got->truncated()) {
      reply = "truncated: " + std::to_string(got->size) + " of " + std::to_string(got->length) + " bytes";
    }
    (void)co_await socket.send_to(wakeful::net::as_bytes(reply), got->peer);
  }
}

Async<int> run(int count) {
  UdpSocket server = UdpSocket::bind({wakeful::asio::ip::address_v4::loopback(), 0}).value();
  const udp::endpoint address = server.local_endpoint().value();
  wakeful::JoinHandle<void> serving = wakeful::spawn(serve(std::move(server), count + 1));

  UdpSocket client = UdpSocket::bind({wakeful::asio::ip::address_v4::loopback(), 0}).value();
  client.connect(address).value();  // send and recv now talk to the server only
  std::array<std::byte, 4096> buffer{};
  int echoed = 0;
  for (int i = 0; i < count; ++i) {
    const std::string message = "datagram " + std::to_string(i);
    if (!co_await client.send(wakeful::net::as_bytes(message))) {
      break;
    }
    auto back = co_await client.recv(buffer);
    if (back && text_of(std::span(buffer.data(), back->size)) == message) {
      ++echoed;
    }
  }
  std::printf("%d datagrams echoed\n", echoed);

  const std::string too_long(3000, 'x');
  (void)co_await client.send(wakeful::net::as_bytes(too_long));
  auto complaint = co_await client.recv(buffer);
  std::printf("server says: %s\n", complaint ? text_of(std::span(buffer.data(), complaint->size)).c_str()
                                             : complaint.error().message().c_str());
  co_await serving;
  co_return echoed == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  wakeful::Runtime runtime(1);
  return runtime.block_on(run(count < 0 ? 0 : count));
}
