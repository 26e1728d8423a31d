// Order statistics over per-call samples. Pure: no clocks, no OS.
#pragma once
#include <vector>

namespace sysjourney::measure {

struct Summary {
  double median = 0;
  double p99 = 0;
  double min = 0;
  double max = 0;
};

// Median (mean of the two middle values when even) and nearest-rank p99, e.g.
//   summarize({1, 2, 3, 4}) -> {.median = 2.5, .p99 = 4, .min = 1, .max = 4}
// An empty input gives all zeros.
Summary summarize(std::vector<double> samples);

// A probe's samples taken in rounds. The median is the median of the rounds' medians, so one
// disturbed round moves it little; spread is max/min of those medians (1: every round agreed).
// pooled is summarize() over every sample of every round, e.g.
//   summarize_rounds({{10, 12}, {20}, {11}}) -> {.median = 11, .spread = 20 / 11, .round_medians
//   = {11, 20, 11}, .pooled.min = 10}
// Empty rounds are ignored; with none, all zeros.
struct RoundSummary {
  double median = 0;
  double spread = 0;
  std::vector<double> round_medians{};
  Summary pooled{};
};
RoundSummary summarize_rounds(const std::vector<std::vector<double>>& rounds);

}  // namespace sysjourney::measure
