#include "measure/stats.h"

#include <algorithm>
#include <cmath>

namespace sysjourney::measure {

Summary summarize(std::vector<double> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  const double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  // Nearest rank: the smallest sample with at least 99% of the samples at or below it.
  const size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n)));
  return Summary{.median = median,
                 .p99 = samples[std::max<size_t>(rank, 1) - 1],
                 .min = samples.front(),
                 .max = samples.back()};
}

RoundSummary summarize_rounds(const std::vector<std::vector<double>>& rounds) {
  RoundSummary out;
  std::vector<double> all;
  for (const std::vector<double>& round : rounds) {
    if (round.empty()) continue;
    out.round_medians.push_back(summarize(round).median);
    all.insert(all.end(), round.begin(), round.end());
  }
  if (out.round_medians.empty()) return out;
  const Summary medians = summarize(out.round_medians);
  out.median = medians.median;
  // A round whose median is 0 (a cost below the clock's resolution) has no meaningful ratio.
  out.spread = medians.min > 0 ? medians.max / medians.min : 0;
  out.pooled = summarize(std::move(all));
  return out;
}

}  // namespace sysjourney::measure
