#include "server/measure_endpoint.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "core/builtin_model.h"
#include "measure/fake_os.h"

namespace sysjourney {
namespace {

TEST(MeasureEndpoint, SecondCallWhileOneRunsGets429) {
  std::promise<void> started, release;
  std::shared_future<void> release_f = release.get_future().share();
  auto handler = one_at_a_time([&] {
    started.set_value();
    release_f.wait();  // held until the test has made its second call
    return ApiResponse{200, "application/json", "{}"};
  });
  auto first = std::async(std::launch::async, handler);
  started.get_future().wait();
  ApiResponse second = handler();
  EXPECT_EQ(second.status, 429);
  EXPECT_NE(second.body.find("already running"), std::string::npos);
  release.set_value();
  EXPECT_EQ(first.get().status, 200);
}

TEST(MeasureEndpoint, FreeAfterTheRunEnds) {
  int runs = 0;
  auto handler = one_at_a_time([&] {
    ++runs;
    return ApiResponse{200, "application/json", "{}"};
  });
  EXPECT_EQ(handler().status, 200);
  EXPECT_EQ(handler().status, 200);
  EXPECT_EQ(runs, 2);
}

// A machine the probes can run on: an ext4 /var/tmp and a latency for each timed call.
std::unique_ptr<measure::Os> fake_machine() {
  auto os = std::make_unique<measure::FakeOs>();
  os->fs_magics["/var/tmp"] = 0xEF53;
  os->latency_ns["getppid"] = {300};
  os->latency_ns["clock_gettime"] = {250};
  os->latency_ns["pread"] = {150};
  os->latency_ns["pread_cold"] = {80'000};
  os->latency_ns["pread_direct"] = {25'000};
  os->evictable = true;
  return os;
}

// Few samples and rounds (the fake's clock moves only when called), and only the probes whose
// calls the fake times (a function call or a pipe would measure 0 ns on it).
const std::vector<std::string> kFakeProbes = {"syscall_getppid", "syscall_clock_gettime",
                                              "read_file_hit", "read_file_cold"};
measure::ProbeOptions tiny() {
  return {.quick = true,
          .scale = 0.01,
          .only = kFakeProbes,
          .rounds = measure::RoundPolicy{.rounds = 2, .max_retries = 0}};
}

TEST(MeasureEndpoint, TheHandlerMeasuresItsOsAndAnswersTheMeasureDocument) {
  int machines = 0;
  auto handler = measure_endpoint(
      *builtin_model(),
      [&machines] {
        ++machines;
        return fake_machine();
      },
      tiny());
  ApiResponse r = handler();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.value("schema", ""), "sysjourney.measure/1") << r.body.substr(0, 300);
  EXPECT_FALSE(j.value("preset", "").empty());
  EXPECT_TRUE(j.contains("profile"));
  ASSERT_TRUE(j["probes"].is_array());
  std::set<std::string> ids;
  for (const auto& p : j["probes"]) ids.insert(p.value("id", ""));
  EXPECT_EQ(ids, std::set<std::string>(kFakeProbes.begin(), kFakeProbes.end()));
  EXPECT_EQ(handler().status, 200) << "a second measurement after the first has ended";
  EXPECT_EQ(machines, 2) << "a fresh Os for each measurement";
}

TEST(MeasureEndpoint, AFailedMeasurementIs500WithTheErrorContract) {
  measure::ProbeOptions options = tiny();
  options.only = {"no_such_probe"};
  ApiResponse r = measure_endpoint(*builtin_model(), fake_machine, options)();
  EXPECT_EQ(r.status, 500);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.value("error", "").rfind("measurement failed: ", 0), 0u) << r.body;
  EXPECT_EQ(j.value("field", ""), "probe") << r.body;
  EXPECT_EQ(j.value("value", ""), "no_such_probe") << r.body;
}

TEST(MeasureEndpoint, Loopback) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("192.168.1.5"));
}

}  // namespace
}  // namespace sysjourney
