#include "api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/builtin_model.h"
#include "core/request.h"

namespace sysjourney {
namespace {

const Api& api() {
  static const Api a(*builtin_model(), "test");
  return a;
}

nlohmann::json body(const ApiResponse& r) { return nlohmann::json::parse(r.body); }

TEST(Api, RunFollowsTheJourneyContract) {
  ApiResponse r = api().run({{"fd", "file"}, {"cache", "miss"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = body(r);
  EXPECT_EQ(j["schema"], "sysjourney.journey/1");
  EXPECT_EQ(j["scenario"]["cache"], "miss");
  EXPECT_GE(j["totals"]["stages"].get<int>(), 20);
}

TEST(Api, BadParametersAre400WithTheErrorContract) {
  struct Case {
    Params params;
    const char* field;
    const char* value;
  };
  for (const Case& c :
       {Case{{{"cache", "lukewarm"}}, "cache", "lukewarm"}, Case{{{"ghz", "NaN"}}, "ghz", "NaN"},
        Case{{{"ghz", "-Infinity"}}, "ghz", "-Infinity"}, Case{{{"bytes", "-5"}}, "bytes", "-5"},
        Case{{{"bytes", "1e400"}}, "bytes", "1e400"},
        Case{{{"batch", "99999999999999999999"}}, "batch", "99999999999999999999"},
        Case{{{"colour", "red"}}, "option", "colour"},
        Case{{{"cache", "hit"}, {"cache", "miss"}}, "cache", "miss"},
        Case{{{"direct", "on"}}, "bytes", "16"}, Case{{{"samples", "-1"}}, "samples", "-1"},
        Case{{{"format", "xml"}}, "format", "xml"},
        Case{{{"fd", "\xff\xfe"}}, "fd", "\xef\xbf\xbd\xef\xbf\xbd"}}) {
    ApiResponse r = api().run(c.params);
    EXPECT_EQ(r.status, 400) << r.body;
    auto j = body(r);
    EXPECT_EQ(j["field"], c.field) << r.body;
    EXPECT_EQ(j["value"], c.value) << r.body;
    EXPECT_FALSE(j["error"].get<std::string>().empty());
    EXPECT_TRUE(j.contains("allowed"));
  }
}

// samples= takes what run --samples takes (core/request.h).
TEST(Api, SamplesHaveTheBoundOfTheCli) {
  ApiResponse most = api().run({{"samples", std::to_string(kMaxSamples)}});
  ASSERT_EQ(most.status, 200) << most.body;
  ApiResponse over = api().run({{"samples", std::to_string(kMaxSamples + 1)}});
  EXPECT_EQ(over.status, 400);
  EXPECT_EQ(body(over).at("allowed"), "0 to " + std::to_string(kMaxSamples));
}

TEST(Api, CompareNeedsBothSides) {
  ApiResponse ok = api().compare({{"a", "cache=hit"}, {"b", "cache=miss"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_GT(body(ok)["ratio"].get<double>(), 100);
  EXPECT_EQ(api().compare({{"a", "cache=hit"}}).status, 400);
  EXPECT_EQ(body(api().compare({{"a", "cache=hit"}})).at("field"), "b");
  EXPECT_EQ(body(api().compare({{"a", "cache=hit"}, {"b", "cache=cold"}})).at("value"), "cold");
  EXPECT_EQ(api().compare({{"a", "x"}, {"b", "y"}, {"c", "z"}}).status, 400);
}

TEST(Api, CsvAndTraceEventFormats) {
  ApiResponse csv = api().run({{"format", "csv"}});
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type.rfind("text/csv", 0), 0u);
  ApiResponse te = api().run({{"format", "trace-event"}});
  EXPECT_TRUE(body(te).contains("traceEvents"));
}

TEST(Api, ModelListsEverythingThePageNeeds) {
  auto j = body(api().model());
  for (const char* k :
       {"options", "ranges", "defaults", "cpus", "devices", "paths", "stages", "sources"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
}

TEST(Api, ModelPageViewIsTheModelWithoutStagesAndPaths) {
  auto whole = body(api().model());
  auto page = body(api().model({{"view", "page"}}));
  EXPECT_FALSE(page.contains("stages"));
  EXPECT_FALSE(page.contains("paths"));
  whole.erase("stages");
  whole.erase("paths");
  EXPECT_EQ(page, whole);  // every other field as it is
}

TEST(Api, ModelRefusesAnUnknownViewOrParameter) {
  auto view = api().model({{"view", "all"}});
  EXPECT_EQ(view.status, 400);
  EXPECT_EQ(body(view)["field"], "view");
  EXPECT_EQ(body(view)["value"], "all");
  EXPECT_EQ(body(view)["allowed"], "page");
  auto other = api().model({{"stages", "no"}});
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(body(other)["value"], "stages");
  EXPECT_EQ(body(other)["allowed"], "view");
  EXPECT_EQ(api().model({{"view", "page"}, {"view", "page"}}).status, 400);
}

TEST(Api, FitTakesAMeasureDocumentFromAnyMachine) {
  const char* doc = R"({"schema": "sysjourney.measure/1",
    "host": {"cpu_model": "Intel(R) Xeon(R) Processor", "ghz": 2.1, "virtualized": true, "device": "virtio",
             "mitigations": {"spectre_v2": "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional"}},
    "probes": [{"id": "syscall_getppid", "median_ns": 110}, {"id": "syscall_clock_gettime", "median_ns": 170},
               {"id": "read_file_hit", "median_ns": 260}, {"id": "read_pipe", "median_ns": 220}]})";
  ApiResponse r = api().fit(doc);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = body(r);
  EXPECT_EQ(j["preset"], "kvm_guest");
  EXPECT_TRUE(j["probes"][0].contains("predicted_ns"));
  // The profile it answers with prices any journey on that machine.
  ApiResponse run = api().run({{"cache", "hit"}, {"profile", j["profile"].dump()}});
  ASSERT_EQ(run.status, 200) << run.body;
  ApiResponse bad = api().fit(
      R"({"schema": "sysjourney.measure/1", "probes": [{"id": "x", "median_ns": "fast"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body(bad).at("field"), "probes[0].median_ns");
  EXPECT_EQ(api().fit("not json").status, 400);
  ApiResponse bad_profile = api().run({{"profile", "{\"schema\": \"nope\"}"}});
  EXPECT_EQ(bad_profile.status, 400);
  EXPECT_EQ(body(bad_profile).at("field"), "schema");
}

}  // namespace
}  // namespace sysjourney
