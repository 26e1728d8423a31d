#include "units.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sysjourney {
namespace {

using Formatted = std::vector<std::pair<double, std::string>>;

TEST(Units, DurationsPickTheirUnit) {
  for (const auto& [ns, text] : Formatted{{0, "0 ns"},
                                          {0.93, "0.93 ns"},
                                          {311, "311 ns"},
                                          {999.7, "1.00 µs"},
                                          {88200, "88.2 µs"},
                                          {12370000, "12.4 ms"},
                                          {1.5e9, "1.50 s"}})
    EXPECT_EQ(format_ns(ns), text) << ns;
}

TEST(Units, CountsAndShares) {
  for (const auto& [n, text] : Formatted{{264123.4, "264,123"}, {999, "999"}, {1000, "1,000"}})
    EXPECT_EQ(format_count(n), text) << n;
  for (const auto& [share, text] : Formatted{{0.0004, "<0.1%"}, {0.123, "12%"}, {0.05, "5.0%"}})
    EXPECT_EQ(format_share(share), text) << share;
}

}  // namespace
}  // namespace sysjourney
