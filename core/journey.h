// The engine: a scenario in, a journey out. Pure: no OS calls, no I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"
#include "profile.h"
#include "result.h"
#include "scenario.h"

namespace sysjourney {

struct JourneyStage {
  const Stage* stage = nullptr;
  Unit unit = Unit::cycles;   // the unit the model states the cost in
  std::string_view per;       // "read", "batch" or "overlap" (owned by the model)
  std::string_view source;    // the source of the cost actually used (owned by the model)
  double cycles = 0, ns = 0;  // per read, taxes included
  double tax_ns = 0;          // of ns: what the mitigations add to this stage's events
  double vm_ns = 0;           // of ns: the guest's VM exits in this stage
  double low_ns = 0, high_ns = 0;
  double share = 0;  // of the total ns
  double start_ns = 0, cumulative_ns = 0;
};

struct Totals {
  int stages = 0;
  double cycles = 0, ns = 0, on_cpu_ns = 0, blocked_ns = 0;
  double low_ns = 0, high_ns = 0;
  int strace_visible_stages = 0;
  double batch_ns = 0;  // the whole io_uring batch (= ns for a single read)
};

struct Journey {
  ResolvedScenario scenario;
  const Path* path = nullptr;
  std::vector<JourneyStage> stages;
  Totals totals;
  bool profiled = false;  // a host profile was applied
};

// Builds the journey. `profile` (optional) replaces clock and scale factors with a host's.
Result<Journey> run_journey(const Model& model, const Scenario& scenario,
                            const Profile* profile = nullptr);

// p50 and p99 of the total, sampling each stage from a triangular distribution over its
// low/typ/high range. Deterministic for a given seed on every platform.
struct Percentiles {
  double p50_ns = 0, p99_ns = 0;
  int samples = 0;
  std::uint64_t seed = 0;
};
Percentiles sample_totals(const Journey& j, int samples, std::uint64_t seed);

// Two journeys side by side: the ratio of totals and a row per stage id in either.
struct CompareRow {
  std::string id, title;
  std::optional<double> a_ns, b_ns;
};
struct Comparison {
  double ratio = 0;  // b / a
  std::vector<CompareRow> rows;
};
Comparison compare(const Journey& a, const Journey& b);

}  // namespace sysjourney
