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

}  // namespace sysjourney::measure
