// Networking beyond one TCP stream: datagrams, Unix sockets, and frames over a byte stream.
#include <array>
#include <cstdio>
#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace wf = wakeful;
namespace ip = wf::asio::ip;

wf::Async<void> run() {
  // UDP: a datagram longer than the buffer is reported as truncated, never silently cut.
  auto server = wf::net::UdpSocket::bind(ip::udp::endpoint(ip::make_address("127.0.0.1"), 0));
  auto client = wf::net::UdpSocket::bind(ip::udp::endpoint(ip::make_address("127.0.0.1"), 0));
  if (!server || !client)
    co_return;
  const ip::udp::endpoint to = server->local_endpoint().value();
  (void)co_await client->send_to(wf::net::as_bytes("a datagram of 31 bytes, or so.."), to);
  std::array<std::byte, 8> small{};
  auto got = co_await server->recv_from(small);
  if (got)
    std::printf("udp: %zu of %zu bytes, truncated=%d\n", got->size, got->length, got->truncated());

  // A connected pair of Unix stream sockets, framed as lines: a Framed is a Stream of decoded
  // frames and a sink of encoded ones; the codec bounds a frame's length.
  auto pair = wf::net::UnixStream::pair();
  if (!pair)
    co_return;
  wf::codec::Framed writer(std::move(pair->first), wf::codec::LinesCodec(1024));
  wf::codec::Framed reader(std::move(pair->second), wf::codec::LinesCodec(1024));
  for (const char* line : {"first", "second"}) {
    (void)co_await writer.send(std::string_view(line));
  }
  (void)co_await writer.close();  // flushes, then shuts the write side: the reader sees the end
  while (std::optional<wf::io::Result<std::string>> line = co_await wf::next(reader)) {
    if (!*line)
      break;  // an error: the stream's, or a line longer than the codec allows
    std::printf("line: %s\n", (*line)->c_str());
  }
}

int main() {
  wf::Runtime rt(1);
  rt.block_on(run());
}
