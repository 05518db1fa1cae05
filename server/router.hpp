#pragma once
// Router: wakeful-httpd's routes.
//
//   /            a page about the server, linking the rest (unless static files are served there)
//   /plaintext   "Hello, World!" (TechEmpower's plaintext test)
//   /json        {"message":"Hello, World!"}
//   /echo        POST: the request body back
//   /metrics     Prometheus text
//   /healthz     200 while serving, 503 while draining
//   --static-prefix (default /static/)   files under --root

#include <string>

#include "http/session.hpp"
#include "server_state.hpp"

namespace httpd {

class Router final : public http::RequestHandler {
 public:
  explicit Router(ServerState& state);

  http::Response handle(const http::Request& request) override;

 private:
  ServerState& state_;
  std::string index_page_;
};

}  // namespace httpd
