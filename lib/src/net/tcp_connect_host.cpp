// TcpStream::connect to several addresses in turn, and to a host name: Asio's resolver through
// use_future, then each address it gives.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wakeful/net/tcp_stream.hpp"
#include "wakeful/runtime/runtime.hpp"
#include "wakeful/use_future.hpp"

namespace wakeful::net {

namespace {

using Endpoints = std::vector<asio::ip::tcp::endpoint>;
using Timeout = std::optional<std::chrono::steady_clock::duration>;

Async<io::Result<TcpStream>> connect_each(Endpoints endpoints, Timeout timeout) {
  std::error_code last = std::make_error_code(std::errc::invalid_argument);  // no endpoint at all
  for (const asio::ip::tcp::endpoint& endpoint : endpoints) {
    // Not a conditional expression with a co_await in each branch: g++ 12 miscompiles that.
    std::optional<io::Result<TcpStream>> stream;
    if (timeout) {
      stream.emplace(co_await TcpStream::connect(endpoint, *timeout));
    } else {
      stream.emplace(co_await TcpStream::connect(endpoint));
    }
    if (*stream) {
      co_return std::move(*stream);
    }
    last = stream->error();
  }
  co_return last;
}

// The resolver is declared before the future that uses it, so the future (and the cancellation
// it may carry) goes first, as use_future asks.
Async<io::Result<TcpStream>> resolve_and_connect(std::string host, std::uint16_t port, Timeout timeout) {
  asio::ip::tcp::resolver resolver(current_io_context());
  auto resolved =
      co_await resolver.async_resolve(host, std::to_string(port), asio::ip::tcp::resolver::numeric_service, use_future);
  if (!resolved) {
    co_return resolved.error();
  }
  if (resolved->empty()) {
    co_return make_error_code(asio::error::host_not_found);
  }
  Endpoints endpoints;
  endpoints.reserve(resolved->size());
  for (const auto& entry : *resolved) {
    endpoints.push_back(entry.endpoint());
  }
  co_return co_await connect_each(std::move(endpoints), timeout);
}

}  // namespace

// Each checks for a worker before making its coroutine, to throw where the caller can see it.

Async<io::Result<TcpStream>> TcpStream::connect(Endpoints endpoints) {
  (void)current_io_context();
  return connect_each(std::move(endpoints), std::nullopt);
}

Async<io::Result<TcpStream>> TcpStream::connect(Endpoints endpoints, std::chrono::steady_clock::duration timeout) {
  (void)current_io_context();
  return connect_each(std::move(endpoints), timeout);
}

Async<io::Result<TcpStream>> TcpStream::connect(std::string host, std::uint16_t port) {
  (void)current_io_context();
  return resolve_and_connect(std::move(host), port, std::nullopt);
}

Async<io::Result<TcpStream>> TcpStream::connect(std::string host, std::uint16_t port,
                                                std::chrono::steady_clock::duration timeout) {
  (void)current_io_context();
  return resolve_and_connect(std::move(host), port, timeout);
}

}  // namespace wakeful::net
