// `sysjourney serve`: the page (embedded web/ files) and the JSON API over HTTP.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"
#include "server/api.h"

namespace httplib {
class Server;
}

namespace sysjourney {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  // Workers that always run. It is not a limit on connections: while every worker is busy (a
  // keep-alive or half-open connection holds one until its timeout), the pool adds more, up to
  // kMaxWorkers (512), and the extra ones leave after 30 s without work.
  int threads = 64;
  bool no_measure = false;     // --no-measure
  bool allow_measure = false;  // --allow-measure: measurement on a non-loopback address
  // How long one read from a client may wait for bytes before the connection is dropped.
  int read_timeout_s = 5;
};

// A POST /api/measure handler; empty when measurement is off.
using MeasureHandler = std::function<ApiResponse()>;

class WebServer {
 public:
  WebServer(const Model& model, ServeOptions options, MeasureHandler measure = {});
  ~WebServer();

  // Binds the socket; returns the port (useful with port 0).
  Result<int> bind();
  // Serves until stop() is called from another thread or a signal handler thread.
  void listen();
  // Also when listen() has not started yet or is just starting: it then returns at once.
  void stop();

 private:
  void routes();
  Api api_;
  // index.html for a request target: with a permalink's journey preloaded when it has one.
  std::string page_for(std::string_view html, const std::string& target) const;
  ServeOptions options_;
  MeasureHandler measure_;
  std::unique_ptr<httplib::Server> http_;
  std::mutex state_;  // orders stop() against listen() starting
  bool stop_requested_ = false;
  std::atomic<bool> listening_{false};
};

// The content type for an embedded file name.
std::string content_type_for(const std::string& path);

}  // namespace sysjourney
