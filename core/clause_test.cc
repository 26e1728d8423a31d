#include "clause.h"

#include <gtest/gtest.h>

namespace sysjourney {
namespace {

TEST(Clause, ReadsKeyValuesAndNegation) {
  auto c = parse_clause("fd!=file|pipe");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key, "fd");
  EXPECT_TRUE(c->negate);
  EXPECT_EQ(c->values, (std::vector<std::string>{"file", "pipe"}));
  auto d = parse_clause("cache=miss");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "cache");
  EXPECT_FALSE(d->negate);
  EXPECT_EQ(d->values, (std::vector<std::string>{"miss"}));
}

TEST(Clause, RefusesWhatIsNotAClause) {
  for (const char* text : {"fd", "=file", "fd=", "!=file", "fd!=", ""}) {
    auto c = parse_clause(text);
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().value, text);
    EXPECT_NE(c.error().message.find("key=values"), std::string::npos) << c.error().message;
  }
}

}  // namespace
}  // namespace sysjourney
