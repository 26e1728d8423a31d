#include "scenario.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace sysjourney {
namespace {

Error scenario_error(const std::string& text) {
  const Model& m = test_model();
  auto s = parse_scenario(text, m);
  if (!s) return s.error();
  auto r = resolve(*s, m);
  EXPECT_FALSE(r.ok()) << text << " was accepted";
  return r.ok() ? Error{} : r.error();
}

// The engine keeps attributes and scale factors in fixed arrays sized by these constants.
TEST(Scenario, FixedSizesHoldEveryAttributeAndScaleClass) {
  EXPECT_EQ(attribute_keys().size(), kAttributeCount);
  EXPECT_LE(scale_classes().size(), kMaxScaleClasses);
  const Model& m = test_model();
  auto r = resolve(Scenario{}, m);
  ASSERT_TRUE(r.ok());
  for (std::string_view v : attributes(*r)) EXPECT_FALSE(v.empty());
}

TEST(Scenario, DefaultsResolveFromThePreset) {
  const Model& m = test_model();
  auto r = resolve(Scenario{}, m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cpu->id, m.default_cpu);
  EXPECT_EQ(r->device->id, r->cpu->device);
  EXPECT_DOUBLE_EQ(r->ghz, r->cpu->ghz);
  auto vm = parse_scenario("cpu=kvm_guest", m);
  auto rv = resolve(*vm, m);
  EXPECT_EQ(rv->device->id, "virtio") << "a guest reads through its virtual disk";
}

TEST(Scenario, ParsesEveryKind) {
  const Model& m = test_model();
  auto s =
      parse_scenario("fd=pipe&ghz=2.5&kpti=on&pcid=off&bytes=4k&batch=8&wait=yes&nonblock=0", m);
  ASSERT_TRUE(s.ok()) << describe(s.error());
  EXPECT_EQ(s->fd, "pipe");
  EXPECT_DOUBLE_EQ(*s->ghz, 2.5);
  EXPECT_TRUE(*s->kpti);
  EXPECT_FALSE(*s->pcid);
  EXPECT_EQ(s->bytes, 4096);
  EXPECT_EQ(s->batch, 8);
  EXPECT_TRUE(s->wait);
  EXPECT_FALSE(s->nonblock);
  EXPECT_EQ(parse_scenario("bytes=1GiB", m)->bytes, 1073741824);
}

TEST(Scenario, BadValuesNameFieldValueAndAllowed) {
  struct Case {
    const char* text;
    const char* field;
    const char* value;
  };
  for (Case c : {Case{"cache=lukewarm", "cache", "lukewarm"}, Case{"fd=socket", "fd", "socket"},
                 Case{"ghz=nan", "ghz", "nan"}, Case{"ghz=inf", "ghz", "inf"},
                 Case{"ghz=-1", "ghz", "-1"}, Case{"ghz=99", "ghz", "99"},
                 Case{"ghz=3GHz", "ghz", "3GHz"}, Case{"bytes=-1", "bytes", "-1"},
                 Case{"bytes=2G", "bytes", "2G"}, Case{"bytes=1.5", "bytes", "1.5"},
                 Case{"bytes=99999999999999999999999", "bytes", "99999999999999999999999"},
                 Case{"batch=0", "batch", "0"}, Case{"batch=5000", "batch", "5000"},
                 Case{"kpti=maybe", "kpti", "maybe"}, Case{"cpu=pentium", "cpu", "pentium"},
                 Case{"device=floppy", "device", "floppy"}, Case{"colour=red", "option", "colour"},
                 Case{"ghz=", "ghz", ""}}) {
    auto s = parse_scenario(c.text, test_model());
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.error().field, c.field) << c.text;
    EXPECT_EQ(s.error().value, c.value) << c.text;
    EXPECT_FALSE(s.error().allowed.empty()) << c.text;
    EXPECT_NE(s.error().message.find(c.value), std::string::npos) << s.error().message;
  }
  EXPECT_EQ(parse_scenario("cache=lukewarm", test_model()).error().allowed, "hit, miss");
}

TEST(Scenario, MissingEqualsSign) {
  auto s = parse_scenario("cache", test_model());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().value, "cache");
}

TEST(Scenario, DirectWith16BytesIsEinval) {
  Error e = scenario_error("direct=on,bytes=16");
  EXPECT_EQ(e.field, "bytes");
  EXPECT_EQ(e.value, "16");
  EXPECT_NE(e.message.find("EINVAL"), std::string::npos) << e.message;
  EXPECT_NE(e.allowed.find("512"), std::string::npos);
  const Model& m = test_model();
  EXPECT_TRUE(resolve(*parse_scenario("direct=on,bytes=4096", m), m).ok());
}

TEST(Scenario, ImpossibleCombinationsSayWhy) {
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"fd=pipe,api=io_uring", "api"},
           {"fd=tcp,api=sendfile", "api"},
           {"batch=8", "batch"},
           {"fd=file,wait=on", "wait"},
           {"fd=pipe,direct=on,bytes=4096", "direct"},
           {"api=io_uring,direct=on,bytes=4096", "direct"}})
    EXPECT_EQ(scenario_error(text).field, field) << text;
}

TEST(Scenario, PairsRoundTrip) {
  const Model& m = test_model();
  auto r = resolve(*parse_scenario("fd=tcp,ghz=2.2,bytes=100", m), m);
  std::string text;
  for (const auto& [k, v] : scenario_pairs(*r)) text += k + "=" + v + ",";
  auto again = resolve(*parse_scenario(text, m), m);
  ASSERT_TRUE(again.ok()) << text;
  EXPECT_EQ(scenario_pairs(*again), scenario_pairs(*r));
}

}  // namespace
}  // namespace sysjourney
