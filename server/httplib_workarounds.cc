#include "server/httplib_workarounds.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>

namespace sysjourney {

namespace {

// Workers the pool may grow to: each holds one connection. Well below the usual open-file limit.
constexpr std::size_t kMaxWorkers = 512;

// httplib's workers: `base` threads always, and more, up to `max`, while every one is busy. A
// keep-alive or half-open connection holds its worker until a timeout, so with a fixed pool as
// many idle clients as workers would stall everyone else for seconds. Extra workers leave after
// a while without work.
class GrowingPool final : public httplib::TaskQueue {
 public:
  GrowingPool(std::size_t base, std::size_t max) : base_(base), max_(std::max(base, max)) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < base_; ++i) spawn();
  }

  void enqueue(std::function<void()> fn) override {
    std::list<std::thread> done;
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(fn));
      if (idle_ < jobs_.size() && live_ < max_) spawn();
      done.splice(done.end(), finished_);
    }
    cond_.notify_one();
    for (auto& t : done) t.join();
  }

  void shutdown() override {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    cond_.notify_all();
    // Workers finish the queue first; after the last one has left, no one touches the lists.
    gone_.wait(lock, [&] { return live_ == 0; });
    for (auto& t : threads_) t.join();
    for (auto& t : finished_) t.join();
  }

 private:
  static constexpr std::chrono::seconds kIdleExit{30};

  void spawn() {  // with mutex_ held
    auto it = threads_.emplace(threads_.end());
    ++live_;
    *it = std::thread([this, it] { work(it); });
  }

  void work(std::list<std::thread>::iterator self) {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      bool woken = cond_.wait_for(lock, kIdleExit, [&] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (!woken) {
        if (live_ > base_) break;  // an extra worker with nothing to do
        continue;
      }
      if (jobs_.empty()) break;  // stopping, and the queue is done
      auto fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
    finished_.splice(finished_.end(), threads_, self);  // joined by enqueue() or shutdown()
    --live_;
    gone_.notify_all();
  }

  const std::size_t base_, max_;
  std::mutex mutex_;
  std::condition_variable cond_, gone_;
  std::list<std::function<void()>> jobs_;
  std::list<std::thread> threads_, finished_;
  std::size_t live_ = 0, idle_ = 0;
  bool stopping_ = false;
};

// What one request may take from its connection, and how long it may take to arrive: the
// request line and headers together at most 64 KiB, the body at most the payload limit (96 KiB),
// all within 10 s. Beyond that, reading fails, the answer is 414/431/413 or 408, and the
// connection closes.
constexpr std::size_t kRequestBytes = 64 * 1024;
constexpr std::chrono::seconds kRequestTime{10};

enum class Refusal { none, too_large, too_slow, malformed };
// The request a worker is serving, as the stream and the error handler see it. After a refusal
// the connection loop closes the connection rather than parse what follows a broken request.
struct RequestState {
  Refusal refusal = Refusal::none;
  bool line_read = false;     // the request line's CR LF has been read
  bool headers_read = false;  // the blank line after the headers has been read
};
thread_local RequestState t_request;

int refusal_status() {
  if (t_request.refusal == Refusal::too_slow) return 408;
  return !t_request.line_read ? 414 : t_request.headers_read ? 413 : 431;
}

std::string refusal_message(int status) {
  switch (status) {
    case 408:
      return "request too slow (a request must arrive within 10 s)";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 431:
      return "request headers too large (at most 64 KiB with the request line)";
    default:
      return fmt::format("request refused ({})", status);
  }
}

// httplib's SocketStream (timeouts, a read buffer, MSG_NOSIGNAL) with the limits above.
class GuardedStream final : public httplib::Stream {
 public:
  GuardedStream(socket_t sock, time_t read_timeout_sec, time_t write_timeout_sec,
                std::size_t body_max)
      : sock_(sock),
        read_timeout_ms_(int(read_timeout_sec * 1000)),
        write_timeout_ms_(int(write_timeout_sec * 1000)),
        body_max_(body_max) {}

  void new_request() {
    left_ = kRequestBytes;
    deadline_ = std::chrono::steady_clock::now() + kRequestTime;
    t_request = RequestState{};
    tail_ = 0;
    wrote_ = false;
  }
  bool buffered() const { return off_ < len_; }
  bool wrote() const { return wrote_; }

  bool is_readable() const override { return buffered() || ready(POLLIN, read_timeout_ms_); }
  bool is_writable() const override { return ready(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (left_ == 0) return refuse(Refusal::too_large);
    if (!buffered()) {
      auto left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         deadline_ - std::chrono::steady_clock::now())
                         .count();
      if (left_ms <= 0) return refuse(Refusal::too_slow);
      bool deadline_first = left_ms < read_timeout_ms_;
      if (!ready(POLLIN, deadline_first ? int(left_ms) + 1 : read_timeout_ms_)) {
        return deadline_first ? refuse(Refusal::too_slow) : -1;
      }
      ssize_t n = 0;
      do n = ::recv(sock_, buf_, sizeof(buf_), 0);
      while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      off_ = 0;
      len_ = std::size_t(n);
    }
    std::size_t n = std::min({size, len_ - off_, left_});
    std::memcpy(ptr, buf_ + off_, n);
    off_ += n;
    left_ -= n;
    // Where the request line and the headers end; from there on only the body limit applies.
    for (std::size_t i = 0; i < n && !t_request.headers_read; ++i) {
      tail_ = (tail_ << 8) | static_cast<unsigned char>(ptr[i]);
      t_request.line_read = t_request.line_read || (tail_ & 0xffffu) == 0x0d0au;
      if ((tail_ & 0xffffffffu) == 0x0d0a0d0au) {
        t_request.headers_read = true;
        left_ = std::min(left_, body_max_ > n - i - 1 ? body_max_ - (n - i - 1) : 0);
      }
    }
    return ssize_t(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    wrote_ = true;
    ssize_t n = 0;
    do n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address(::getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  bool ready(short events, int timeout_ms) const {
    pollfd p{sock_, events, 0};
    int r = 0;
    do r = ::poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r > 0 && !(p.revents & POLLNVAL);
  }
  static ssize_t refuse(Refusal why) {
    t_request.refusal = why;
    return -1;
  }
  template <typename Get>
  void address(Get get, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];
    if (get(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
        ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), serv,
                      sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      ip = host;
      port = std::atoi(serv);
    }
  }

  socket_t sock_;
  int read_timeout_ms_, write_timeout_ms_;
  std::size_t body_max_;
  char buf_[4096];
  std::size_t off_ = 0, len_ = 0;
  std::size_t left_ = kRequestBytes;
  std::uint64_t tail_ = 0;  // the last bytes read, to find the ends of the line and the headers
  std::chrono::steady_clock::time_point deadline_;
  bool wrote_ = false;
};

// httplib gave up on the request before answering (the request line alone over the limit, or
// too slow to arrive): answer with the same error contract, then close.
void write_refusal(GuardedStream& strm) {
  int status = refusal_status();
  ApiResponse r = Api::error(status, refusal_message(status), "request", "", "");
  const char* reason = status == 408   ? "Request Timeout"
                       : status == 413 ? "Payload Too Large"
                       : status == 414 ? "URI Too Long"
                                       : "Request Header Fields Too Large";
  std::string text = fmt::format(
      "HTTP/1.1 {} {}\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: {}\r\n"
      "Content-Type: application/json\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: "
      "nosniff\r\n"
      "X-Frame-Options: DENY\r\n\r\n{}",
      status, reason, r.body.size(), r.body);
  (void)strm.write(text.data(), text.size());
}

void send_json(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type);
  res.set_header("Cache-Control", "no-store");
}

// httplib reads a body only for these methods (detail::expect_content).
bool reads_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" ||
         method == "PRI";
}

}  // namespace

// httplib listens with a backlog of 5 (compiled into Debian's libcpp-httplib): a burst of new
// connections (a page load, wrk's 64) overflows it, and the kernel drops the excess until TCP
// retransmits, a second or more later. Listening again on the bound socket raises the backlog.
void HttpServer::raise_backlog() { ::listen(svr_sock_, SOMAXCONN); }

HttpServer::HttpServer(std::size_t workers) {
  new_task_queue = [workers] { return new GrowingPool(workers, kMaxWorkers); };
  // httplib also sets SO_REUSEPORT by default, which would let a second server share the port
  // silently; keep only SO_REUSEADDR so a busy port is an error.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // A client that asks before sending gets the 413 instead of "100 Continue".
  set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    return refuse_announced_body(req, res) ? res.status : 100;
  });
  // The request object is httplib's own non-const local; only the handler's view is const.
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (refuse_announced_body(req, res)) return httplib::Server::HandlerResponse::Handled;
    // Byte ranges are ignored (RFC 9110 allows it): httplib would build one part per range, so
    // a 7 KB "Range: bytes=0-,0-,..." asked for a multi-megabyte answer. Nothing needs ranges.
    const_cast<httplib::Request&>(req).ranges.clear();
    // httplib answers brotli whenever "br" is offered, at quality 11: 200-450 ms per 100 KB on
    // a busy 2-core machine, against under 5 ms for gzip. Browsers offer both; keep gzip only.
    auto& headers = const_cast<httplib::Request&>(req).headers;
    bool gzip = req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
    headers.erase("Accept-Encoding");
    if (gzip) headers.emplace("Accept-Encoding", "gzip");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // httplib's own refusals (400 bad request, 413, 414) get a JSON body too.
  set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // the API's own 4xx: the connection stays usable
    // httplib's own refusal. A request cut off by GuardedStream is only a failed read to
    // httplib (400): say what it was.
    if (t_request.refusal == Refusal::too_large || t_request.refusal == Refusal::too_slow) {
      res.status = refusal_status();
    } else {
      t_request.refusal = Refusal::malformed;
    }
    res.set_header("Connection", "close");
    send_json(res, Api::error(res.status, refusal_message(res.status), "request", "", ""));
  });
}

// httplib's read_content skips an announced body over the limit before it answers 413, waiting
// up to the read timeout for bytes that a client holding back for the answer never sends.
// Answer from the headers instead, and close the connection after (the body is not read).
bool HttpServer::refuse_announced_body(const httplib::Request& req, httplib::Response& res) const {
  // A chunked body is read (and cut off at the limit) by GuardedStream; httplib ignores
  // Content-Length then.
  if (!reads_body(req.method) || !req.has_header("Content-Length") ||
      strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") == 0) {
    return false;
  }
  // httplib's own reading of the header (strtoull: "-1" and overflows are huge).
  if (req.get_header_value<std::uint64_t>("Content-Length") <= payload_max_length_) return false;
  t_request.refusal = Refusal::too_large;
  send_json(res, Api::error(413, "request body too large", "Content-Length",
                            req.get_header_value("Content-Length"),
                            fmt::format("at most {} bytes", payload_max_length_)));
  // Said on the request, so that httplib answers "Connection: close" (and no Keep-Alive).
  auto& headers = const_cast<httplib::Request&>(req).headers;
  headers.erase("Connection");
  headers.emplace("Connection", "close");
  return true;
}

// httplib's keep-alive loop over one connection, with one GuardedStream for all its requests
// (so bytes a client sent ahead are not lost between requests).
bool HttpServer::process_and_close_socket(socket_t sock) {
  GuardedStream strm(sock, read_timeout_sec_, write_timeout_sec_, payload_max_length_);
  bool ret = false;
  for (std::size_t count = keep_alive_max_count_; count > 0 && svr_sock_ != INVALID_SOCKET;
       --count) {
    if (!strm.buffered() && !wait_for_next_request(sock)) break;
    strm.new_request();
    bool closed = false;
    ret = process_request(strm, count == 1, closed, nullptr);
    if (!ret && !strm.wrote() &&
        (t_request.refusal == Refusal::too_large || t_request.refusal == Refusal::too_slow)) {
      write_refusal(strm);
    }
    if (!ret || closed || t_request.refusal != Refusal::none) break;
  }
  if (t_request.refusal != Refusal::none) {
    // The client may still be sending what was refused. Closing with unread bytes would reset
    // the connection, and the client could lose the answer: read and drop a little first.
    ::shutdown(sock, SHUT_WR);
    char sink[4096];
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (std::size_t drained = 0;
         drained < (1u << 20) && std::chrono::steady_clock::now() < until;) {
      pollfd p{sock, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(sock, sink, sizeof(sink), 0);
      if (n <= 0) break;
      drained += std::size_t(n);
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

// Waits up to the keep-alive timeout for the next request's first bytes; gives up early when the
// server stops.
bool HttpServer::wait_for_next_request(socket_t sock) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  while (svr_sock_ != INVALID_SOCKET) {
    pollfd p{sock, POLLIN, 0};
    int r = ::poll(&p, 1, 50);
    if (r > 0) return !(p.revents & POLLNVAL);
    if (r < 0 && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

// httplib's parse_query_text keeps a set of the pairs it has seen and drops an exact repeat, so
// the API would never see "cache=hit&cache=hit" twice. Decode each pair on its own with the
// same functions (split trims and skips empty pieces), then order them as httplib's multimap.
Params query_params(const std::string& target) {
  std::string query;
  int piece = 0;
  httplib::detail::split(target.data(), target.data() + target.size(), '?',
                         [&](const char* b, const char* e) {
                           if (piece++ == 1) query.assign(b, e);
                         });
  Params out;
  httplib::detail::split(query.data(), query.data() + query.size(), '&',
                         [&](const char* b, const char* e) {
                           httplib::Params one;
                           httplib::detail::parse_query_text(std::string(b, e), one);
                           for (auto& [k, v] : one) out.emplace_back(k, v);
                         });
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

}  // namespace sysjourney
