// Times calls in batches: read the clock, make K calls, read it again, divide. A single call to
// a vDSO function or a cached read is shorter than the clock's own resolution and cost, so one
// sample is one batch; the cost of an empty batch (two clock reads) is subtracted from each.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "measure/os.h"

namespace sysjourney::measure {

struct SamplePlan {
  int batch = 1;                      // calls timed between two clock reads
  int ops_per_call = 1;               // operations one call performs (io_uring: reads per submit)
  int warmup = 1;                     // untimed batches first: caches, page faults, predictors
  int samples = 10;                   // timed batches wanted
  int min_samples = 3;                // kept even when the budget runs out
  int64_t budget_ns = 1'000'000'000;  // stop early once this much time has passed
  double overhead_ns = 0;             // timer cost per batch (timer_overhead_ns)
};

struct Samples {
  std::vector<double> per_op_ns;  // one value per timed batch
  int64_t ops = 0;                // operations timed in total
};

// The cost of an empty batch: the median gap between two back-to-back clock reads.
double timer_overhead_ns(Clocks& clock, int rounds);

// One batch's per-operation cost, with the timer overhead removed and never below zero, e.g.
//   per_op_ns(1020, 20, 10) == 100
double per_op_ns(int64_t elapsed_ns, double overhead_ns, int64_t ops);

// Runs `plan.warmup + plan.samples` batches of `plan.batch` calls to op() (each returning a
// Status). prepare() runs untimed before every batch (queue data, evict pages). Either one
// failing stops the run and returns its error.
template <class Prepare, class Op>
Result<Samples> time_batches(Clocks& clock, const SamplePlan& plan, Prepare&& prepare, Op&& op) {
  Samples out;
  out.per_op_ns.reserve(static_cast<size_t>(std::max(plan.samples, 0)));
  const int64_t ops_per_batch = int64_t{plan.batch} * plan.ops_per_call;
  const int64_t start = clock.monotonic_ns();
  for (int i = 0; i < plan.warmup + plan.samples; ++i) {
    if (Status s = prepare(); !s) return s.error();
    const int64_t t0 = clock.monotonic_ns();
    for (int k = 0; k < plan.batch; ++k) {
      if (Status s = op(); !s) return s.error();
    }
    const int64_t t1 = clock.monotonic_ns();
    if (i < plan.warmup) continue;
    out.per_op_ns.push_back(per_op_ns(t1 - t0, plan.overhead_ns, ops_per_batch));
    out.ops += ops_per_batch;
    if (static_cast<int>(out.per_op_ns.size()) >= plan.min_samples && t1 - start > plan.budget_ns)
      break;
  }
  return out;
}

template <class Op>
Result<Samples> time_batches(Clocks& clock, const SamplePlan& plan, Op&& op) {
  return time_batches(
      clock, plan, [] { return Status(Done{}); }, std::forward<Op>(op));
}

}  // namespace sysjourney::measure
