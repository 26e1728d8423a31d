// Microbenchmarks of the real machine, one per probe id of the sysjourney.measure/1 contract.
// Each times many calls in batches (see batch_timer.h) and reports per-operation nanoseconds;
// a probe that cannot run here is kept with `skipped` saying why.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "measure/os.h"

namespace sysjourney::measure {

struct ProbeResult {
  std::string id{};
  double median_ns = 0;  // per operation (per read for io_uring_batch_N)
  double p99_ns = 0;     // nearest-rank p99 across batches, not across single calls
  double min_ns = 0;
  int64_t iterations = 0;        // operations timed, warm-up excluded
  int samples = 0;               // timed batches
  int batch = 0;                 // operations per timed batch
  int bytes = 0;                 // bytes per read (read_direct: 4096); 0 when nothing is read
  double timer_overhead_ns = 0;  // subtracted from every batch
  std::string skipped{};         // why it did not run here; empty when measured
};

struct ProbeOptions {
  bool quick = false;               // small counts, whole run within about 5 s (full: 30 s)
  double scale = 1.0;               // multiplies the sample counts; tests use tiny values
  std::string dir{};                // --dir: parent of the private probe directory
  std::vector<std::string> only{};  // ids to run, in table order; empty runs all
  // Called as each probe starts, with its 0-based position among `total`.
  std::function<void(std::string_view id, int index, int total)> progress{};
};

// Every probe id, in the order they run:
//   function_call, vdso_clock_gettime, syscall_getppid, read_file_hit, ...
std::span<const std::string_view> probe_ids();

// Runs the probes. Fails only when nothing can run at all (no probe directory) or `only` names
// an unknown id; a probe that fails is returned with `skipped` set.
Result<std::vector<ProbeResult>> run_probes(Os& os, const ProbeOptions& options);

}  // namespace sysjourney::measure
