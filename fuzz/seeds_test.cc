// The seed corpora are real inputs, and real inputs are accepted: a whole model, the tiny model,
// and host profiles, one of them written by `sysjourney measure --save` on a real machine (which
// `run --profile` once refused over its "none" scale class).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "core/fit.h"
#include "core/model.h"
#include "core/profile.h"

namespace sysjourney {
namespace {

std::string read(const std::string& name) {
  std::ifstream in(std::string(FUZZ_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FuzzSeeds, ModelsLoad) {
  auto tiny = load_model({{"tiny.toml", read("corpus/model/tiny_model.toml")}});
  EXPECT_TRUE(tiny.ok()) << describe(tiny.error());
  // The real files name each other, so they load together.
  std::vector<ModelFile> files;
  for (const char* f : {"cpus.toml", "devices.toml", "paths.toml", "sources.toml", "stages.toml",
                        "mechanisms.toml"}) {
    files.push_back({f, read(std::string("corpus/model/") + f)});
  }
  auto whole = load_model(files);
  EXPECT_TRUE(whole.ok()) << describe(whole.error());
}

TEST(FuzzSeeds, RealMeasureFilesParse) {
  auto d = parse_measure_doc(read("corpus/fit/xeon_guest.json"));
  EXPECT_TRUE(d.ok()) << describe(d.error());
  EXPECT_FALSE(parse_measure_doc(read("corpus/fit/bad_median.json")).ok());
}

TEST(FuzzSeeds, RealProfilesParse) {
  for (const char* name : {"this_host.json", "test_roundtrip.json", "full.json", "minimal.json"}) {
    SCOPED_TRACE(name);
    auto p = parse_profile(read(std::string("corpus/profile/") + name));
    EXPECT_TRUE(p.ok()) << describe(p.error());
  }
}

// What the fuzzer found, as plain assertions (the inputs themselves are in fuzz/regressions/).
TEST(FuzzFindings, NonAsciiOutsideStringsIsAClearError) {
  auto bad = load_model({{"x.toml", "a\xcf\x83 = 1\n"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "x.toml:1:2");
  // Inside strings and comments it is text like any other.
  auto fine = load_model({{"x.toml", "default = \"\xc3\xa9\" # \xc3\xa9\n"}});
  ASSERT_FALSE(fine.ok());
  EXPECT_EQ(fine.error().message, "the model defines no CPU presets") << describe(fine.error());
}

TEST(FuzzFindings, NumbersThatWouldMakeJourneysInfiniteAreRefused) {
  std::string tiny = read("corpus/model/tiny_model.toml");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = tiny;
    t.replace(t.find(from), from.size(), to);
    return load_model({{"tiny.toml", t}});
  };
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"high = 40", "high = inf"},
           {"high = 9000", "high = 1e308"},
           {"parallelism = 4", "parallelism = 1e300"},
           {"parallelism = 4", "parallelism = 2.5"},
           {"bandwidth_mb_s = 100", "bandwidth_mb_s = 1e-300"},
           {"kernel = 1.5", "kernel = inf"}}) {
    SCOPED_TRACE(to);
    auto m = with(from, to);
    EXPECT_FALSE(m.ok());
  }
}

}  // namespace
}  // namespace sysjourney
