#include "model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// The error of the small model with these files added.
Error error_with(const std::vector<ModelFile>& more) {
  auto f = files();
  f.insert(f.end(), more.begin(), more.end());
  return load_error(f);
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
  Error e = error_with({{"version.toml", "model_version = 3\n"}});
  EXPECT_EQ(e.field, "model_version");
  EXPECT_EQ(e.where, "version.toml:1");
  e = error_with(
      {{"version.toml", "model_version = \"1\"\n"}, {"more.toml", "model_version = \"2\"\n"}});
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

TEST(Model, DuplicateIdAcrossFiles) {
  Error e = error_with({{"more.toml", "[stages.a]\ntitle = \"again\"\n"}});
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

TEST(Model, CostByMustCoverEveryDevice) {
  std::string devices = std::string(kDevices) +
                        "[devices.hdd]\ntitle = \"HDD\"\nparallelism = 1\nbandwidth_mb_s = "
                        "100\nlogical_block = 512\nsource = \"E\"\n";
  Error e = load_error(files(kSources, kCpus, devices));
  EXPECT_EQ(e.field, "costs");
  EXPECT_EQ(e.value, "hdd");
}

TEST(Model, UnknownStageInPath) {
  Error e = load_error(
      files(kSources, kCpus, kDevices, kStages, replace(kPaths, "\"disk\"]", "\"disc\"]")));
  EXPECT_EQ(e.field, "stages");
  EXPECT_EQ(e.value, "disc");
  EXPECT_NE(e.message.find("unknown stage id 'disc'"), std::string::npos) << e.message;
  EXPECT_NE(e.where.find("paths.toml:"), std::string::npos);
}

TEST(Model, UnknownField) {
  Error e =
      load_error(files(kSources, kCpus, kDevices,
                       replace(kStages, "explain = \"a\"", "explain = \"a\"\ncolour = \"red\"")));
  EXPECT_EQ(e.field, "colour");
  EXPECT_NE(e.allowed.find("title"), std::string::npos);
}

// One edit that breaks the small model, and what the error says ("": not checked): its field,
// value, allowed values and place, whole, and a part of its message.
struct Edit {
  const char* file;  // one of files()
  std::string from, to;
};
struct Says {
  std::string field, value, allowed, message_has, where;
};
struct Broken {
  const char* name;
  Edit edit;
  Says says;
};
// gtest prints a failing case by its name, not as a byte dump.
void PrintTo(const Broken& c, std::ostream* os) { *os << c.name; }

const Broken kBroken[] = {
    {
        "NegativeCost",
        {"stages.toml", "low = 1,", "low = -1,"},
        {"low", "-1", "", "negative", "stages.toml:9"},
    },
    {
        "UnknownSegment",
        {"paths.toml", "@seg", "@sag"},
        {"segment", "sag", "", "", ""},
    },
    {
        "MissingCost",
        {"stages.toml", "cost = { unit = \"cycles\", low = 1, typ = 2, high = 3 }\n", ""},
        {"cost", "", "", "stage a", ""},
    },
    {
        "MissingTypicalValue",
        {"stages.toml", "typ = 2, ", ""},
        {"typ", "", "", "missing 'typ'", ""},
    },
    {
        "RangeOutOfOrder",
        {"stages.toml", "typ = 2", "typ = 9"},
        {"", "", "", "out of order", ""},
    },
    // The drive's latency in cycles would wrongly speed up with the CPU clock.
    {
        "UnitThatDoesNotFitTheStage",
        {"stages.toml", "unit = \"ns\"", "unit = \"cycles\""},
        {"unit", "cycles", "ns", "", ""},
    },
    {
        "UnknownSourceId",
        {"stages.toml", "source = \"X\"", "source = \"NOPE\""},
        {"source", "NOPE", "", "unknown source id", ""},
    },
    {
        "BadLane",
        {"stages.toml", "lane = \"user\"", "lane = \"ring3\""},
        {"lane", "ring3", "user, kernel, hardware", "", ""},
    },
    {
        "UnknownObserver",
        {"stages.toml", "[\"ltrace\"]", "[\"dtrace\"]"},
        {"visible_to", "dtrace", "", "", ""},
    },
    {
        "ConditionThatCanNeverHold",
        {"paths.toml", "op=read", "op=sendfile"},
        {"when", "sendfile", "", "", ""},
    },
    {
        "ConditionWithoutValue",
        {"paths.toml", "op=read", "op="},
        {"when", "op=", "key=value, key=a|b or key!=value", "", ""},
    },
    {
        "ConditionWithoutKey",
        {"paths.toml", "op=read", "!=read"},
        {"when", "!=read", "", "", ""},
    },
    {
        "ConditionOnUnknownKey",
        {"paths.toml", "op=read", "colour=red"},
        {"", "colour", "", "", ""},
    },
    {
        "UnknownDefaultCpu",
        {"cpus.toml", "default = \"c1\"", "default = \"c9\""},
        {"default", "c9", "", "", ""},
    },
    {
        "CpuWithUnknownDevice",
        {"cpus.toml", "device = \"nvme\"", "device = \"floppy\""},
        {"device", "floppy", "", "", ""},
    },
    {
        "CpuClockOutOfRange",
        {"cpus.toml", "ghz = 3.0", "ghz = 60.0"},
        {"ghz", "", "", "", ""},
    },
    {"WarmCostAboveTypical",
     {"stages.toml", "high = 3 }", "high = 3, warm = 5 }"},
     {"warm", "5", "", "", ""}},
};

class BrokenModel : public testing::TestWithParam<Broken> {};

TEST_P(BrokenModel, IsRefusedSayingWhy) {
  const Broken& c = GetParam();
  auto f = files();
  for (ModelFile& file : f)
    if (file.name == c.edit.file) file.text = replace(file.text, c.edit.from, c.edit.to);
  const Error e = load_error(f);
  auto expect_if_stated = [](const std::string& got, const std::string& want, const char* part) {
    if (!want.empty()) {
      EXPECT_EQ(got, want) << part;
    }
  };
  expect_if_stated(e.field, c.says.field, "field");
  expect_if_stated(e.value, c.says.value, "value");
  expect_if_stated(e.allowed, c.says.allowed, "allowed");
  expect_if_stated(e.where, c.says.where, "where");
  if (!c.says.message_has.empty()) {
    EXPECT_NE(e.message.find(c.says.message_has), std::string::npos) << e.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Model, BrokenModel, testing::ValuesIn(kBroken),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sysjourney
