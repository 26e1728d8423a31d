#include "measure/report.h"

#include <cmath>

namespace sysjourney::measure {
namespace {

// Nanoseconds to 0.1 ns: finer digits are noise, and shorter numbers read better.
double tenths(double ns) { return std::round(ns * 10) / 10; }

nlohmann::json or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

}  // namespace

nlohmann::json to_json(const HostFacts& h) {
  nlohmann::json j;
  j["cpu_model"] = or_null(h.cpu_model);
  j["ghz"] = h.ghz > 0 ? nlohmann::json(std::round(h.ghz * 1000) / 1000) : nlohmann::json();
  j["ghz_source"] = or_null(h.ghz_source);
  j["kernel"] = or_null(h.kernel);
  j["kpti"] = h.kpti;
  j["pcid"] = h.pcid;
  j["virtualized"] = h.virtualized;
  j["fs"] = or_null(h.fs);
  j["device"] = h.device.empty() ? "unknown" : h.device;
  j["block_device"] = or_null(h.block_device);
  j["rotational"] = h.rotational ? nlohmann::json(*h.rotational) : nlohmann::json();
  j["scheduler"] = or_null(h.scheduler);
  j["dir"] = h.dir;
  j["mitigations"] = h.mitigations;
  j["notes"] = h.notes;
  return j;
}

nlohmann::json to_json(const ProbeResult& p) {
  nlohmann::json j;
  j["id"] = p.id;
  if (!p.skipped.empty()) {
    j["skipped"] = p.skipped;
    j["iterations"] = 0;
    return j;
  }
  j["median_ns"] = tenths(p.median_ns);
  j["p99_ns"] = tenths(p.p99_ns);
  j["min_ns"] = tenths(p.min_ns);
  j["iterations"] = p.iterations;
  j["samples"] = p.samples;
  j["batch"] = p.batch;
  j["bytes"] = p.bytes;
  j["timer_overhead_ns"] = tenths(p.timer_overhead_ns);
  j["p99_of"] = p.p99_of;
  j["p50_call_ns"] = p.p50_call_ns ? nlohmann::json(tenths(*p.p50_call_ns)) : nlohmann::json();
  j["p99_call_ns"] = p.p99_call_ns ? nlohmann::json(tenths(*p.p99_call_ns)) : nlohmann::json();
  j["rounds"] = p.rounds;
  j["spread"] = std::round(p.spread * 1000) / 1000;
  j["round_medians_ns"] = nlohmann::json::array();
  for (double m : p.round_medians_ns) j["round_medians_ns"].push_back(tenths(m));
  return j;
}

nlohmann::json to_json(const MachineLoad& l) {
  auto one = [](double v) { return std::round(v * 10) / 10; };
  nlohmann::json j;
  // Unknown only when nothing was seen: a CPU that slowed says busy even without /proc.
  j["busy"] = l.known || l.busy ? nlohmann::json(l.busy) : nlohmann::json();
  j["reason"] = or_null(l.reason);
  j["steal_pct"] = one(l.steal_pct);
  j["run_queue"] = one(l.run_queue);
  j["delay_pct"] = one(l.delay_pct);
  j["probe_cpu_pct"] = one(l.probe_cpu_pct);
  j["other_cpus_pct"] = one(l.other_cpus_pct);
  j["cpu_slowdown_pct"] = one(l.cpu_slowdown_pct);
  j["loadavg_1m"] = std::round(l.loadavg_1m * 100) / 100;
  j["cpus"] = l.cpus;
  j["cpu"] = l.cpu >= 0 ? nlohmann::json(l.cpu) : nlohmann::json();
  j["rounds"] = l.rounds;
  j["busy_rounds"] = l.busy_rounds;
  j["retries"] = l.retries;
  j["waited_s"] = std::round(l.waited_s * 100) / 100;
  return j;
}

nlohmann::json measure_json(const HostFacts& host, const std::vector<ProbeResult>& probes) {
  nlohmann::json j;
  j["schema"] = "sysjourney.measure/1";
  j["host"] = to_json(host);
  if (host.load.rounds > 0) j["load"] = to_json(host.load);
  j["probes"] = nlohmann::json::array();
  for (const ProbeResult& p : probes) j["probes"].push_back(to_json(p));
  return j;
}

}  // namespace sysjourney::measure
