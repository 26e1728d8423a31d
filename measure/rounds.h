// Runs the probes in rounds, every probe once per round, so that drift and other programs' noise
// spread over all of them instead of landing on whichever probe ran at that moment. The load is
// sampled around each round (load.h); a busy round is dropped and run again after a pause, a
// bounded number of times, and the run says when it had to keep busy rounds.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "measure/batch_timer.h"
#include "measure/load.h"
#include "measure/os.h"

namespace sysjourney::measure {

struct RoundPolicy {
  int rounds = 5;                       // rounds kept
  int max_retries = 2;                  // busy rounds dropped and run again, in the whole run
  int64_t retry_wait_ns = 250'000'000;  // pause before running a busy round again
  LoadLimits limits{};
};

// One round: each probe's samples (or why it failed), in probe order.
using RoundResult = std::vector<Result<Samples>>;

struct RoundsRun {
  std::vector<RoundResult> kept{};  // in the order they ran
  MachineLoad load{};
};

// Runs rounds until policy.rounds are kept; run_round(n) runs round n (the number kept so far,
// so a retry repeats n). `cpu` is the probe CPU (-1: not pinned). Without a readable /proc the
// rounds still run, none is retried, and load.known is false.
//
// cpu_work_ns(), when given, times a fixed piece of CPU work before and after each round. A
// round whose slower one is limits.cpu_slowdown_pct above the fastest so far is busy too (and
// retried); at the end, kept rounds that slow against the run's fastest count as busy rounds.
RoundsRun run_rounds(Os& os, const RoundPolicy& policy, int cpu,
                     const std::function<RoundResult(int round)>& run_round,
                     const std::function<double()>& cpu_work_ns = {});

}  // namespace sysjourney::measure
