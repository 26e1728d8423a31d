// Microbenchmarks of the real machine, one per probe id of the sysjourney.measure/1 contract.
// They run in rounds (rounds.h), every probe once per round, on one pinned CPU; a probe that
// cannot run here is kept with `skipped` saying why.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "measure/load.h"
#include "measure/os.h"
#include "measure/rounds.h"

namespace sysjourney::measure {

struct ProbeResult {
  std::string id{};
  double median_ns = 0;          // per operation: the median over rounds of each round's median
  double p99_ns = 0;             // nearest-rank p99 of what p99_of names
  double min_ns = 0;             // the fastest call or batch mean of the whole run
  int64_t iterations = 0;        // operations timed, warm-up excluded
  int samples = 0;               // timed calls or batches, over all rounds
  int batch = 0;                 // operations per timed sample (1: every call timed alone)
  int bytes = 0;                 // bytes per read (read_direct: 4096); 0 when nothing is read
  double timer_overhead_ns = 0;  // subtracted from every sample
  std::string skipped{};         // why it did not run here; empty when measured
  int rounds = 0;                // rounds the median is taken over
  double spread = 0;             // max / min of the round medians: 1 when every round agreed
  std::vector<double> round_medians_ns{};
  std::string p99_of{};  // "calls": every call timed alone; "batch_means": means of `batch` ops
  std::optional<double> p50_call_ns{};  // per-call probes only: the real p50 and p99 of calls
  std::optional<double> p99_call_ns{};
};

struct ProbeRun {
  std::vector<ProbeResult> probes{};
  MachineLoad load{};  // how busy the machine was while they ran
};

struct ProbeOptions {
  bool quick = false;               // quick: about 1.5 s of probing; full: about 12 s
  double scale = 1.0;               // multiplies the sample counts; tests use tiny values
  std::string dir{};                // --dir: parent of the private probe directory
  std::vector<std::string> only{};  // ids to run, in table order; empty runs all
  // Called as each probe starts: its id, its 0-based step among `total` (rounds x probes; a
  // busy round that is run again repeats its steps).
  std::function<void(std::string_view id, int index, int total)> progress{};
  // Rounds and retries; unset: 9 rounds and 2 retries (quick), 10 and 3 (full).
  std::optional<RoundPolicy> rounds{};
};

// Every probe id, in the order they run:
//   function_call, vdso_clock_gettime, syscall_getppid, syscall_clock_gettime, read_file_hit, ...
std::span<const std::string_view> probe_ids();

// Runs the probes. Fails only when nothing can run at all (no probe directory) or `only` names
// an unknown id; a probe that fails is returned with `skipped` set.
Result<ProbeRun> run_probes(Os& os, const ProbeOptions& options);

}  // namespace sysjourney::measure
