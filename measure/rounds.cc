#include "measure/rounds.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

namespace sysjourney::measure {
namespace {

std::string slowdown_reason(double pct) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "the CPU ran %.0f%% slower than at its fastest in this run, with no load this "
                "machine can see (the host's other guests?)",
                pct);
  return buf;
}

void add_reason(std::string& reasons, const std::string& reason) {
  if (!reason.empty()) reasons += (reasons.empty() ? "" : "; ") + reason;
}

}  // namespace

RoundsRun run_rounds(Os& os, const RoundPolicy& policy, int cpu,
                     const std::function<RoundResult(int round)>& run_round,
                     const std::function<double()>& cpu_work_ns) {
  RoundsRun out;
  MachineLoad& load = out.load;
  load.cpu = cpu;
  const int wanted = std::max(policy.rounds, 1);

  // The CPU's speed: the fastest time of the fixed work so far, and each kept round's slowest.
  double fastest = std::numeric_limits<double>::infinity();
  auto work = [&]() -> double {
    if (!cpu_work_ns) return 0;
    const double ns = cpu_work_ns();
    fastest = std::min(fastest, ns);
    return ns;
  };
  auto slowdown_pct = [&](double ns) {
    return cpu_work_ns && fastest > 0 && ns > fastest ? 100 * (ns / fastest - 1) : 0.0;
  };
  struct Kept {
    std::string proc_reason;  // busy as /proc saw it; empty when clean
    double work_ns;
  };
  std::vector<Kept> kept;
  std::optional<LoadDelta> kept_load;  // summed over the kept rounds
  std::string unreadable;              // why the load could not be read, if it could not
  std::optional<double> loadavg;

  Result<LoadSample> before = sample_load(os);
  double work_before = work();
  while (static_cast<int>(out.kept.size()) < wanted) {
    RoundResult round = run_round(static_cast<int>(out.kept.size()));
    const double work_after = work();
    Result<LoadSample> after = sample_load(os);
    const double round_work = std::max(work_before, work_after);
    std::optional<LoadDelta> delta;
    LoadVerdict verdict;
    if (before && after) {
      delta = load_between(*before, *after, cpu);
      verdict = judge_load(*delta, policy.limits);
      if (after->loadavg_1m) loadavg = after->loadavg_1m;
    } else if (unreadable.empty()) {
      unreadable = (before ? after : before).error().message;
    }
    const bool slow = slowdown_pct(round_work) >= policy.limits.cpu_slowdown_pct;
    if ((verdict.busy || slow) && load.retries < policy.max_retries) {
      ++load.retries;
      os.sleep_ns(policy.retry_wait_ns);
      load.waited_s += static_cast<double>(policy.retry_wait_ns) / 1e9;
      before = sample_load(os);  // the pause belongs to no round
      work_before = work();
      continue;
    }
    if (delta) {
      if (kept_load)
        *kept_load += *delta;
      else
        kept_load = delta;
    }
    kept.push_back(Kept{.proc_reason = verdict.reason, .work_ns = round_work});
    out.kept.push_back(std::move(round));
    before = std::move(after);  // the next round starts where this one ended
    work_before = work_after;
  }

  // Judged again against the whole run's fastest: a slow first round shows only later.
  std::string first_proc_reason;
  for (const Kept& k : kept) {
    const double pct = slowdown_pct(k.work_ns);
    load.cpu_slowdown_pct = std::max(load.cpu_slowdown_pct, pct);
    if (!k.proc_reason.empty() || pct >= policy.limits.cpu_slowdown_pct) ++load.busy_rounds;
    if (first_proc_reason.empty()) first_proc_reason = k.proc_reason;
  }
  load.rounds = static_cast<int>(out.kept.size());
  std::string reasons;
  if (!unreadable.empty() || !kept_load) {
    add_reason(reasons, "the load could not be read: " + unreadable);
  } else {
    const LoadVerdict whole = judge_load(*kept_load, policy.limits);
    load.known = true;
    add_reason(reasons, whole.busy ? whole.reason : first_proc_reason);
    load.busy = whole.busy;
    load.steal_pct = whole.steal_pct;
    load.delay_pct = whole.delay_pct;
    load.probe_cpu_pct = whole.probe_cpu_pct;
    load.other_cpus_pct = whole.other_cpus_pct;
    load.run_queue = whole.run_queue;
    load.cpus = kept_load->cpus;
    load.loadavg_1m = loadavg.value_or(0);
  }
  if (load.cpu_slowdown_pct >= policy.limits.cpu_slowdown_pct)
    add_reason(reasons, slowdown_reason(load.cpu_slowdown_pct));
  // What the CPU's speed shows holds even when /proc could not be read.
  load.busy = load.busy || load.busy_rounds > 0;
  if (load.busy_rounds > 0)
    reasons += " (" + std::to_string(load.busy_rounds) + " of " + std::to_string(load.rounds) +
               " rounds busy after " + std::to_string(load.retries) + " retries)";
  load.reason = reasons;
  return out;
}

}  // namespace sysjourney::measure
