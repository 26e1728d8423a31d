#include "server/measure_endpoint.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

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
