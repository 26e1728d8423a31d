#include "measure/report.h"

#include <gtest/gtest.h>

namespace sysjourney::measure {
namespace {

// Each of `fields` has its value in `j`.
void expect_fields(const nlohmann::json& j, const nlohmann::json& fields) {
  for (const auto& [key, value] : fields.items())
    EXPECT_EQ(j.contains(key) ? j[key] : nlohmann::json(), value) << key;
}

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
  expect_fields(j, {{"cpu_model", "Xeon"},
                    {"ghz", 2.1},
                    {"kernel", "6.1.0"},
                    {"kpti", true},
                    {"pcid", false},
                    {"virtualized", true},
                    {"fs", "ext4"},
                    {"device", "virtio"},
                    {"rotational", true},
                    {"scheduler", "mq-deadline"}});
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
  ProbeResult p{.id = "syscall_getppid", .median_ns = 1090.04, .p99_ns = 1400.26, .min_ns = 1000};
  p.iterations = 200000;
  p.samples = 2000;
  p.batch = 100;
  p.bytes = 0;
  const auto j = to_json(p);
  expect_fields(j, {{"id", "syscall_getppid"},
                    {"median_ns", 1090.0},
                    {"p99_ns", 1400.3},
                    {"iterations", 200000}});
  EXPECT_FALSE(j.contains("skipped"));
}

TEST(Report, RoundsSpreadAndWhatTheTailIsOf) {
  ProbeResult batched{.id = "syscall_getppid", .median_ns = 100, .batch = 100};
  batched.rounds = 3;
  batched.spread = 1.04567;
  batched.round_medians_ns = {100.04, 104.6, 99.98};
  batched.p99_of = "batch_means";
  auto j = to_json(batched);
  expect_fields(j, {{"rounds", 3},
                    {"spread", 1.046},
                    {"round_medians_ns", nlohmann::json::parse("[100.0, 104.6, 100.0]")},
                    {"p99_of", "batch_means"}});
  EXPECT_TRUE(j["p50_call_ns"].is_null());
  EXPECT_TRUE(j["p99_call_ns"].is_null());

  ProbeResult per_call{.id = "read_direct", .median_ns = 28000, .p99_ns = 61000, .batch = 1};
  per_call.p99_of = "calls";
  per_call.p50_call_ns = 27950.04;
  per_call.p99_call_ns = 61000;
  j = to_json(per_call);
  expect_fields(j, {{"p99_of", "calls"}, {"p50_call_ns", 27950.0}, {"p99_call_ns", 61000.0}});
}

TEST(Report, Load) {
  MachineLoad l{.known = true,
                .busy = true,
                .reason = "the hypervisor gave 12% of the CPU time to something else (steal)",
                .steal_pct = 12.34,
                .run_queue = 2.5,
                .loadavg_1m = 2.714,
                .cpus = 2,
                .cpu = 1,
                .rounds = 5,
                .busy_rounds = 3,
                .retries = 2,
                .waited_s = 0.5};
  auto j = to_json(l);
  expect_fields(j, {{"busy", true},
                    {"reason", l.reason},
                    {"steal_pct", 12.3},
                    {"run_queue", 2.5},
                    {"loadavg_1m", 2.71},
                    {"cpu", 1},
                    {"rounds", 5},
                    {"busy_rounds", 3},
                    {"retries", 2},
                    {"waited_s", 0.5}});
  // Unknown: busy is neither true nor false.
  j = to_json(MachineLoad{.reason = "the load could not be read: no /proc", .cpu = -1});
  EXPECT_TRUE(j["busy"].is_null());
  EXPECT_TRUE(j["cpu"].is_null());
  EXPECT_EQ(j["reason"], "the load could not be read: no /proc");
  // Clean: no reason.
  EXPECT_TRUE(to_json(MachineLoad{.known = true})["reason"].is_null());
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
  EXPECT_FALSE(j.contains("load"));  // no probes ran here: nothing to say about the load
}

TEST(Report, DocumentCarriesTheLoadOfTheRun) {
  HostFacts h;
  h.load = MachineLoad{.known = true, .busy = false, .cpu = 1, .rounds = 5};
  const auto j = measure_json(h, {});
  ASSERT_TRUE(j.contains("load"));
  EXPECT_EQ(j["load"]["busy"], false);
  EXPECT_EQ(j["load"]["rounds"], 5);
}

}  // namespace
}  // namespace sysjourney::measure
