#include "server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <thread>

#include "cmake/embedded.h"
#include "server/httplib_workarounds.h"

namespace sysjourney {

extern const EmbeddedFile web_files[];
extern const size_t web_files_count;

namespace {

// The page needs nothing from elsewhere: no inline script, no CDN, no fonts.
const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void send(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type);
  if (r.content_type.rfind("application/json", 0) == 0) res.set_header("Cache-Control", "no-store");
}

const std::map<std::string, const EmbeddedFile*>& web_index() {
  static const auto index = [] {
    std::map<std::string, const EmbeddedFile*> m;
    for (size_t i = 0; i < web_files_count; ++i)
      m["/" + std::string(web_files[i].path)] = &web_files[i];
    return m;
  }();
  return index;
}

}  // namespace

std::string content_type_for(const std::string& path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() &&
           path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".wasm")) return "application/wasm";
  if (ends(".md") || ends(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

WebServer::WebServer(const Model& model, ServeOptions options, MeasureHandler measure)
    : api_(model, SYSJOURNEY_VERSION),
      options_(std::move(options)),
      measure_(std::move(measure)),
      http_(std::make_unique<HttpServer>(std::size_t(std::max(options_.threads, 1)))) {
  routes();
}

WebServer::~WebServer() = default;

namespace {

// `text` with &, <, >, " and ' as entities: safe inside a double-quoted HTML attribute.
std::string html_attribute(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Where tools/bundle/build.mjs leaves room in the served index.html for the preloads below: the
// URLs are this server's API, so they are spelled here only.
constexpr std::string_view kPreloadMark = "<!-- sysjourney-preloads -->";

// crossorigin: the mode and credentials of engine.js's fetch(), so that fetch takes the preload;
// view=page is the model as engine.js asks for it.
constexpr std::string_view kModelPreload =
    R"(<link rel="preload" href="api/model?view=page" as="fetch" crossorigin>)";

}  // namespace

std::string WebServer::page_for(std::string_view html, const std::string& target) const {
  auto at = html.find(kPreloadMark);
  if (at == std::string_view::npos) return std::string(html);
  std::string out(html.substr(0, at));
  out += kModelPreload;
  // A link with options (a permalink) opens on its journey: preloading it lets the browser ask
  // while the page's script is still on its way, instead of after it ran. Only a query the engine
  // answers 200 is preloaded, so that a bad link never shows a failed request; the page's
  // engine.js asks with exactly this query (data-sysjourney-run) and so takes the preload.
  auto q = target.find('?');
  if (q != std::string::npos && q + 1 < target.size()) {
    const ApiResponse journey = api_.run(query_params(target));
    // refused, or another format (csv): the page never asks that
    if (journey.status == 200 && journey.content_type.rfind("application/json", 0) == 0)
      out += R"(<link rel="preload" href="api/run?)" + html_attribute(target.substr(q + 1)) +
             R"(" as="fetch" crossorigin data-sysjourney-run>)";
  }
  out += html.substr(at + kPreloadMark.size());
  return out;
}

void WebServer::routes() {
  httplib::Server& s = *http_;
  // Slow or half-open clients must not hold a worker for long.
  s.set_read_timeout(options_.read_timeout_s, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_timeout(2);
  // Connections beyond the worker count wait in a queue: rotate busy ones so none waits long.
  s.set_keep_alive_max_count(100);
  s.set_payload_max_length(96 * 1024);  // a measure document for /api/fit is 10-20 KB
  s.set_tcp_nodelay(true);
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                         {"Referrer-Policy", "no-referrer"},
                         {"X-Frame-Options", "DENY"}});

  s.Get("/healthz",
        [this](const httplib::Request&, httplib::Response& res) { send(res, api_.health()); });
  s.Get("/api/model", [this](const httplib::Request& req, httplib::Response& res) {
    send(res, api_.model(query_params(req.target)));
  });
  s.Get("/api/run", [this](const httplib::Request& req, httplib::Response& res) {
    send(res, api_.run(query_params(req.target)));
  });
  s.Get("/api/compare", [this](const httplib::Request& req, httplib::Response& res) {
    send(res, api_.compare(query_params(req.target)));
  });
  s.Post("/api/measure", [this](const httplib::Request&, httplib::Response& res) {
    if (!measure_) {
      send(res,
           Api::error(403,
                      "measurement is turned off on this server (started with --no-measure, or "
                      "bound to a public address without --allow-measure)"));
      return;
    }
    send(res, measure_());
  });
  // A measure file from any machine: pure computation, so it is allowed wherever the server runs.
  s.Post("/api/fit", [this](const httplib::Request& req, httplib::Response& res) {
    send(res, api_.fit(req.body));
  });
  s.Get("/api/.*", [](const httplib::Request& req, httplib::Response& res) {
    send(res,
         Api::error(404, fmt::format("no API endpoint {}", req.path), "path", req.path,
                    "/api/model, /api/run, /api/compare, /api/measure (POST), /api/fit (POST)"));
  });
  s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path == "/" ? "/index.html" : req.path;
    const auto& index = web_index();
    auto it = index.find(path);
    if (it == index.end()) {
      send(res, Api::error(404, fmt::format("not found: {}", req.path), "path", req.path, "/"));
      return;
    }
    if (path == "/index.html") {
      res.set_content(page_for(std::string_view(it->second->data, it->second->size), req.target),
                      content_type_for(path));
    } else {
      res.set_content(it->second->data, it->second->size, content_type_for(path));
    }
    res.set_header("Content-Security-Policy", kCsp);
    res.set_header("Cache-Control", "no-cache");
  });
  // Everything else is read-only.
  auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
    send(res,
         Api::error(405, fmt::format("method {} is not allowed on {}", req.method, req.path),
                    "method", req.method,
                    req.path == "/api/measure" || req.path == "/api/fit" ? "POST" : "GET, HEAD"));
    res.set_header("Allow",
                   req.path == "/api/measure" || req.path == "/api/fit" ? "POST" : "GET, HEAD");
  };
  s.Post(".*", not_allowed);
  s.Put(".*", not_allowed);
  s.Patch(".*", not_allowed);
  s.Delete(".*", not_allowed);
  s.Options(".*", not_allowed);

  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        send(res, Api::error(500, "internal error"));
      });
}

Result<int> WebServer::bind() {
  int port = options_.port == 0
                 ? http_->bind_to_any_port(options_.host)
                 : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    return Error{fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                             options_.host, options_.port),
                 "port", std::to_string(options_.port), "a free port", ""};
  }
  static_cast<HttpServer&>(*http_).raise_backlog();
  return port;
}

void WebServer::listen() {
  {
    std::lock_guard lock(state_);
    if (stop_requested_) return;
    listening_ = true;
  }
  http_->listen_after_bind();
  listening_ = false;
}

void WebServer::stop() {
  {
    std::lock_guard lock(state_);
    stop_requested_ = true;
    if (!listening_) return;  // listen() will not start
  }
  // httplib ignores stop() until its loop runs: wait for that (or for listen() to give up).
  while (listening_ && !http_->is_running()) std::this_thread::yield();
  http_->stop();
}

}  // namespace sysjourney
