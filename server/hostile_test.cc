// Hostile input against the real server: malformed and abusive HTTP over raw loopback sockets,
// slow clients, concurrent measurements, the security headers, and the real binary's handling
// of a public bind and of SIGTERM during a measurement. Every wait is on a real event (a reply,
// a closed socket, a line of output, a file appearing, a process exiting), never a fixed sleep.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cmake/embedded.h"
#include "core/builtin_model.h"
#include "server/measure_endpoint.h"
#include "server/server.h"

extern char** environ;

namespace sysjourney {

extern const EmbeddedFile web_files[];
extern const size_t web_files_count;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// --- Raw HTTP over a socket ----------------------------------------------------------------------

// A blocking loopback connection; -1 on failure.
int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends everything it can; a server that hangs up early (413) is not an error here.
void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

struct Reply {
  int status = 0;       // 0: no status line came
  bool closed = false;  // the server closed the connection
  bool timed_out = false;
  int interim = 0;   // 1xx answers before this one
  std::string head;  // status line and headers
  std::string body;

  std::string header(const std::string& name) const {
    std::istringstream in(head);
    std::string line;
    while (std::getline(in, line)) {
      if (line.size() > name.size() && line[name.size()] == ':' &&
          strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
        std::string v = line.substr(name.size() + 1);
        while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
        return v;
      }
    }
    return "";
  }
  bool has_header(const std::string& name) const {
    std::string lower_head = head, lower_name = "\n" + name + ":";
    for (auto& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower_head.find(lower_name) != std::string::npos;
  }
};

// Reads one response (skipping 1xx interim ones) up to its Content-Length, or until the server
// closes the connection, or until `timeout`.
Reply read_reply(int fd, milliseconds timeout, bool head_request = false) {
  Reply r;
  std::string buf;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto header_end = buf.find("\r\n\r\n");
    if (header_end != std::string::npos && r.status == 0) {
      std::string head = buf.substr(0, header_end + 2);
      int status = 0;
      if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &status) == 1 && status >= 100 &&
          status < 200) {
        buf.erase(0, header_end + 4);  // "100 Continue": the real answer follows
        ++r.interim;
        continue;
      }
      r.status = status;
      r.head = head;
      buf.erase(0, header_end + 4);
    }
    if (r.status != 0) {
      std::string cl = r.header("Content-Length");
      std::size_t want = head_request || cl.empty() ? 0 : std::stoul(cl);
      if (buf.size() >= want && (head_request || !cl.empty())) {
        r.body = buf.substr(0, want);
        return r;
      }
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      r.body = buf;
      return r;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      r.closed = true;
      r.body = buf;
      return r;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

Reply exchange(int port, const std::string& request, milliseconds timeout,
               bool head_request = false) {
  int fd = connect_to(port);
  if (fd < 0) return Reply{};
  send_all(fd, request);
  Reply r = read_reply(fd, timeout, head_request);
  ::close(fd);
  return r;
}

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
         "Connection: close\r\n\r\n";
}

bool healthy(int port) {
  Reply r = exchange(port, get("/healthz"), seconds(10));
  return r.status == 200 && r.body.find("\"ok\"") != std::string::npos;
}

// --- The server in this process ------------------------------------------------------------------

class Hostile : public ::testing::Test {
 protected:
  // The shipped worker count and timeouts unless `options` says otherwise.
  void start(MeasureHandler measure = {}, ServeOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<WebServer>(*builtin_model(), options, std::move(measure));
    auto port = server_->bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->listen(); });
  }
  void SetUp() override {
    start([] { return ApiResponse{200, "application/json", R"({"measured":true})"}; });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::unique_ptr<WebServer> server_;
  std::thread thread_;
  int port_ = 0;
};

struct Case {
  std::string name;
  std::string request;
  std::set<int> statuses;  // the right answers
  bool may_close = false;  // not HTTP at all: hanging up without an answer is right too
  bool head_request = false;
  std::function<void(const Reply&)> extra = {};
};

std::vector<Case> hostile_cases() {
  const std::string passwd_escape = "/etc/passwd";
  std::vector<Case> c;
  auto bad = [&](std::string name, const std::string& target, std::set<int> statuses) {
    c.push_back({std::move(name), get(target), std::move(statuses)});
  };
  auto raw = [&](std::string name, std::string request, std::set<int> statuses,
                 bool may_close = false) {
    c.push_back({std::move(name), std::move(request), std::move(statuses), may_close});
  };

  // Oversized URLs, headers and bodies.
  bad("URI just over 8 KiB", "/api/run?fd=" + std::string(9000, 'a'), {414});
  bad("URI of 64 KiB", "/" + std::string(65536, 'x'), {414});
  bad("path of 8000 characters (regex routing)", "/" + std::string(8000, 'x'), {404});
  bad("API path of 8000 characters", "/api/" + std::string(8000, 'x'), {404});
  raw("method of 10 KiB", std::string(10000, 'G') + " / HTTP/1.1\r\n\r\n", {400, 414});
  raw("header line of 10 KiB", get("/", "X-Big: " + std::string(10000, 'a') + "\r\n"), {400, 431});
  raw("body of 1 MB announced",
      "POST /api/measure HTTP/1.1\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\nabc",
      {413});
  raw("body of 1 MB sent",
      "POST /api/measure HTTP/1.1\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n" +
          std::string(1 << 20, 'x'),
      {413});
  raw("Content-Length beyond 64 bits",
      "POST /api/measure HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\nConnection: "
      "close\r\n\r\nabc",
      {400, 413});
  raw("negative Content-Length",
      "POST /api/measure HTTP/1.1\r\nContent-Length: -1\r\nConnection: close\r\n\r\nabc",
      {400, 413});
  {
    std::string chunks;
    for (int i = 0; i < 30; ++i) chunks += "1000\r\n" + std::string(4096, 'a') + "\r\n";
    raw("chunked body over 96 KiB",
        "POST /api/measure HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            chunks + "0\r\n\r\n",
        {413});
  }
  raw("Expect: 100-continue for 100 KB",
      "POST /api/measure HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 100000\r\nConnection: "
      "close\r\n\r\n",
      {413});
  {
    std::string lines;
    for (int i = 0; i < 2000; ++i)
      lines += "X-Header-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
    raw("2000 header lines (200 KB)", get("/healthz", lines), {431});
    std::string chunks;
    for (int i = 0; i < 256; ++i) chunks += "1000\r\n" + std::string(4096, 'a') + "\r\n";
    raw("chunked body of 1 MB",
        "POST /api/measure HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n",
        {413});
    raw("1 MB body without a length",
        "POST /api/measure HTTP/1.1\r\n\r\n" + std::string(1 << 20, 'x'), {411, 413});
  }
  raw("body on POST /api/run over the limit",
      "POST /api/run HTTP/1.1\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\nabc",
      {405, 413});

  // Bad percent-encoding and invalid UTF-8.
  bad("%zz in a value", "/api/run?cache=%zz", {400});
  bad("lone % in a value", "/api/run?cache=%", {400});
  bad("truncated %f", "/api/run?cache=%f", {400});
  bad("%ff%fe (not UTF-8) in a value", "/api/run?fd=%ff%fe", {400});
  bad("%ff in a key", "/api/run?%ff=1", {400});
  bad("%00 in a value", "/api/run?cache=hit%00", {400});
  bad("raw 0xff byte in the query", "/api/run?fd=\xff", {400});
  bad("%ff%fe in the path", "/%ff%fe", {404});
  bad("raw 0xff 0xfe bytes in the path", "/\xff\xfe", {404});
  bad("overlong UTF-8 slash in the path", "/%c0%afetc%c0%afpasswd", {404});
  bad("unpaired surrogate (CESU) in a value", "/api/run?cache=%ed%a0%80", {400});
  bad("non-UTF-8 inside a compare side", "/api/compare?a=cache%3D%ff&b=cache%3Dhit", {400});
  bad("CR LF header injection in a value", "/api/run?cache=%0d%0aSet-Cookie:%20x=1", {400});
  bad("'+' decodes to a space", "/api/run?cache=hi+t", {400});

  // Path traversal, in every encoding.
  for (const char* target :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/%252e%252e/%252e%252e/etc/passwd",
        "/..%5c..%5cetc%5cpasswd", "/..\\..\\etc\\passwd", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/index.html/../../etc/passwd", "//etc/passwd", "/./../etc/passwd", "/.%2e/.%2e/etc/passwd",
        "/%u002e%u002e/etc/passwd", "/..;/..;/etc/passwd", "/....//....//etc/passwd",
        "/index.html%00.js", "/api/../../../etc/passwd", "/api/run/../../etc/passwd",
        "http://127.0.0.1/../../etc/passwd"}) {
    bad(std::string("traversal ") + target, target, {400, 404});
  }
  bad("a file outside the page", passwd_escape, {404});

  // Unknown and repeated parameters.
  bad("unknown parameter", "/api/run?colour=red", {400});
  bad("repeated parameter", "/api/run?cache=hit&cache=miss", {400});
  // httplib drops an exact repeat of a key=value pair while decoding; the server keeps it.
  bad("repeated parameter, same value", "/api/run?cache=hit&cache=hit", {400});
  bad("compare: side given twice, same value",
      "/api/compare?a=cache%3Dhit&b=cache%3Dmiss&a=cache%3Dhit", {400});
  bad("empty key", "/api/run?=hit", {400});
  bad("key without a value", "/api/run?cache", {400});
  {
    std::string many = "/api/run?";
    for (int i = 0; i < 500; ++i) many += "x=1&";
    bad("500 repeats of an unknown key", many, {400});
  }
  bad("unknown format", "/api/run?format=xml", {400});
  bad("compare: side given twice", "/api/compare?a=cache%3Dhit&b=cache%3Dmiss&a=fd%3Dpipe", {400});
  bad("compare: unknown parameter", "/api/compare?a=cache%3Dhit&b=cache%3Dmiss&c=1", {400});
  bad("compare: one side missing", "/api/compare?a=cache%3Dhit", {400});
  bad("compare: not key=value", "/api/compare?a=hit&b=miss", {400});

  // NaN, infinities, negative and huge numbers.
  for (const char* q : {"ghz=NaN",
                        "ghz=nan",
                        "ghz=inf",
                        "ghz=-Infinity",
                        "ghz=1e309",
                        "ghz=-1",
                        "ghz=0",
                        "ghz=0x10",
                        "ghz=3.0.0",
                        "ghz=%203",
                        "bytes=-5",
                        "bytes=-1",
                        "bytes=1e400",
                        "bytes=99999999999999999999999",
                        "bytes=4kk",
                        "bytes=1.5",
                        "bytes=2GiB",
                        "batch=99999999999999999999",
                        "batch=-1",
                        "api=io_uring&batch=1.5",
                        "api=io_uring&batch=4097",
                        "samples=-1",
                        "samples=100001",
                        "samples=1e9",
                        "samples=NaN",
                        "seed=-1",
                        "seed=9007199254740993",
                        "seed=1e3"}) {
    bad(std::string("number ") + q, std::string("/api/run?") + q, {400});
  }

  // Wrong methods.
  raw("POST /api/run", "POST /api/run HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      {405});
  raw("PUT /", "PUT / HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", {405});
  raw("DELETE /api/model", "DELETE /api/model HTTP/1.1\r\nConnection: close\r\n\r\n", {405});
  raw("PATCH /healthz", "PATCH /healthz HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      {405});
  raw("POST /healthz", "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      {405});
  raw("OPTIONS *", "OPTIONS * HTTP/1.1\r\nConnection: close\r\n\r\n", {405});
  raw("CORS preflight",
      "OPTIONS /api/run HTTP/1.1\r\nOrigin: http://evil.example\r\n"
      "Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n",
      {405});
  raw("TRACE", "TRACE / HTTP/1.1\r\nConnection: close\r\n\r\n", {400, 405, 501});
  raw("CONNECT", "CONNECT 127.0.0.1:22 HTTP/1.1\r\nConnection: close\r\n\r\n", {400, 405, 501});
  raw("unknown method", "BREW /pot HTTP/1.1\r\nConnection: close\r\n\r\n", {400, 501});
  raw("lower-case method", "get / HTTP/1.1\r\nConnection: close\r\n\r\n", {400, 501});
  raw("GET on the POST-only endpoint", get("/api/measure"), {404, 405});

  // Broken HTTP framing.
  raw("bad chunk size",
      "POST /api/measure HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: "
      "close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      {400});
  raw("unknown HTTP version", "GET / HTTP/9.9\r\nConnection: close\r\n\r\n", {400, 505}, true);
  raw("HTTP/0.9 request", "GET /\r\n\r\n", {400}, true);
  raw("request line without a version", "GET / \r\n\r\n", {400}, true);
  raw("method alone", "GET\r\n\r\n", {400}, true);
  raw("bare LF line ends", "GET /healthz HTTP/1.1\nConnection: close\n\n", {400, 200}, true);
  raw("empty lines only", "\r\n\r\n\r\n", {400}, true);
  {
    static const char nul_line[] = "GET /\0index.html HTTP/1.1\r\nConnection: close\r\n\r\n";
    raw("NUL in the request line", std::string(nul_line, sizeof(nul_line) - 1), {400}, true);
  }
  raw("tabs between the parts", "GET\t/healthz\tHTTP/1.1\r\nConnection: close\r\n\r\n", {400},
      true);
  raw("garbage Range", get("/", "Range: bytes=z-y\r\n"), {200, 416});
  c.push_back({"900 overlapping byte ranges (amplification)",
               get(
                   "/", "Range: bytes=0-20000" +
                            [] {
                              std::string r;
                              for (int i = 0; i < 899; ++i) r += ",0-20000";
                              return r;
                            }() +
                            "\r\n"),
               {200, 206, 416},
               false,
               false,
               [](const Reply& r) {
                 EXPECT_LT(r.body.size(), 200000u)
                     << "a few KB of Range must not ask for megabytes";
               }});

  // Not HTTP at all.
  raw("TLS ClientHello",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(100, '\0'),
      {400}, true);
  {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    raw("every byte value", bytes, {400}, true);
  }
  raw("HTTP/2 preface", std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), {400, 505}, true);
  raw("SSH banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", {400}, true);
  raw("64 NUL bytes", std::string(64, '\0'), {400}, true);
  raw("JSON instead of HTTP", "{\"method\":\"GET\",\"path\":\"/\"}\r\n\r\n", {400}, true);
  raw("SMTP greeting", "HELO evil.example\r\n\r\n", {400}, true);
  return c;
}

TEST_F(Hostile, MalformedRequestsGetTheRight4xxAndTheServerStaysHealthy) {
  const auto cases = hostile_cases();
  std::printf("hostile: %zu malformed or hostile requests\n", cases.size());
  ASSERT_GE(cases.size(), 50u);
  // All at once: a request the server holds until its read timeout does not delay the others.
  std::vector<std::future<void>> runs;
  for (const Case& c : cases) {
    runs.push_back(std::async(std::launch::async, [&c, port = port_] {
      SCOPED_TRACE(c.name);
      Reply r = exchange(port, c.request, seconds(20), c.head_request);
      EXPECT_FALSE(r.timed_out) << "no answer and no hang-up";
      if (r.status == 0) {
        EXPECT_TRUE(c.may_close) << "the connection closed without an answer";
      } else {
        EXPECT_TRUE(c.statuses.count(r.status)) << "status " << r.status << "\n"
                                                << r.head << r.body.substr(0, 300);
        if (r.status >= 400 && r.header("Content-Type").rfind("application/json", 0) == 0) {
          auto j = nlohmann::json::parse(r.body, nullptr, false);
          ASSERT_FALSE(j.is_discarded()) << "error bodies are JSON: " << r.body.substr(0, 300);
          EXPECT_FALSE(j.value("error", "").empty()) << r.body;
        }
      }
      EXPECT_EQ(r.body.find("root:"), std::string::npos) << "no file from outside the page";
      EXPECT_FALSE(r.has_header("Set-Cookie")) << "no header injection";
      EXPECT_FALSE(r.has_header("Access-Control-Allow-Origin"));
      if (c.extra && r.status != 0) c.extra(r);
      EXPECT_TRUE(healthy(port)) << "GET /healthz after it";
    }));
  }
  for (auto& r : runs) r.get();
  EXPECT_TRUE(healthy(port_));
}

// The listening socket's accept queue, from /proc/net/tcp: 0 once the server took every
// connection that reached it.
int accept_queue(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);
  char want[16];
  std::snprintf(want, sizeof(want), ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string sl, local, remote, state, queues;
    f >> sl >> local >> remote >> state >> queues;
    if (state == "0A" && local.size() >= 5 && local.compare(local.size() - 5, 5, want) == 0) {
      return static_cast<int>(std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16));
    }
  }
  return -1;
}

TEST_F(Hostile, SlowClientsDoNotStopOthersBeingServed) {
  // More idle connections than the server has workers: half send nothing, half an unfinished
  // request. Each holds a worker until its timeout (2 s keep-alive, 5 s read).
  const int idle = ServeOptions{}.threads * 2;
  std::vector<int> fds;
  for (int i = 0; i < idle; ++i) {
    int fd = connect_to(port_);
    ASSERT_GE(fd, 0);
    if (i % 2) send_all(fd, "GET /api/run?cache=hit HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    fds.push_back(fd);
  }
  // Wait until the server has taken every one of them off its accept queue.
  for (auto deadline = Clock::now() + seconds(10);
       accept_queue(port_) > 0 && Clock::now() < deadline;) {
    std::this_thread::yield();
  }
  ASSERT_EQ(accept_queue(port_), 0);

  for (const char* target : {"/healthz", "/api/run?cache=hit", "/"}) {
    auto t0 = Clock::now();
    Reply r = exchange(port_, get(target), seconds(10));
    auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_LT(ms, 1000) << target << " waited behind " << idle << " idle connections";
  }
  // And the server lets go of them: every idle connection is closed within its timeouts.
  for (int fd : fds) {
    Reply r = read_reply(fd, seconds(20));
    EXPECT_FALSE(r.timed_out) << "a slow client is dropped after its timeout";
    ::close(fd);
  }
  EXPECT_TRUE(healthy(port_));
}

TEST_F(Hostile, ATrickledRequestIsCutOffWithin10Seconds) {
  // A header line every 2 s (inside the 5 s read timeout) would hold a worker for ever.
  int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /healthz HTTP/1.1\r\n");
  const auto t0 = Clock::now();
  Reply r;
  for (int i = 0; i < 10 && r.status == 0 && !r.closed; ++i) {
    send_all(fd, "X-Slow-" + std::to_string(i) + ": y\r\n");
    r = read_reply(fd, seconds(2));  // a reply, a hang-up, or 2 s of silence
  }
  ::close(fd);
  auto waited = std::chrono::duration_cast<seconds>(Clock::now() - t0).count();
  EXPECT_EQ(r.status, 408);
  EXPECT_LE(waited, 14);
  EXPECT_TRUE(healthy(port_));
}

TEST_F(Hostile, ABurstOfConnectionsIsAllServed) {
  // httplib's own listen backlog is 5: the kernel would drop most of a burst and the clients
  // would wait for TCP to retry (1 s and more). How fast the burst is served is
  // bench/server_bench.cc's target (BM_BurstOf200Connections); here every one is answered.
  std::vector<std::future<Reply>> runs;
  for (int i = 0; i < 200; ++i) {
    runs.push_back(std::async(std::launch::async, [port = port_] {
      return exchange(port, get("/healthz"), seconds(10));
    }));
  }
  for (auto& run : runs) {
    Reply r = run.get();
    EXPECT_EQ(r.status, 200) << "a request of the burst failed";
    EXPECT_NE(r.body.find("\"ok\""), std::string::npos) << r.body;
  }
}

// A Content-Length over the limit is answered from the headers alone. With a 30 s read timeout,
// an answer within 10 s can only come before the server waited for the body (which never comes).
TEST_F(Hostile, AnOversizedContentLengthIsRefusedAsSoonAsTheHeadersArrive) {
  TearDown();
  ServeOptions options;
  options.read_timeout_s = 30;
  start([] { return ApiResponse{200, "application/json", R"({"measured":true})"}; }, options);
  for (const char* expect : {"", "Expect: 100-continue\r\n"}) {
    SCOPED_TRACE(*expect ? "with Expect: 100-continue" : "without Expect");
    int fd = connect_to(port_);
    ASSERT_GE(fd, 0);
    send_all(fd, std::string("POST /api/fit HTTP/1.1\r\nHost: 127.0.0.1\r\n") + expect +
                     "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n");
    Reply r = read_reply(fd, seconds(10));  // the connection stays open: no body follows
    ::close(fd);
    ASSERT_FALSE(r.timed_out) << "no answer before the body arrived";
    EXPECT_EQ(r.status, 413) << r.head << r.body;
    EXPECT_EQ(r.interim, 0) << "no 100 Continue for a body that will be refused";
    EXPECT_EQ(r.header("Connection"), "close");
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.body;
    EXPECT_EQ(j.value("field", ""), "Content-Length") << r.body;
    EXPECT_EQ(j.value("value", ""), "1000000000") << r.body;
    EXPECT_NE(j.value("allowed", "").find("98304"), std::string::npos) << r.body;
    EXPECT_FALSE(j.value("error", "").empty()) << r.body;
  }
  EXPECT_TRUE(healthy(port_));
}

TEST(HostileStop, StopRightAfterStartingNeverHangs) {
  // A SIGTERM that lands between "serving" and the accept loop must still stop the server.
  for (int i = 0; i < 20; ++i) {
    WebServer server(*builtin_model(), ServeOptions{"127.0.0.1", 0, 2});
    ASSERT_TRUE(server.bind().ok());
    auto listening = std::async(std::launch::async, [&server] { server.listen(); });
    if (i % 2) std::this_thread::yield();
    server.stop();
    ASSERT_EQ(listening.wait_for(seconds(10)), std::future_status::ready)
        << "listen() did not return after stop()";
  }
}

TEST_F(Hostile, TwoMeasurementsAtOnceOneGets429) {
  TearDown();
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  start(one_at_a_time([&] {
    if (calls++ == 0) {
      started.set_value();
      released.wait();
    }
    return ApiResponse{200, "application/json", R"({"measured":true})"};
  }));
  auto first = std::async(std::launch::async, [port = port_] {
    return exchange(port,
                    "POST /api/measure HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    seconds(30));
  });
  ASSERT_EQ(started.get_future().wait_for(seconds(10)), std::future_status::ready);
  Reply second = exchange(
      port_, "POST /api/measure HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      seconds(10));
  EXPECT_EQ(second.status, 429);
  EXPECT_FALSE(nlohmann::json::parse(second.body).value("error", "").empty()) << second.body;
  EXPECT_TRUE(healthy(port_)) << "the rest of the server answers during a measurement";
  release.set_value();
  EXPECT_EQ(first.get().status, 200);
  Reply third = exchange(
      port_, "POST /api/measure HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      seconds(10));
  EXPECT_EQ(third.status, 200) << "free again once the first has ended";
}

TEST_F(Hostile, SecurityHeadersOnEveryPageAndAnswer) {
  ASSERT_GT(web_files_count, 0u);
  for (std::size_t i = 0; i <= web_files_count; ++i) {
    std::string target = i == web_files_count ? "/" : "/" + std::string(web_files[i].path);
    SCOPED_TRACE(target);
    Reply r = exchange(port_, get(target, "Origin: http://evil.example\r\n"), seconds(10));
    ASSERT_EQ(r.status, 200);
    std::string csp = r.header("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(r.has_header("Access-Control-Allow-Origin"));
  }
  for (const char* target :
       {"/healthz", "/api/model", "/api/run", "/api/run?cache=cold", "/api/nothing", "/nothing"}) {
    SCOPED_TRACE(target);
    Reply r = exchange(port_, get(target, "Origin: http://evil.example\r\n"), seconds(10));
    ASSERT_NE(r.status, 0);
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(r.has_header("Access-Control-Allow-Origin"));
    EXPECT_FALSE(r.has_header("Access-Control-Allow-Credentials"));
  }
}

// --- The real binary ---

// `sysjourney serve ...` with its stdout and stderr on pipes.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) {
    int out[2], err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<std::string> argv_s = {SYSJOURNEY_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
      bool replaced = false;
      for (const auto& x : extra_env)
        replaced |= std::string(*e).rfind(x.substr(0, x.find('=') + 1), 0) == 0;
      if (!replaced) env_s.emplace_back(*e);
    }
    env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    EXPECT_EQ(::posix_spawn(&pid_, SYSJOURNEY_BINARY, &fa, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
  }

  // Reads stdout until a line containing `what` (or the deadline); returns that line.
  std::string wait_stdout(const std::string& what, milliseconds timeout) {
    return wait_for(out_, out_buf_, what, timeout);
  }
  std::string wait_stderr(const std::string& what, milliseconds timeout) {
    return wait_for(err_, err_buf_, what, timeout);
  }

  // The port from "sysjourney: serving http://HOST:PORT/".
  int port(milliseconds timeout) {
    std::string line = wait_stdout("serving http://", timeout);
    auto slash = line.find('/', line.find("http://") + 7);
    auto colon = line.rfind(':', slash);
    return colon == std::string::npos ? -1 : std::atoi(line.c_str() + colon + 1);
  }

  // Waits for the process to exit; returns its wait status, or -1 after the timeout.
  int wait_exit(milliseconds timeout) {
    auto done = std::async(std::launch::async, [pid = pid_] {
      int status = 0;
      return ::waitpid(pid, &status, 0) == pid ? status : -1;
    });
    if (done.wait_for(timeout) != std::future_status::ready) {
      ::kill(pid_, SIGKILL);
      done.get();
      reaped_ = true;
      return -1;
    }
    reaped_ = true;
    return done.get();
  }
  pid_t pid() const { return pid_; }

 private:
  static std::string wait_for(int fd, std::string& buf, const std::string& what,
                              milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      std::size_t at = buf.find(what);
      if (at != std::string::npos) {
        std::size_t begin = buf.rfind('\n', at);
        begin = begin == std::string::npos ? 0 : begin + 1;
        std::size_t end = buf.find('\n', at);
        if (end != std::string::npos) {
          std::string line = buf.substr(begin, end - begin);
          buf.erase(0, end + 1);
          return line;
        }
      }
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return "";
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[4096];
      ssize_t n = ::read(fd, chunk, sizeof(chunk));
      if (n <= 0) return "";
      buf.append(chunk, static_cast<std::size_t>(n));
    }
  }
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string out_buf_, err_buf_;
  bool reaped_ = false;
};

bool exited_cleanly(int status) {
  return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
         (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

TEST(HostileBinary, PublicBindWarnsAndTurnsMeasurementOff) {
  Child serve({"serve", "--host", "0.0.0.0", "--port", "0"});
  int port = serve.port(seconds(30));
  ASSERT_GT(port, 0);
  EXPECT_NE(serve.wait_stderr("warning", seconds(10)), "");
  EXPECT_NE(serve.wait_stderr("measurement is off", seconds(10)), "");
  // Only loopback traffic: the server listens everywhere, the test talks to 127.0.0.1.
  Reply r =
      exchange(port, "POST /api/measure HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
               seconds(10));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("--allow-measure"), std::string::npos) << r.body;
  EXPECT_TRUE(healthy(port));
  ASSERT_EQ(::kill(serve.pid(), SIGTERM), 0);
  EXPECT_TRUE(exited_cleanly(serve.wait_exit(seconds(30))));
}

TEST(HostileBinary, SigtermDuringAMeasurementLeavesNoTemporaryFiles) {
  // A private parent for the probe directory, on disk (/tmp may be tmpfs, which the probes avoid).
  char tmpl[] = "/var/tmp/hostile-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string parent = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{parent};
  struct statfs fs {};
  ASSERT_EQ(::statfs(parent.c_str(), &fs), 0);
  if (fs.f_type == 0x01021994 /* tmpfs */)
    GTEST_SKIP() << "/var/tmp is tmpfs here: the probes would not use it";

  int inotify = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  ASSERT_GE(inotify, 0);
  ASSERT_GE(::inotify_add_watch(inotify, parent.c_str(), IN_CREATE), 0);

  Child serve({"serve", "--port", "0"}, {"TMPDIR=" + parent});
  int port = serve.port(seconds(30));
  ASSERT_GT(port, 0);
  std::atomic<bool> answered{false};
  auto measurement = std::async(std::launch::async, [&answered, port] {
    Reply r = exchange(
        port, "POST /api/measure HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        seconds(60));
    answered = true;
    return r;
  });

  // The measurement has made its probe directory: now it is running.
  bool created = false;
  for (auto deadline = Clock::now() + seconds(30); !created && Clock::now() < deadline;) {
    pollfd p{inotify, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    alignas(inotify_event) char events[4096];
    ssize_t n = ::read(inotify, events, sizeof(events));
    for (ssize_t at = 0; at < n;) {
      auto* e = reinterpret_cast<inotify_event*>(events + at);
      if (e->len && std::string(e->name).rfind("sysjourney-", 0) == 0) created = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  ::close(inotify);
  ASSERT_TRUE(created) << "no probe directory appeared under " << parent;
  EXPECT_FALSE(answered) << "the measurement ended before SIGTERM: the test proves nothing";
  ASSERT_EQ(::kill(serve.pid(), SIGTERM), 0);
  int status = serve.wait_exit(seconds(60));
  ASSERT_NE(status, -1) << "the server did not exit after SIGTERM";
  EXPECT_TRUE(exited_cleanly(status)) << "wait status " << status;
  measurement.get();  // answered, or the connection closed: either way it returned

  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(parent))
    left.push_back(e.path().filename());
  EXPECT_TRUE(left.empty()) << "left behind: " << (left.empty() ? "" : left.front());
}

}  // namespace
}  // namespace sysjourney
