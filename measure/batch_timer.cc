#include "measure/batch_timer.h"

#include "measure/stats.h"

namespace sysjourney::measure {

double timer_overhead_ns(Clocks& clock, int rounds) {
  std::vector<double> gaps;
  gaps.reserve(static_cast<size_t>(std::max(rounds, 1)));
  for (int i = 0; i < std::max(rounds, 1); ++i) {
    const int64_t t0 = clock.monotonic_ns();
    const int64_t t1 = clock.monotonic_ns();
    gaps.push_back(static_cast<double>(t1 - t0));
  }
  // The median, not the mean: an interrupt in one round must not inflate every sample.
  return summarize(std::move(gaps)).median;
}

double per_op_ns(int64_t elapsed_ns, double overhead_ns, int64_t ops) {
  if (ops <= 0) return 0;
  return std::max(0.0, (static_cast<double>(elapsed_ns) - overhead_ns) / static_cast<double>(ops));
}

}  // namespace sysjourney::measure
