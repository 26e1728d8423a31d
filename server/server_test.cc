// The real server on loopback: bound to a free port, driven by an HTTP client.
#include "server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/builtin_model.h"
#include "server/httplib_workarounds.h"

namespace sysjourney {
namespace {

// The status of a response, or 0 (a failure) when there was none.
int status_of(const httplib::Result& r) {
  EXPECT_TRUE(r) << httplib::to_string(r.error());
  return r ? r->status : 0;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<WebServer>(*builtin_model(), ServeOptions{"127.0.0.1", 0, 4}, [] {
      return ApiResponse{200, "application/json", R"({"measured":true})"};
    });
    auto port = server_->bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->listen(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(5);
    client_->set_read_timeout(5);
  }
  void TearDown() override {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::unique_ptr<WebServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(ServerTest, ServesThePageWithSecurityHeaders) {
  auto r = client_->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "") << "no CORS by default";
  EXPECT_NE(r->body.find("<html"), std::string::npos);
}

// The page as a browser gets it: the bundle (tools/bundle), in gzip although brotli is offered
// (httplib's brotli runs at quality 11: hundreds of milliseconds per file).
TEST_F(ServerTest, ServesTheBundledPageInGzip) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find(R"(<script type="module" src="app.min.js"></script>)"),
            std::string::npos);
  EXPECT_EQ(page->body.find("modulepreload"), std::string::npos);
  auto js = client_->Get("/app.min.js", {{"Accept-Encoding", "gzip, deflate, br, zstd"}});
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Encoding"), "gzip");
  auto br = client_->Get("/app.min.js", {{"Accept-Encoding", "br"}});
  ASSERT_TRUE(br);
  EXPECT_EQ(br->get_header_value("Content-Encoding"), "") << "brotli alone: sent as it is";
}

// The page preloads the model as engine.js asks for it (the page's view), and the server answers
// that query: a preload under another URL would be fetched and then fetched again.
TEST_F(ServerTest, PreloadsTheModelThePageAsksFor) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(
      page->body.find(R"(<link rel="preload" href="api/model?view=page" as="fetch" crossorigin>)"),
      std::string::npos);
  EXPECT_EQ(page->body.find("sysjourney-preloads"), std::string::npos)
      << "the bundle's mark was left in the page";
  auto view = client_->Get("/api/model?view=page");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, 200);
  auto j = nlohmann::json::parse(view->body);
  EXPECT_TRUE(j.contains("options"));
  EXPECT_FALSE(j.contains("stages"));
  auto bad = client_->Get("/api/model?view=everything");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

// A permalink's page preloads its journey, with the query as given (escaped for the attribute);
// a bare visit, a query the engine refuses or another format preloads nothing.
TEST_F(ServerTest, APermalinkPreloadsItsJourneyAndOnlyAValidOne) {
  const std::string mark = "data-sysjourney-run";
  auto link = client_->Get("/?fd=pipe&wait=on");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->status, 200);
  EXPECT_NE(link->body.find(R"(<link rel="preload" href="api/run?fd=pipe&amp;wait=on" as="fetch" )"
                            R"(crossorigin data-sysjourney-run>)"),
            std::string::npos)
      << link->body.substr(0, 600);
  for (const char* target : {"/", "/?", "/?fd=bogus", "/?cache=hit&cache=hit",
                             "/?cache=hit&format=csv", "/?cache=hit&x=%22%3E"}) {
    auto r = client_->Get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 200) << target;
    EXPECT_EQ(r->body.find(mark), std::string::npos) << target;
  }
}

TEST_F(ServerTest, ApiEndpoints) {
  EXPECT_EQ(status_of(client_->Get("/healthz")), 200);
  auto run = client_->Get("/api/run?fd=file&cache=hit");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 200);
  auto j = nlohmann::json::parse(run->body);
  EXPECT_EQ(j["scenario"]["cache"], "hit");
  auto cmp = client_->Get("/api/compare?a=cache%3Dhit&b=cache%3Dmiss%26device%3Dhdd");
  ASSERT_TRUE(cmp);
  EXPECT_EQ(cmp->status, 200) << cmp->body;
  EXPECT_GT(nlohmann::json::parse(cmp->body)["ratio"].get<double>(), 10000);
  auto head = client_->Head("/api/model");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(ServerTest, ErrorsAreJson) {
  auto bad = client_->Get("/api/run?cache=lukewarm");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto j = nlohmann::json::parse(bad->body);
  EXPECT_EQ(j["field"], "cache");
  EXPECT_EQ(j["allowed"], "hit, miss");

  EXPECT_EQ(status_of(client_->Get("/no/such/page")), 404);
  auto api404 = client_->Get("/api/nothing");
  ASSERT_TRUE(api404);
  EXPECT_EQ(api404->status, 404);
  EXPECT_TRUE(nlohmann::json::parse(api404->body).contains("error"));

  for (const char* path : {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                           "/..%2f..%2fetc%2fpasswd", "/index.html/../../etc/passwd"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 404 || r->status == 400) << path << " " << r->status;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
  }
}

TEST_F(ServerTest, OnlyGetAndHead) {
  auto post = client_->Post("/api/run", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(status_of(client_->Delete("/")), 405);
  auto measure = client_->Post("/api/measure", "", "application/json");
  ASSERT_TRUE(measure);
  EXPECT_EQ(measure->status, 200);
  EXPECT_EQ(status_of(client_->Get("/api/measure")), 404);
}

TEST_F(ServerTest, OversizedRequestsAreRefused) {
  EXPECT_EQ(status_of(client_->Post("/api/measure", std::string(1 << 20, 'x'), "application/json")),
            413);
  EXPECT_EQ(status_of(client_->Get("/api/run?fd=" + std::string(20000, 'a'))), 414);
  // Still healthy afterwards.
  EXPECT_EQ(status_of(client_->Get("/healthz")), 200);
}

// httplib drops an exact repeat of a key=value pair while decoding the query; the server keeps
// it, so the API refuses it as it refuses a repeat with another value.
TEST_F(ServerTest, ARepeatedParameterIsRefusedWhateverItsValue) {
  auto other = client_->Get("/api/run?cache=hit&cache=miss");
  auto same = client_->Get("/api/run?fd=file&cache=hit&cache=hit");
  ASSERT_TRUE(other);
  ASSERT_TRUE(same);
  EXPECT_EQ(other->status, 400);
  EXPECT_EQ(same->status, 400) << same->body;
  auto o = nlohmann::json::parse(other->body);
  auto j = nlohmann::json::parse(same->body);
  EXPECT_EQ(j["error"], o["error"]);
  EXPECT_EQ(j["field"], "cache");
  EXPECT_EQ(j["value"], "hit");
  EXPECT_EQ(j["allowed"], o["allowed"]);
  auto cmp = client_->Get("/api/compare?a=cache%3Dhit&a=cache%3Dhit&b=cache%3Dmiss");
  ASSERT_TRUE(cmp);
  EXPECT_EQ(cmp->status, 400) << cmp->body;
  EXPECT_EQ(nlohmann::json::parse(cmp->body)["field"], "a");
  // Still decoded as before: percent-escapes, pairs in any order.
  auto ok = client_->Get("/api/run?cache=hit&fd=%66ile");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(nlohmann::json::parse(ok->body)["scenario"]["fd"], "file");
}

TEST(QueryParams, DecodedAsHttplibDecodesWithRepeatsKept) {
  EXPECT_EQ(query_params("/api/run?fd=%66ile&cache=hit&cache=hit"),
            (Params{{"cache", "hit"}, {"cache", "hit"}, {"fd", "file"}}));
  EXPECT_EQ(query_params("/api/run?b=2&a=1&b=1"), (Params{{"a", "1"}, {"b", "2"}, {"b", "1"}}));
  EXPECT_EQ(query_params("/x?a+b=c%20d&&k"), (Params{{"a b", "c d"}, {"k", ""}}));
  EXPECT_EQ(query_params("/x"), Params{});
  EXPECT_EQ(query_params("/x?"), Params{});
}

TEST(ServerBind, BusyPortIsAClearError) {
  WebServer first(*builtin_model(), ServeOptions{"127.0.0.1", 0, 2});
  auto port = first.bind();
  ASSERT_TRUE(port.ok());
  WebServer second(*builtin_model(), ServeOptions{"127.0.0.1", *port, 2});
  auto again = second.bind();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().field, "port");
}

}  // namespace
}  // namespace sysjourney
