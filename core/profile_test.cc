#include "profile.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace sysjourney {
namespace {

TEST(Profile, RoundTrips) {
  Profile p = host_profile("amd_zen4", 2.1, /*kpti=*/true, /*pcid=*/false, "virtio");
  p.host = "test cpu";
  p.device_ns = 30000;
  p.scales = {{"trap", 2.5}, {"kernel", 1.2}};
  auto back = parse_profile(profile_to_json(p));
  ASSERT_TRUE(back.ok()) << describe(back.error());
  EXPECT_EQ(back->host, "test cpu");
  EXPECT_DOUBLE_EQ(*back->ghz, 2.1);
  EXPECT_TRUE(*back->kpti);
  EXPECT_FALSE(*back->pcid);
  EXPECT_EQ(back->scales, p.scales);
  EXPECT_DOUBLE_EQ(*back->device_ns, 30000);
}

TEST(Profile, RejectsBadInput) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (Case c : {Case{"not json", "profile"}, Case{"[]", "profile"}, Case{"{}", "schema"},
                 Case{R"({"schema":"sysjourney.profile/9"})", "schema"},
                 Case{R"({"schema":"sysjourney.profile/1","ghz":"fast"})", "ghz"},
                 Case{R"({"schema":"sysjourney.profile/1","ghz":1e300})", "ghz"},
                 Case{R"({"schema":"sysjourney.profile/1","ghz":-3})", "ghz"},
                 Case{R"({"schema":"sysjourney.profile/1","kpti":"yes"})", "kpti"},
                 Case{R"({"schema":"sysjourney.profile/1","scales":{"gpu":2}})", "scales"},
                 Case{R"({"schema":"sysjourney.profile/1","scales":{"trap":0}})", "trap"},
                 Case{R"({"schema":"sysjourney.profile/1","scales":[1]})", "scales"}}) {
    auto p = parse_profile(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.error().field, c.field) << c.json << ": " << p.error().message;
  }
}

}  // namespace
}  // namespace sysjourney
