#include "measure/load.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/text.h"

namespace sysjourney::measure {
namespace {

// Counters only grow, but a CPU going offline and back can restart its line: never negative.
uint64_t minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

CpuTicks minus(const CpuTicks& a, const CpuTicks& b) {
  return CpuTicks{.busy = minus(a.busy, b.busy),
                  .idle = minus(a.idle, b.idle),
                  .irq = minus(a.irq, b.irq),
                  .steal = minus(a.steal, b.steal)};
}

CpuTicks& operator+=(CpuTicks& a, const CpuTicks& b) {
  a.busy += b.busy;
  a.idle += b.idle;
  a.irq += b.irq;
  a.steal += b.steal;
  return a;
}

double pct(double part, double whole) { return whole > 0 ? 100 * part / whole : 0; }

std::string fmt_pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", v);
  return buf;
}

}  // namespace

Status parse_proc_stat(std::string_view text, LoadSample& out) {
  bool saw_all = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const auto w = words(line);
    if (w.empty()) continue;
    if (w[0] == "procs_running" && w.size() >= 2) {
      out.procs_running = parse_number<int>(w[1]).value_or(0);
      continue;
    }
    if (w[0].substr(0, 3) != "cpu") continue;
    // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
    // inside user, so it is not added again.
    uint64_t f[8] = {};
    for (size_t i = 0; i < 8 && i + 1 < w.size(); ++i)
      f[i] = parse_number<uint64_t>(w[i + 1]).value_or(0);
    const CpuTicks t{
        .busy = f[0] + f[1] + f[2], .idle = f[3] + f[4], .irq = f[5] + f[6], .steal = f[7]};
    if (w[0] == "cpu") {
      out.all = t;
      saw_all = true;
    } else if (auto n = parse_number<int>(w[0].substr(3))) {
      out.cpus[*n] = t;
    }
  }
  if (!saw_all) return failure("/proc/stat has no \"cpu\" line");
  return Done{};
}

std::optional<uint64_t> parse_own_ticks(std::string_view text) {
  // The command name in parentheses may hold spaces: count fields after the last ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  const auto w = words(text.substr(paren + 1));
  // After ')': state(3) ... utime(14) stime(15) cutime(16) cstime(17), so w[11..14].
  if (w.size() < 15) return std::nullopt;
  uint64_t sum = 0;
  for (size_t i = 11; i <= 14; ++i) {
    auto v = parse_number<int64_t>(w[i]);
    if (!v) return std::nullopt;
    sum += static_cast<uint64_t>(std::max<int64_t>(*v, 0));
  }
  return sum;
}

Result<LoadSample> sample_load(Os& os) {
  LoadSample s;
  s.at_ns = os.monotonic_ns();
  auto stat = os.read_file("/proc/stat");
  if (!stat) return stat.error();
  if (auto p = parse_proc_stat(*stat, s); !p) return p.error();
  if (auto self = os.read_file("/proc/self/stat")) s.own_ticks = parse_own_ticks(*self);
  // "<ns on the CPU> <ns waiting to run> <time slices>"; without CONFIG_SCHED_INFO it is missing.
  if (auto sched = os.read_file("/proc/thread-self/schedstat")) {
    const auto w = words(*sched);
    if (w.size() >= 2) s.own_delay_ns = parse_number<int64_t>(w[1]);
  }
  if (auto avg = os.read_file("/proc/loadavg")) {
    const auto w = words(*avg);
    // from_chars for double is not everywhere yet; strtod needs a terminated copy.
    if (!w.empty()) s.loadavg_1m = std::strtod(std::string(w[0]).c_str(), nullptr);
  }
  return s;
}

LoadDelta& LoadDelta::operator+=(const LoadDelta& o) {
  wall_ns += o.wall_ns;
  cpus = std::max(cpus, o.cpus);
  all += o.all;
  probe_cpu += o.probe_cpu;
  other_cpus += o.other_cpus;
  own_ticks = own_ticks && o.own_ticks ? std::optional(*own_ticks + *o.own_ticks) : std::nullopt;
  own_delay_ns = own_delay_ns && o.own_delay_ns ? std::optional(*own_delay_ns + *o.own_delay_ns)
                                                : std::nullopt;
  others_running_sum += o.others_running_sum;
  running_samples += o.running_samples;
  return *this;
}

LoadDelta load_between(const LoadSample& before, const LoadSample& after, int cpu) {
  LoadDelta d;
  d.wall_ns = std::max<int64_t>(0, after.at_ns - before.at_ns);
  d.cpus = static_cast<int>(std::max<size_t>(after.cpus.size(), 1));
  d.all = minus(after.all, before.all);
  if (cpu < 0) {
    d.probe_cpu = d.all;
  } else {
    for (const auto& [n, ticks] : after.cpus) {
      auto b = before.cpus.find(n);
      const CpuTicks moved = minus(ticks, b == before.cpus.end() ? CpuTicks{} : b->second);
      (n == cpu ? d.probe_cpu : d.other_cpus) += moved;
    }
  }
  if (before.own_ticks && after.own_ticks) d.own_ticks = minus(*after.own_ticks, *before.own_ticks);
  if (before.own_delay_ns && after.own_delay_ns)
    d.own_delay_ns = std::max<int64_t>(0, *after.own_delay_ns - *before.own_delay_ns);
  // procs_running counts the thread reading it: the others are the rest.
  for (const LoadSample* s : {&before, &after})
    d.others_running_sum += std::max(0, s->procs_running - 1);
  d.running_samples = 2;
  return d;
}

LoadVerdict judge_load(const LoadDelta& d, const LoadLimits& limits) {
  LoadVerdict v;
  std::vector<std::string> reasons;
  v.steal_pct = pct(static_cast<double>(d.all.steal), static_cast<double>(d.all.total()));
  if (v.steal_pct >= limits.steal_pct && d.all.steal >= limits.min_ticks)
    reasons.push_back("the hypervisor gave " + fmt_pct(v.steal_pct) +
                      " of the CPU time to something else (steal)");
  if (d.own_delay_ns) {
    v.delay_pct = pct(static_cast<double>(*d.own_delay_ns), static_cast<double>(d.wall_ns));
    if (v.delay_pct >= limits.delay_pct)
      reasons.push_back("the timing thread waited " + fmt_pct(v.delay_pct) +
                        " of the time for its CPU");
  }
  if (d.own_ticks) {
    // Our threads all run on the probe CPU, so what else ran there is someone else's.
    const uint64_t others = minus(d.probe_cpu.busy, *d.own_ticks);
    v.probe_cpu_pct = pct(static_cast<double>(others), static_cast<double>(d.probe_cpu.total()));
    if (v.probe_cpu_pct >= limits.probe_cpu_pct && others >= limits.min_ticks)
      reasons.push_back("other processes used " + fmt_pct(v.probe_cpu_pct) + " of the probe CPU");
  }
  v.other_cpus_pct =
      pct(static_cast<double>(d.other_cpus.busy), static_cast<double>(d.other_cpus.total()));
  if (v.other_cpus_pct >= limits.other_cpus_pct && d.other_cpus.busy >= limits.min_ticks)
    reasons.push_back("other processes used " + fmt_pct(v.other_cpus_pct) + " of the other CPUs");
  if (d.running_samples > 0) {
    v.run_queue = d.others_running_sum / d.running_samples;
    if (v.run_queue >= d.cpus) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.1f other tasks were ready to run on %d CPU%s", v.run_queue,
                    d.cpus, d.cpus == 1 ? "" : "s");
      reasons.push_back(buf);
    }
  }
  for (const std::string& r : reasons) v.reason += (v.reason.empty() ? "" : "; ") + r;
  v.busy = !reasons.empty();
  return v;
}

}  // namespace sysjourney::measure
