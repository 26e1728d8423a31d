#include "measure/report.h"

#include <gtest/gtest.h>

namespace sysjourney::measure {
namespace {

TEST(Report, HostFields) {
  HostFacts h{.cpu_model = "Xeon",
              .ghz = 2.0999,
              .ghz_source = "tsc",
              .kernel = "6.1.0",
              .kpti = true,
              .pcid = false,
              .virtualized = true,
              .mitigations = {{"meltdown", "Mitigation: PTI"}},
              .dir = "/var/tmp",
              .fs = "ext4",
              .device = "virtio",
              .block_device = "vda",
              .rotational = true,
              .scheduler = "mq-deadline"};
  const auto j = to_json(h);
  EXPECT_EQ(j["cpu_model"], "Xeon");
  EXPECT_EQ(j["ghz"], 2.1);
  EXPECT_EQ(j["kernel"], "6.1.0");
  EXPECT_EQ(j["kpti"], true);
  EXPECT_EQ(j["pcid"], false);
  EXPECT_EQ(j["virtualized"], true);
  EXPECT_EQ(j["fs"], "ext4");
  EXPECT_EQ(j["device"], "virtio");
  EXPECT_EQ(j["rotational"], true);
  EXPECT_EQ(j["scheduler"], "mq-deadline");
  EXPECT_EQ(j["mitigations"]["meltdown"], "Mitigation: PTI");
}

TEST(Report, UnknownHostValuesAreNull) {
  const auto j = to_json(HostFacts{});
  EXPECT_TRUE(j["ghz"].is_null());
  EXPECT_TRUE(j["rotational"].is_null());
  EXPECT_TRUE(j["cpu_model"].is_null());
  EXPECT_EQ(j["device"], "unknown");
}

TEST(Report, MeasuredProbe) {
  const ProbeResult p{.id = "syscall_getppid",
                      .median_ns = 1090.04,
                      .p99_ns = 1400.26,
                      .min_ns = 1000,
                      .iterations = 200000,
                      .samples = 2000,
                      .batch = 100,
                      .bytes = 0};
  const auto j = to_json(p);
  EXPECT_EQ(j["id"], "syscall_getppid");
  EXPECT_EQ(j["median_ns"], 1090.0);
  EXPECT_EQ(j["p99_ns"], 1400.3);
  EXPECT_EQ(j["iterations"], 200000);
  EXPECT_FALSE(j.contains("skipped"));
}

TEST(Report, SkippedProbeHasTheReasonAndNoNumbers) {
  const ProbeResult p{.id = "read_direct", .skipped = "tmpfs does not support O_DIRECT"};
  const auto j = to_json(p);
  EXPECT_EQ(j["skipped"], "tmpfs does not support O_DIRECT");
  EXPECT_EQ(j["iterations"], 0);
  EXPECT_FALSE(j.contains("median_ns"));
}

TEST(Report, Document) {
  const auto j = measure_json(HostFacts{}, {ProbeResult{.id = "function_call", .median_ns = 1.5}});
  EXPECT_EQ(j["schema"], "sysjourney.measure/1");
  EXPECT_TRUE(j["host"].is_object());
  ASSERT_EQ(j["probes"].size(), 1u);
  EXPECT_EQ(j["probes"][0]["id"], "function_call");
}

}  // namespace
}  // namespace sysjourney::measure
