#include "units.h"

#include <gtest/gtest.h>

namespace sysjourney {
namespace {

TEST(Units, DurationsPickTheirUnit) {
  EXPECT_EQ(format_ns(0), "0 ns");
  EXPECT_EQ(format_ns(0.93), "0.93 ns");
  EXPECT_EQ(format_ns(311), "311 ns");
  EXPECT_EQ(format_ns(999.7), "1.00 µs");
  EXPECT_EQ(format_ns(88200), "88.2 µs");
  EXPECT_EQ(format_ns(12370000), "12.4 ms");
  EXPECT_EQ(format_ns(1.5e9), "1.50 s");
}

TEST(Units, CountsAndShares) {
  EXPECT_EQ(format_count(264123.4), "264,123");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_share(0.0004), "<0.1%");
  EXPECT_EQ(format_share(0.123), "12%");
  EXPECT_EQ(format_share(0.05), "5.0%");
}

}  // namespace
}  // namespace sysjourney
