// What Debian 12's cpp-httplib (0.11.4, libcpp-httplib-dev) gets wrong for a server on the
// open network, and the fixes, kept apart from the routes in server.cc:
// - a listen backlog of 5 (a burst of connections waits for TCP retransmits);
// - a fixed worker pool (idle keep-alive clients stall everyone else);
// - no limit on header lines or on a chunked body (memory), and a whole-request deadline;
// - a Content-Length over the limit is answered only after waiting for that body;
// - an exact repeat of a query pair is dropped while decoding;
// - byte ranges built one part per range, brotli at quality 11, SO_REUSEPORT by default.
// Each fix leans on how that version works inside (its connection loop, its members, the order
// of its handlers): see the checks in httplib_workarounds.cc before moving to another version.
#pragma once
#include <httplib.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "server/api.h"

// The version these fixes were written and tested for. On another one, re-check against its
// httplib.h/.cc: Server::process_request (the order of the 100-continue handler, the
// pre-routing handler and read_content; what a failed read answers), process_and_close_socket
// and the members HttpServer uses (svr_sock_, the timeouts, keep_alive_*, payload_max_length_),
// detail::parse_query_text (whether it still drops repeats), the listen backlog, the range and
// compression handling. Then run hostile_test and change the version here.
#define SYSJOURNEY_HTTPLIB_TESTED_VERSION "0.11.4"
#ifndef CPPHTTPLIB_VERSION
#error "httplib.h without CPPHTTPLIB_VERSION: re-check server/httplib_workarounds.*"
#endif
static_assert(std::string_view(CPPHTTPLIB_VERSION) == SYSJOURNEY_HTTPLIB_TESTED_VERSION,
              "cpp-httplib version changed: re-check server/httplib_workarounds.* (see above)");

namespace sysjourney {

// httplib::Server with the fixes installed: a pool of `workers` that grows while all are busy,
// limits and a deadline on reading a request, an early 413, the JSON error contract for
// refusals, ranges ignored, gzip instead of brotli, no SO_REUSEPORT. The payload limit is
// set_payload_max_length's, read per request. Routes, timeouts and headers are the caller's.
class HttpServer final : public httplib::Server {
 public:
  explicit HttpServer(std::size_t workers);
  // After binding: listens again with a backlog of SOMAXCONN.
  void raise_backlog();

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool wait_for_next_request(socket_t sock) const;
  // Answers 413 into `res` when the announced body is over the limit (and marks the
  // connection for closing); false when the request may go on.
  bool refuse_announced_body(const httplib::Request& req, httplib::Response& res) const;
};

// The query of a request target ("/api/run?cache=hit", httplib's Request::target) decoded as
// httplib decodes it, but with exact repeats kept ("cache=hit&cache=hit" is two parameters), in
// httplib's order: sorted by key, repeats in request order.
Params query_params(const std::string& target);

}  // namespace sysjourney
