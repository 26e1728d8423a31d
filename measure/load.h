// How busy the machine is while the probes run: steal time, other processes on the probe CPU and
// on the others, the run queue, and how long the timing thread waited for its CPU. Read from
// /proc through Os before and after each round; the judging is pure and tested with scripted
// /proc text.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "measure/os.h"

namespace sysjourney::measure {

// One CPU line of /proc/stat, in USER_HZ ticks.
struct CpuTicks {
  uint64_t busy = 0;   // user + nice + system: tasks running
  uint64_t idle = 0;   // idle + iowait
  uint64_t irq = 0;    // irq + softirq
  uint64_t steal = 0;  // the hypervisor ran something else
  uint64_t total() const { return busy + idle + irq + steal; }
};

struct LoadSample {
  int64_t at_ns = 0;                      // CLOCK_MONOTONIC when it was read
  CpuTicks all{};                         // the "cpu" line: every CPU together
  std::map<int, CpuTicks> cpus{};         // "cpuN" lines
  int procs_running = 0;                  // tasks running or ready to run, this thread included
  std::optional<uint64_t> own_ticks{};    // this process and its reaped children (/proc/self/stat)
  std::optional<int64_t> own_delay_ns{};  // time this thread waited to run (schedstat)
  std::optional<double> loadavg_1m{};
};

// Parses /proc/stat text into `out` (cpu lines and procs_running).
Status parse_proc_stat(std::string_view text, LoadSample& out);
// utime + stime + cutime + cstime from /proc/<pid>/stat text.
std::optional<uint64_t> parse_own_ticks(std::string_view text);

// Reads /proc/stat (required), /proc/self/stat, /proc/thread-self/schedstat and /proc/loadavg.
// Call it from the timing thread: the wait time is that thread's own.
Result<LoadSample> sample_load(Os& os);

// What happened between two samples. `cpu` is the CPU the probes are pinned to (-1: none; then
// the whole machine counts as the probe CPU).
struct LoadDelta {
  int64_t wall_ns = 0;
  int cpus = 0;
  CpuTicks all{};
  CpuTicks probe_cpu{};
  CpuTicks other_cpus{};  // every other CPU, summed
  std::optional<uint64_t> own_ticks{};
  std::optional<int64_t> own_delay_ns{};
  double others_running_sum = 0;  // other tasks ready to run, summed over the samples
  int running_samples = 0;
  LoadDelta& operator+=(const LoadDelta& other);
};
LoadDelta load_between(const LoadSample& before, const LoadSample& after, int cpu);

struct LoadLimits {
  double steal_pct = 5;        // of all CPU time
  double delay_pct = 5;        // of the round: the timing thread ready but not running
  double probe_cpu_pct = 20;   // other processes' share of the probe CPU
  double other_cpus_pct = 50;  // their share of the other CPUs
  uint64_t min_ticks = 3;      // fewer ticks than this is sampling noise, not load
  // How much slower than at its fastest in the run a fixed piece of CPU work may get: the
  // hypervisor's other guests on our core's sibling slow us without any steal time.
  double cpu_slowdown_pct = 15;
};

struct LoadVerdict {
  bool busy = false;
  std::string reason{};  // every limit passed, "; "-joined; empty when clean
  double steal_pct = 0;
  double delay_pct = 0;
  double probe_cpu_pct = 0;
  double other_cpus_pct = 0;
  double run_queue = 0;  // other tasks ready to run, on average; busy at >= the CPU count
};
LoadVerdict judge_load(const LoadDelta& delta, const LoadLimits& limits = {});

// The load over a whole probe run, as the measure JSON reports it.
struct MachineLoad {
  bool known = false;    // false: /proc could not be read, and `reason` says why
  bool busy = false;     // never present these figures as a quiet machine's
  std::string reason{};  // why busy (or unknown); empty when clean
  double steal_pct = 0;  // over the kept rounds
  double delay_pct = 0;
  double probe_cpu_pct = 0;
  double other_cpus_pct = 0;
  double run_queue = 0;
  double cpu_slowdown_pct = 0;  // the slowest kept round's CPU work against the run's fastest
  double loadavg_1m = 0;
  int cpus = 0;
  int cpu = -1;         // the CPU the probes were pinned to; -1 when they could not be
  int rounds = 0;       // rounds kept
  int busy_rounds = 0;  // kept although busy, once the retries ran out
  int retries = 0;      // busy rounds dropped and run again
  double waited_s = 0;  // pauses before those retries
};

}  // namespace sysjourney::measure
