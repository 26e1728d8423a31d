#include "format.h"

#include <gtest/gtest.h>

#include "relevance.h"
#include "test_util.h"

namespace sysjourney {
namespace {

TEST(Format, JourneyJsonFollowsTheContract) {
  Journey j = journey_of("cache=miss");
  nlohmann::json out = nlohmann::json::parse(journey_json(j));
  EXPECT_EQ(out["schema"], "sysjourney.journey/1");
  for (const char* k : {"op", "fd", "cache", "device", "cpu", "ghz", "kpti", "pcid", "bytes",
                        "tracer", "api", "batch"}) {
    EXPECT_TRUE(out["scenario"].contains(k)) << k;
  }
  ASSERT_EQ(out["stages"].size(), j.stages.size());
  for (const auto& s : out["stages"]) {
    for (const char* k : {"id", "title", "lane", "cycles", "ns", "share", "on_cpu", "visible_to",
                          "functions", "source"}) {
      EXPECT_TRUE(s.contains(k)) << k;
    }
  }
  for (const char* k :
       {"stages", "cycles", "ns", "on_cpu_ns", "blocked_ns", "strace_visible_stages", "batch_ns"}) {
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
  EXPECT_EQ(m["options"]["device"].size(), 6u);
  EXPECT_GE(m["sources"].size(), 30u);
  EXPECT_EQ(m["ranges"]["batch"][1], 4096);
  // The table's order and words, which a JSON object cannot carry by itself.
  ASSERT_EQ(m["order"].size(), scenario_options().size());
  for (std::size_t i = 0; i < scenario_options().size(); ++i) {
    const OptionSpec& o = scenario_options()[i];
    EXPECT_EQ(m["order"][i], o.name);
    EXPECT_EQ(m["help"][o.name], o.help);
    EXPECT_TRUE(m["options"].contains(o.name) || m["ranges"].contains(o.name)) << o.name;
  }
  // The relevance table as the page reads it (core/relevance.h).
  const auto& table = option_relevance();
  ASSERT_EQ(m["relevance"].size(), table.size());
  for (const auto& r : table) {
    const nlohmann::json& j = m["relevance"][r.option];
    EXPECT_EQ(j["applies"], nlohmann::json(r.applies)) << r.option;
    EXPECT_EQ(j["reason"], r.reason) << r.option;
    ASSERT_EQ(j["inert"].size(), r.inert.size()) << r.option;
    for (std::size_t i = 0; i < r.inert.size(); ++i) {
      EXPECT_EQ(j["inert"][i]["when"], nlohmann::json(r.inert[i].when)) << r.option;
      EXPECT_EQ(j["inert"][i]["reason"], r.inert[i].reason) << r.option;
    }
    ASSERT_EQ(j["same"].size(), r.same.size()) << r.option;
    EXPECT_EQ(j["values"], nlohmann::json(r.values)) << r.option;
  }
  EXPECT_EQ(m["relevance"]["api"]["values"]["sendfile"], nlohmann::json({"fd=file", "op=read"}));
}

}  // namespace
}  // namespace sysjourney

namespace sysjourney {
namespace {

TEST(Format, JourneyJsonEscapesAndRoundTrips) {
  Journey j = journey_of("cache=miss,tracer=strace");
  nlohmann::json out = nlohmann::json::parse(journey_json(j, Percentiles{1, 2, 10, 3}));
  ASSERT_EQ(out["stages"].size(), j.stages.size());
  for (std::size_t i = 0; i < j.stages.size(); ++i) {
    const auto& s = out["stages"][i];
    EXPECT_EQ(s["id"], j.stages[i].stage->id);
    EXPECT_EQ(s["explain"], j.stages[i].stage->explain) << "text survives escaping";
    EXPECT_EQ(s["functions"].size(), j.stages[i].stage->functions.size());
    EXPECT_NEAR(s["ns"].get<double>(), j.stages[i].ns, 1e-3);
  }
  EXPECT_EQ(out["totals"]["p99_ns"], 2);
  nlohmann::json cmp = nlohmann::json::parse(compare_json(journey_of("cache=hit"), j));
  EXPECT_EQ(cmp["schema"], "sysjourney.compare/1");
  EXPECT_GT(cmp["ratio"].get<double>(), 1);
}

// Texts with every character JSON must escape, and runs between them, come back as they were.
TEST(Format, EveryCharacterJsonMustEscapeRoundTrips) {
  Model m = test_model();
  const std::string nasty = "a \"quoted\" \\path\\\n\tnext\x01 end\x1f";
  for (Stage& s : m.stages) {
    s.title = nasty;
    s.explain = "\"" + nasty + "\\";
    s.functions = {nasty, ""};
  }
  auto sc = parse_scenario("cache=miss", m);
  ASSERT_TRUE(sc.ok());
  auto j = run_journey(m, *sc);
  ASSERT_TRUE(j.ok());
  nlohmann::json out = nlohmann::json::parse(journey_json(*j));
  for (const auto& s : out["stages"]) {
    EXPECT_EQ(s["title"], nasty);
    EXPECT_EQ(s["explain"], "\"" + nasty + "\\");
    EXPECT_EQ(s["functions"], nlohmann::json::array({nasty, ""}));
  }
}

}  // namespace
}  // namespace sysjourney
