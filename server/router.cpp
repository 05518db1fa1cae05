// The routes.

#include "router.hpp"

#include <array>
#include <string_view>

#include "http/uri.hpp"
#include "version.hpp"

namespace httpd {

namespace {

using http::Method;
using http::Response;

constexpr std::string_view plaintext_body = "Hello, World!";
constexpr std::string_view json_body = R"({"message":"Hello, World!"})";

// The methods of the fixed routes.
constexpr std::string_view read_only = "GET, HEAD, OPTIONS";
constexpr std::string_view post_only = "POST, OPTIONS";

Response allow(std::string_view methods, Method method) {
  Response response;
  if (method == Method::options) {
    response.status = 200;  // with Content-Length: 0 (a 204 may not carry one)
  } else {
    response = Response::error(405);
  }
  response.headers = "Allow: ";
  response.headers += methods;
  response.headers += "\r\n";
  return response;
}

bool reads(Method method) noexcept { return method == Method::get || method == Method::head; }

std::string make_index_page(const Config& config) {
  std::string page = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wakeful-httpd</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body>
<h1>wakeful-httpd</h1>
<p>An HTTP/1.1 server on <strong>wakeful</strong>, a C++20 library that brings Rust's poll-based
async model (futures, wakers, tasks, join-sets) to standalone Asio. Each connection is a future;
a wake polls only the connection that can make progress.</p>
<ul>
<li><a href="/plaintext">/plaintext</a>: the plaintext benchmark response</li>
<li><a href="/json">/json</a>: the JSON benchmark response</li>
<li><code>/echo</code>: POST a body, get it back (<code>curl --data-binary @file http://HOST/echo</code>)</li>
<li><a href="/metrics">/metrics</a>: live counters of the server, its executor and its join-sets (Prometheus text)</li>
<li><a href="/healthz">/healthz</a>: 200 while serving, 503 while shutting down</li>
)";
  if (config.root && config.static_prefix != "/") {
    const std::string prefix = http::html_escape(config.static_prefix);
    page += "<li><a href=\"" + prefix + "\">" + prefix + "</a>: static files</li>\n";
  }
  page += "</ul>\n<p>Version " + std::string(version) + ", " + std::to_string(config.threads) +
          (config.threads == 1 ? " worker" : " workers") + ", connections driven as <code>" +
          std::string(mode_name(config.mode)) + "</code>.</p>\n</body></html>\n";
  return page;
}

}  // namespace

Router::Router(ServerState& state) : state_(state), index_page_(make_index_page(state.config)) {}

Response Router::handle(const http::Request& request) {
  const std::string_view path = request.path;
  const Method method = request.method_id;

  if (path == "*") {  // OPTIONS * asks about the server as a whole
    return method == Method::options ? allow("GET, HEAD, POST, OPTIONS", method) : Response::error(400);
  }
  if (path == "/plaintext") {
    return reads(method) ? Response::text(200, plaintext_body) : allow(read_only, method);
  }
  if (path == "/json") {
    if (!reads(method)) {
      return allow(read_only, method);
    }
    return Response::fixed(200, "application/json", json_body);
  }
  if (path == "/echo") {
    if (method != Method::post) {
      return allow(post_only, method);
    }
    Response response;
    response.content_type = "application/octet-stream";
    response.echo_request_body = true;
    return response;
  }
  if (path == "/metrics") {
    if (!reads(method)) {
      return allow(read_only, method);
    }
    Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = render_metrics(state_.stats, state_.runtime, state_.drain.is_cancelled());
    return response;
  }
  if (path == "/healthz") {
    if (!reads(method)) {
      return allow(read_only, method);
    }
    return state_.drain.is_cancelled() ? Response::text(503, "draining\n") : Response::text(200, "ok\n");
  }
  const std::string& prefix = state_.config.static_prefix;
  if (state_.files && (path.starts_with(prefix) || (path.size() + 1 == prefix.size() && prefix.starts_with(path)))) {
    if (!reads(method)) {
      return allow(read_only, method);
    }
    const std::string_view relative = path.size() >= prefix.size() ? path.substr(prefix.size()) : std::string_view();
    return state_.files->serve(request, relative);
  }
  if (path == "/") {
    if (!reads(method)) {
      return allow(read_only, method);
    }
    return Response::fixed(200, "text/html; charset=utf-8", index_page_);
  }
  return Response::error(404);
}

}  // namespace httpd
