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
  return j;
}

nlohmann::json measure_json(const HostFacts& host, const std::vector<ProbeResult>& probes) {
  nlohmann::json j;
  j["schema"] = "sysjourney.measure/1";
  j["host"] = to_json(host);
  j["probes"] = nlohmann::json::array();
  for (const ProbeResult& p : probes) j["probes"].push_back(to_json(p));
  return j;
}

}  // namespace sysjourney::measure
