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

TEST(SummarizeRounds, MedianOfRoundMediansAndTheirSpread) {
  const RoundSummary r = summarize_rounds({{10, 12}, {20}, {11}});
  EXPECT_EQ(r.round_medians, (std::vector<double>{11, 20, 11}));
  EXPECT_EQ(r.median, 11);
  EXPECT_DOUBLE_EQ(r.spread, 20.0 / 11);
  EXPECT_EQ(r.pooled.min, 10);
  EXPECT_EQ(r.pooled.max, 20);
  EXPECT_EQ(r.pooled.median, 11.5);  // of 10, 11, 12, 20
}

TEST(SummarizeRounds, OneDisturbedRoundBarelyMovesTheMedian) {
  // Pooling would put the median inside the slow round's values; per round it stays at 100.
  const RoundSummary r = summarize_rounds({{100, 100}, {100, 101}, {900, 900, 900, 900, 900}});
  EXPECT_EQ(r.median, 100.5);
  EXPECT_EQ(r.pooled.median, 900);
  EXPECT_DOUBLE_EQ(r.spread, 9);
}

TEST(SummarizeRounds, EmptyRoundsAreIgnored) {
  EXPECT_EQ(summarize_rounds({}).median, 0);
  EXPECT_EQ(summarize_rounds({{}, {}}).round_medians.size(), 0u);
  const RoundSummary r = summarize_rounds({{}, {5}});
  EXPECT_EQ(r.median, 5);
  EXPECT_EQ(r.spread, 1);
}

TEST(SummarizeRounds, ZeroMediansHaveNoSpread) {
  EXPECT_EQ(summarize_rounds({{0}, {3}}).spread, 0);
}

}  // namespace
}  // namespace sysjourney::measure
