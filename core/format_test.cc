#include "format.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace sysjourney {
namespace {

TEST(Format, JourneyJsonFollowsTheContract) {
  Journey j = journey_of("cache=miss");
  nlohmann::json out = journey_json(j);
  EXPECT_EQ(out["schema"], "sysjourney.journey/1");
  for (const char* k : {"op", "fd", "cache", "device", "cpu", "ghz", "kpti", "pcid", "bytes", "tracer", "api", "batch"}) {
    EXPECT_TRUE(out["scenario"].contains(k)) << k;
  }
  ASSERT_EQ(out["stages"].size(), j.stages.size());
  for (const auto& s : out["stages"]) {
    for (const char* k : {"id", "title", "lane", "cycles", "ns", "share", "on_cpu", "visible_to", "functions", "source"}) {
      EXPECT_TRUE(s.contains(k)) << k;
    }
  }
  for (const char* k : {"stages", "cycles", "ns", "on_cpu_ns", "blocked_ns", "strace_visible_stages", "batch_ns"}) {
    EXPECT_TRUE(out["totals"].contains(k)) << k;
  }
  EXPECT_EQ(out["totals"]["stages"], j.totals.stages);
}

TEST(Format, CsvHasAHeaderAndARowPerStage) {
  Journey j = journey_of("cache=hit");
  std::string csv = journey_csv(j);
  int lines = 0;
  for (char c : csv) lines += c == '\n';
  EXPECT_EQ(lines, j.totals.stages + 1);
  EXPECT_EQ(csv.rfind("index,id,title,lane", 0), 0u);
  EXPECT_NE(csv.find("\"copy_to_user\""), std::string::npos);
}

TEST(Format, TraceEventsAreContiguousPerStage) {
  Journey j = journey_of("cache=miss");
  nlohmann::json t = journey_trace_event(j);
  int complete = 0;
  double end = 0;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++complete;
    EXPECT_NEAR(e["ts"].get<double>(), end, 1e-6);
    end = e["ts"].get<double>() + e["dur"].get<double>();
  }
  EXPECT_EQ(complete, j.totals.stages);
  EXPECT_NEAR(end * 1000, j.totals.ns, 1e-3);
}

TEST(Format, ModelJsonListsOptionsAndSources) {
  nlohmann::json m = model_json(test_model(), "0");
  EXPECT_EQ(m["schema"], "sysjourney.model/1");
  EXPECT_EQ(m["options"]["cache"], nlohmann::json({"hit", "miss"}));
  EXPECT_EQ(m["options"]["device"].size(), 5u);
  EXPECT_GE(m["sources"].size(), 30u);
  EXPECT_EQ(m["ranges"]["batch"][1], 4096);
}

}  // namespace
}  // namespace sysjourney
