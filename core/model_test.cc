#include "model.h"

#include <gtest/gtest.h>

#include "builtin_model.h"

namespace sysjourney {
namespace {

// A small valid model; each test breaks one thing in it.
const char* kSources = R"(
[sources.E]
citation = "estimate"
estimate = true
[sources.X]
citation = "a paper"
url = "https://example.org"
year = 2020
)";

const char* kCpus = R"(
default = "c1"
[cpus.c1]
title = "cpu"
vendor = "intel"
ghz = 3.0
kpti = false
pcid = true
mitigation = "eibrs"
virtualized = false
device = "nvme"
source = "X"
)";

const char* kDevices = R"(
[devices.nvme]
title = "NVMe"
parallelism = 4
bandwidth_mb_s = 1000
logical_block = 512
source = "E"
)";

const char* kStages = R"(
[stages.a]
title = "A"
lane = "user"
on_cpu = true
scale = "user"
functions = ["f"]
visible_to = ["ltrace"]
cost = { unit = "cycles", low = 1, typ = 2, high = 3 }
source = "E"
explain = "a"

[stages.disk]
title = "Disk"
lane = "hardware"
on_cpu = false
scale = "device"
functions = ["g"]
visible_to = []
cost_by = "device"
source = "X"
explain = "d"
[stages.disk.costs.nvme]
unit = "ns"
low = 10
typ = 20
high = 30
)";

const char* kPaths = R"(
[segments.seg]
stages = ["a"]
[[paths]]
id = "p"
title = "P"
when = ["op=read"]
stages = ["@seg", "disk"]
result = "ok"
)";

std::vector<ModelFile> files(std::string sources = kSources, std::string cpus = kCpus,
                             std::string devices = kDevices, std::string stages = kStages,
                             std::string paths = kPaths) {
  return {{"sources.toml", sources},
          {"cpus.toml", cpus},
          {"devices.toml", devices},
          {"stages.toml", stages},
          {"paths.toml", paths}};
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "test setup: '" << from << "' not found";
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

Error load_error(const std::vector<ModelFile>& f) {
  auto m = load_model(f);
  EXPECT_FALSE(m.ok()) << "expected the model to be rejected";
  return m.ok() ? Error{} : m.error();
}

TEST(Model, SmallModelLoads) {
  auto m = load_model(files());
  ASSERT_TRUE(m.ok()) << describe(m.error());
  EXPECT_EQ(m->stages.size(), 2u);
  ASSERT_EQ(m->paths.size(), 1u);
  ASSERT_EQ(m->paths[0].items.size(), 2u);
  EXPECT_EQ(m->paths[0].items[0].stage, "a");
}

TEST(Model, EmbeddedModelLoads) {
  const auto& m = builtin_model();
  ASSERT_TRUE(m.ok()) << describe(m.error());
  EXPECT_GE(m->stages.size(), 40u);
  EXPECT_GE(m->cpus.size(), 5u);
  EXPECT_EQ(m->devices.size(), 6u);
  for (const auto& st : m->stages) {
    EXPECT_FALSE(st.short_name.empty()) << st.id << " has no short name for the page's lanes";
    EXPECT_LE(st.short_name.size(), 10u) << st.id;
  }
}

TEST(Model, VersionIsReadFromAnyFile) {
  EXPECT_EQ(load_model(files())->version, "") << "optional: a --model DIR may have none";
  auto f = files();
  f.push_back({"version.toml", "model_version = \"7.1\"\n"});
  auto m = load_model(f);
  ASSERT_TRUE(m.ok()) << describe(m.error());
  EXPECT_EQ(m->version, "7.1");
  EXPECT_FALSE(builtin_model()->version.empty()) << "model/version.toml is embedded";
}

TEST(Model, VersionMustBeOneNonEmptyString) {
  auto f = files();
  f.push_back({"version.toml", "model_version = 3\n"});
  Error e = load_error(f);
  EXPECT_EQ(e.field, "model_version");
  EXPECT_EQ(e.where, "version.toml:1");
  f.back().text = "model_version = \"1\"\n";
  f.push_back({"more.toml", "model_version = \"2\"\n"});
  e = load_error(f);
  EXPECT_EQ(e.value, "2");
  EXPECT_NE(e.message.find("twice"), std::string::npos) << e.message;
}

TEST(Model, EveryStageCostNamesAKnownSource) {
  const auto& m = builtin_model();
  ASSERT_TRUE(m.ok());
  for (const auto& s : m->stages) {
    EXPECT_NE(m->find_source(s.source), nullptr) << s.id;
    for (const auto& [k, c] : s.costs) {
      if (!c.source.empty()) {
        EXPECT_NE(m->find_source(c.source), nullptr) << s.id << " " << k;
      }
    }
  }
}

TEST(Model, SyntaxErrorNamesFileLineAndColumn) {
  Error e = load_error(files(kSources, kCpus, kDevices, std::string(kStages) + "\n[stages.b\n"));
  EXPECT_NE(e.where.find("stages.toml:"), std::string::npos) << e.where;
  EXPECT_NE(e.message.find("TOML syntax error"), std::string::npos);
}

TEST(Model, UnknownStageInPath) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, kStages, replace(kPaths, "\"disk\"]", "\"disc\"]")));
  EXPECT_EQ(e.field, "stages");
  EXPECT_EQ(e.value, "disc");
  EXPECT_NE(e.message.find("unknown stage id 'disc'"), std::string::npos) << e.message;
  EXPECT_NE(e.where.find("paths.toml:"), std::string::npos);
}

TEST(Model, UnknownSegment) {
  Error e = load_error(files(kSources, kCpus, kDevices, kStages, replace(kPaths, "@seg", "@sag")));
  EXPECT_EQ(e.field, "segment");
  EXPECT_EQ(e.value, "sag");
}

TEST(Model, NegativeCost) {
  Error e = load_error(files(kSources, kCpus, kDevices, replace(kStages, "low = 1,", "low = -1,")));
  EXPECT_EQ(e.field, "low");
  EXPECT_EQ(e.value, "-1");
  EXPECT_NE(e.message.find("negative"), std::string::npos);
  EXPECT_EQ(e.where, "stages.toml:9");
}

TEST(Model, MissingCost) {
  Error e = load_error(
      files(kSources, kCpus, kDevices,
            replace(kStages, "cost = { unit = \"cycles\", low = 1, typ = 2, high = 3 }\n", "")));
  EXPECT_EQ(e.field, "cost");
  EXPECT_NE(e.message.find("stage a"), std::string::npos);
}

TEST(Model, MissingTypicalValue) {
  Error e = load_error(files(kSources, kCpus, kDevices, replace(kStages, "typ = 2, ", "")));
  EXPECT_EQ(e.field, "typ");
  EXPECT_NE(e.message.find("missing 'typ'"), std::string::npos) << e.message;
}

TEST(Model, RangeOutOfOrder) {
  Error e = load_error(files(kSources, kCpus, kDevices, replace(kStages, "typ = 2", "typ = 9")));
  EXPECT_NE(e.message.find("out of order"), std::string::npos) << e.message;
}

TEST(Model, UnitThatDoesNotFitTheStage) {
  // The drive's latency in cycles would wrongly speed up with the CPU clock.
  Error e = load_error(
      files(kSources, kCpus, kDevices, replace(kStages, "unit = \"ns\"", "unit = \"cycles\"")));
  EXPECT_EQ(e.field, "unit");
  EXPECT_EQ(e.value, "cycles");
  EXPECT_EQ(e.allowed, "ns");
}

TEST(Model, UnknownSourceId) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, replace(kStages, "source = \"X\"", "source = \"NOPE\"")));
  EXPECT_EQ(e.field, "source");
  EXPECT_EQ(e.value, "NOPE");
  EXPECT_NE(e.message.find("unknown source id"), std::string::npos);
}

TEST(Model, DuplicateIdAcrossFiles) {
  auto f = files();
  f.push_back({"more.toml", "[stages.a]\ntitle = \"again\"\n"});
  Error e = load_error(f);
  EXPECT_EQ(e.field, "id");
  EXPECT_EQ(e.value, "a");
  EXPECT_NE(e.message.find("duplicate stage id 'a'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("stages.toml:"), std::string::npos) << "names the first definition";
}

TEST(Model, DuplicatePathId) {
  std::string paths = std::string(kPaths) +
                      "[[paths]]\nid = \"p\"\ntitle = \"Q\"\nstages = [\"a\"]\nresult = \"x\"\n";
  Error e = load_error(files(kSources, kCpus, kDevices, kStages, paths));
  EXPECT_NE(e.message.find("duplicate path id 'p'"), std::string::npos);
}

TEST(Model, UnknownField) {
  Error e =
      load_error(files(kSources, kCpus, kDevices,
                       replace(kStages, "explain = \"a\"", "explain = \"a\"\ncolour = \"red\"")));
  EXPECT_EQ(e.field, "colour");
  EXPECT_NE(e.allowed.find("title"), std::string::npos);
}

TEST(Model, BadLane) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, replace(kStages, "lane = \"user\"", "lane = \"ring3\"")));
  EXPECT_EQ(e.field, "lane");
  EXPECT_EQ(e.value, "ring3");
  EXPECT_EQ(e.allowed, "user, kernel, hardware");
}

TEST(Model, UnknownObserver) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, replace(kStages, "[\"ltrace\"]", "[\"dtrace\"]")));
  EXPECT_EQ(e.field, "visible_to");
  EXPECT_EQ(e.value, "dtrace");
}

TEST(Model, CostByMustCoverEveryDevice) {
  std::string devices = std::string(kDevices) +
                        "[devices.hdd]\ntitle = \"HDD\"\nparallelism = 1\nbandwidth_mb_s = "
                        "100\nlogical_block = 512\nsource = \"E\"\n";
  Error e = load_error(files(kSources, kCpus, devices));
  EXPECT_EQ(e.field, "costs");
  EXPECT_EQ(e.value, "hdd");
}

TEST(Model, ConditionThatCanNeverHold) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, kStages, replace(kPaths, "op=read", "op=sendfile")));
  EXPECT_EQ(e.field, "when");
  EXPECT_EQ(e.value, "sendfile");
}

TEST(Model, ConditionOnUnknownKey) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, kStages, replace(kPaths, "op=read", "colour=red")));
  EXPECT_EQ(e.value, "colour");
}

TEST(Model, UnknownDefaultCpu) {
  Error e = load_error(files(kSources, replace(kCpus, "default = \"c1\"", "default = \"c9\"")));
  EXPECT_EQ(e.field, "default");
  EXPECT_EQ(e.value, "c9");
}

TEST(Model, CpuWithUnknownDevice) {
  Error e = load_error(files(kSources, replace(kCpus, "device = \"nvme\"", "device = \"floppy\"")));
  EXPECT_EQ(e.field, "device");
  EXPECT_EQ(e.value, "floppy");
}

TEST(Model, CpuClockOutOfRange) {
  Error e = load_error(files(kSources, replace(kCpus, "ghz = 3.0", "ghz = 60.0")));
  EXPECT_EQ(e.field, "ghz");
}

}  // namespace
}  // namespace sysjourney

namespace sysjourney {
namespace {

TEST(Model, WarmCostAboveTypical) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, replace(kStages, "high = 3 }", "high = 3, warm = 5 }")));
  EXPECT_EQ(e.field, "warm");
  EXPECT_EQ(e.value, "5");
}

}  // namespace
}  // namespace sysjourney
