#include "measure/stats.h"

#include <gtest/gtest.h>

namespace sysjourney::measure {
namespace {

TEST(Summarize, EmptyIsZero) {
  const Summary s = summarize({});
  EXPECT_EQ(s.median, 0);
  EXPECT_EQ(s.p99, 0);
}

TEST(Summarize, OddCountTakesTheMiddle) {
  const Summary s = summarize({30, 10, 20});
  EXPECT_EQ(s.median, 20);
  EXPECT_EQ(s.min, 10);
  EXPECT_EQ(s.max, 30);
}

TEST(Summarize, EvenCountAveragesTheTwoMiddles) { EXPECT_EQ(summarize({4, 1, 3, 2}).median, 2.5); }

TEST(Summarize, P99IsNearestRank) {
  // 100 samples with one outlier: rank 99 is still a normal value...
  std::vector<double> v(99, 100.0);
  v.push_back(5000);
  EXPECT_EQ(summarize(v).p99, 100);
  // ...with two outliers rank 99 lands on one.
  v[0] = 7000;
  EXPECT_EQ(summarize(v).p99, 5000);
  EXPECT_EQ(summarize(v).median, 100);
}

TEST(Summarize, SmallSamplesP99IsTheMaximum) { EXPECT_EQ(summarize({5, 1, 9}).p99, 9); }

}  // namespace
}  // namespace sysjourney::measure
