// A line-based chat server. Every client's lines go to a hub task through one channel, and the
// hub broadcasts them to every client through one channel per client.
//
//   build/release/lib/examples/chat_server [port]
//
// Each client's connection is a Framed stream of lines (LinesCodec, at most 1,000 bytes a line).
// Its task waits for two things at once with select: a line from the socket, or a line from the
// hub. The one that loses the race is dropped, and neither loses data: a partly read line stays
// in the Framed's buffer, and a receive takes a message only when it completes.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <variant>

#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

using wakeful::Async;
using wakeful::codec::Framed;
using wakeful::codec::LinesCodec;
using wakeful::mpsc::Receiver;
using wakeful::mpsc::Sender;
using wakeful::net::TcpStream;

// What clients tell the hub.
struct Joined {
  int id;
  Sender<std::string> outbox;
};
struct Said {
  int id;
  std::string line;
};
struct Left {
  int id;
};
using Event = std::variant<Joined, Said, Left>;

Async<void> hub(Receiver<Event> events) {
  std::map<int, Sender<std::string>> clients;
  auto broadcast = [&clients](const std::string& line) {
    for (auto& [id, outbox] : clients) {
      (void)outbox.try_send(line);  // a client too slow to keep up misses lines, nobody waits
    }
  };
  while (std::optional<Event> event = co_await events.recv()) {
    if (auto* joined = std::get_if<Joined>(&*event)) {
      clients.emplace(joined->id, std::move(joined->outbox));
      broadcast("* client " + std::to_string(joined->id) + " joined");
    } else if (auto* said = std::get_if<Said>(&*event)) {
      broadcast("client " + std::to_string(said->id) + ": " + said->line);
    } else if (auto* left = std::get_if<Left>(&*event)) {
      clients.erase(left->id);
      broadcast("* client " + std::to_string(left->id) + " left");
    }
  }
}

Async<void> client(int id, TcpStream stream, Sender<Event> hub) {
  auto [outbox, inbox] = wakeful::mpsc::channel<std::string>(64);
  // Events are built as named variables before the co_await: g++ 12 destroys a braced aggregate
  // temporary twice when it is created inside a co_await expression (README, "Compilers").
  Event joined = Joined{id, std::move(outbox)};
  (void)co_await hub.send(std::move(joined));
  Framed lines(std::move(stream), LinesCodec(1000));
  for (;;) {
    auto first = co_await wakeful::select(wakeful::next(lines), inbox.recv());
    if (first.index() == 0) {  // from the socket: a line, or the end (an error, or EOF)
      std::optional<wakeful::io::Result<std::string>>& line = std::get<0>(first);
      if (!line || !*line) {
        break;
      }
      Event said = Said{id, std::move(**line)};
      (void)co_await hub.send(std::move(said));
    } else {  // from the hub
      const std::optional<std::string>& line = std::get<1>(first);
      if (!line || !co_await lines.send(*line)) {
        break;
      }
    }
  }
  Event left = Left{id};
  (void)co_await hub.send(std::move(left));
}

Async<int> serve(unsigned short port) {
  auto listener = wakeful::net::TcpListener::bind({wakeful::asio::ip::address_v4::loopback(), port});
  if (!listener) {
    std::fprintf(stderr, "bind: %s\n", listener.error().message().c_str());
    co_return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", listener->local_endpoint().value().port());
  std::fflush(stdout);
  auto [events, events_rx] = wakeful::mpsc::channel<Event>(256);
  wakeful::spawn(hub, std::move(events_rx)).detach();
  for (int next_id = 1;; ++next_id) {
    auto accepted = co_await listener->accept();
    if (accepted) {
      wakeful::spawn(client, next_id, std::move(accepted->stream), events).detach();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<unsigned short>(argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 0);
  wakeful::Runtime runtime(1);
  return runtime.block_on(serve(port));
}
