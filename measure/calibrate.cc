#include "measure/calibrate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>

#include "core/journey.h"
#include "measure/report.h"

namespace sysjourney::measure {

namespace {

// Scale classes the fit sets, in scale_classes() order: user, trap, kernel, wake, device, none.
constexpr int kUser = 0, kTrap = 1, kKernel = 2, kWake = 3, kDevice = 4, kClasses = 6;

// A journey's time split by scale class: with every factor at 1, the total under factors s is
// the dot product of s and this split, which makes the fit linear.
using Split = std::array<double, kClasses>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Profile unit_profile(const Profile& p) {
  Profile u = p;
  u.scales = {};
  for (const auto& cls : scale_classes()) u.scales[cls] = 1.0;
  u.device_ns.reset();
  return u;
}

Result<Journey> journey_for(const Model& m, const std::string& text, const Profile* profile) {
  auto s = parse_scenario(text, m);
  if (!s) return s.error();
  return run_journey(m, *s, profile);
}

Result<Split> split_of(const Model& m, const std::string& text, const Profile& profile) {
  Profile unit = unit_profile(profile);
  auto j = journey_for(m, text, &unit);
  if (!j) return j.error();
  Split split{};
  for (const auto& js : j->stages) split[js.stage->scale_index] += js.ns;
  return split;
}

double dot(const Split& split, const Profile& p) {
  double total = 0;
  for (int c = 0; c < kClasses; ++c) {
    auto it = p.scales.find(scale_classes()[c]);
    total += split[c] * (it == p.scales.end() ? 1.0 : it->second);
  }
  return total;
}

const ProbeResult* find_probe(const std::vector<ProbeResult>& probes, const std::string& id) {
  for (const auto& p : probes) {
    if (p.id == id && p.skipped.empty() && p.median_ns > 0) return &p;
  }
  return nullptr;
}

// The probe's time under a profile (nullptr: the base preset as it is).
Result<double> predict(const Model& m, const ProbeScenario& ps, const std::string& preset, const Profile* profile) {
  std::string text = ps.scenario;
  if (!profile) text += ",cpu=" + preset;
  if (ps.id == "pipe_wakeup") {
    // From the writer's write() to the reader's return: the writer's own call (about a pipe
    // read's cost) and the sleeping reader's path from its wake-up on.
    auto writer = journey_for(m, "fd=pipe,warm=on" + (profile ? std::string() : ",cpu=" + preset), profile);
    auto reader = journey_for(m, text, profile);
    if (!writer) return writer.error();
    if (!reader) return reader.error();
    double total = writer->totals.ns;
    bool after = false;
    for (const auto& js : reader->stages) {
      after = after || js.stage->id == "pipe_wakeup";
      if (after) total += js.ns;
    }
    return total;
  }
  auto j = journey_for(m, text, profile);
  if (!j) return j.error();
  return j->totals.ns;
}

}  // namespace

const std::vector<ProbeScenario>& probe_scenarios() {
  // Every probe runs in a loop, so the model is asked for warm, back-to-back calls.
  static const std::vector<ProbeScenario> table = {
      {"function_call", "op=function_call,warm=on", true},
      {"vdso_clock_gettime", "op=vdso_clock_gettime,warm=on", true},
      {"syscall_getppid", "op=getppid,warm=on", true},
      {"read_file_hit", "fd=file,cache=hit,api=pread,warm=on", true},
      {"read_file_cold", "fd=file,cache=miss,api=pread,warm=on", false},
      {"read_direct", "fd=file,direct=on,bytes=4096,api=pread,warm=on", true},
      {"read_pipe", "fd=pipe,warm=on", false},
      {"read_unix", "fd=unix,warm=on", false},
      {"read_tcp", "fd=tcp,warm=on", false},
      {"io_uring_batch_1", "fd=file,cache=hit,api=io_uring,batch=1,warm=on", false},
      {"io_uring_batch_8", "fd=file,cache=hit,api=io_uring,batch=8,warm=on", false},
      {"io_uring_batch_32", "fd=file,cache=hit,api=io_uring,batch=32,warm=on", false},
      {"io_uring_batch_128", "fd=file,cache=hit,api=io_uring,batch=128,warm=on", false},
      {"read_ptraced", "fd=file,cache=hit,api=pread,tracer=ptrace,warm=on", false},
      {"pipe_wakeup", "fd=pipe,wait=on,warm=on", false},
  };
  return table;
}

std::string closest_preset(const Model& model, const HostFacts& host) {
  std::string vendor = lower(host.cpu_model).find("amd") != std::string::npos ? "amd" : "intel";
  auto mit = [&](const char* name) {
    auto it = host.mitigations.find(name);
    return it == host.mitigations.end() ? std::string() : lower(it->second);
  };
  std::string v2 = mit("spectre_v2"), srso = mit("spec_rstack_overflow");
  std::string mitigation = "eibrs";
  if (srso.find("safe ret") != std::string::npos) mitigation = "srso";
  else if (v2.find("enhanced") != std::string::npos || v2.find("eibrs") != std::string::npos) mitigation = "eibrs";
  else if (v2.find("ibrs") != std::string::npos) mitigation = "ibrs";
  else if (v2.find("retpoline") != std::string::npos) mitigation = "retpoline";
  // Score every preset; ties keep the model's order.
  const CpuPreset* best = nullptr;
  int best_score = -1;
  for (const auto& c : model.cpus) {
    int score = (c.vendor == vendor) * 4 + (c.mitigation == mitigation) * 2 + (c.virtualized == host.virtualized) +
                (c.kpti == host.kpti);
    if (score > best_score) best = &c, best_score = score;
  }
  return best ? best->id : model.default_cpu;
}

Result<Calibration> calibrate(const Model& model, const HostFacts& host, const std::vector<ProbeResult>& probes) {
  Calibration c;
  c.preset = closest_preset(model, host);
  const CpuPreset* preset = model.find_cpu(c.preset);
  Profile& p = c.profile;
  p.host = host.cpu_model;
  p.cpu = c.preset;
  if (host.ghz > 0) p.ghz = host.ghz;
  p.kpti = host.kpti;
  p.pcid = host.pcid;
  p.device = model.find_device(host.device) ? host.device : preset->device;
  if (p.device != host.device) {
    c.notes.push_back(fmt::format("the probe directory's device is '{}'; the model has no such device, so '{}' is assumed",
                                  host.device, p.device));
  }
  // Classes the fit does not set keep the preset's prior (a guest's slower wake-ups, say).
  for (const auto& cls : scale_classes()) {
    auto it = preset->scales.find(cls);
    p.scales[cls] = it == preset->scales.end() ? 1.0 : it->second;
  }

  auto split = [&](const std::string& id) -> Result<Split> {
    for (const auto& ps : probe_scenarios()) {
      if (ps.id == id) return split_of(model, ps.scenario, p);
    }
    return Error{"no scenario for probe " + id, "probe", id, "", ""};
  };

  // 1. User space: a function call and the vDSO run only ring-3 code.
  std::vector<double> user_ratios;
  for (const char* id : {"function_call", "vdso_clock_gettime"}) {
    const ProbeResult* m = find_probe(probes, id);
    auto s = split(id);
    if (!s) return s.error();
    if (m && (*s)[kUser] > 0) user_ratios.push_back(m->median_ns / (*s)[kUser]);
  }
  if (!user_ratios.empty()) {
    double log_sum = 0;
    for (double r : user_ratios) log_sum += std::log(r);
    p.scales["user"] = std::exp(log_sum / user_ratios.size());
  } else {
    c.notes.push_back("no user-space probe ran: the user scale stays 1");
  }

  // 2. The trap and the kernel's own work, apart: a bare syscall is almost all trap, a cached
  // read adds kernel work. Two measurements, two unknowns. On some hypervisors the two slow
  // down by very different factors, which one factor for both would hide.
  const ProbeResult* getppid = find_probe(probes, "syscall_getppid");
  const ProbeResult* hit = find_probe(probes, "read_file_hit");
  if (getppid && hit) {
    auto sg = split("syscall_getppid");
    auto sh = split("read_file_hit");
    if (!sg) return sg.error();
    if (!sh) return sh.error();
    auto rest = [&](const Split& s, double measured) {
      return measured - s[kUser] * p.scales["user"] - s[kWake] * p.scales["wake"] - s[kDevice] * p.scales["device"] -
             s[5];
    };
    double bg = rest(*sg, getppid->median_ns), bh = rest(*sh, hit->median_ns);
    double a11 = (*sg)[kTrap], a12 = (*sg)[kKernel], a21 = (*sh)[kTrap], a22 = (*sh)[kKernel];
    double det = a11 * a22 - a12 * a21;
    double trap = det != 0 ? (bg * a22 - a12 * bh) / det : 0;
    double kernel = det != 0 ? (a11 * bh - a21 * bg) / det : 0;
    if (trap > 0.05 && trap < 50 && kernel > 0.05 && kernel < 50) {
      p.scales["trap"] = trap;
      p.scales["kernel"] = kernel;
    } else {
      // The two measurements do not separate here: one factor for both.
      double both = (bg + bh) / (a11 + a12 + a21 + a22);
      p.scales["trap"] = p.scales["kernel"] = std::clamp(both, 0.05, 50.0);
      c.notes.push_back(fmt::format("trap and kernel work could not be told apart (got {:.3g} and {:.3g}); "
                                    "one factor {:.3g} is used for both",
                                    trap, kernel, both));
    }
  } else {
    c.notes.push_back("syscall_getppid or read_file_hit did not run: trap and kernel scales stay at the preset's");
  }

  // 3. The device: an O_DIRECT 4 KiB read is the device plus a known amount of kernel work.
  if (const ProbeResult* direct = find_probe(probes, "read_direct")) {
    auto sd = split("read_direct");
    if (!sd) return sd.error();
    Profile without_device = p;
    without_device.scales["device"] = 0;
    double device_ns = direct->median_ns - dot(*sd, without_device);
    if (device_ns > 0) {
      p.device_ns = device_ns;
    } else {
      c.notes.push_back("read_direct was not slower than its kernel work: the device latency stays at the model's");
    }
  } else {
    c.notes.push_back("read_direct did not run here: the device latency stays at the model's");
  }

  for (const auto& ps : probe_scenarios()) {
    CalibratedProbe cp;
    cp.fitted = ps.fitted;
    auto it = std::find_if(probes.begin(), probes.end(), [&](const ProbeResult& r) { return r.id == ps.id; });
    if (it == probes.end()) continue;
    cp.measured = *it;
    auto base = predict(model, ps, c.preset, nullptr);
    if (!base) return base.error();
    auto calibrated = predict(model, ps, c.preset, &p);
    if (!calibrated) return calibrated.error();
    cp.model_ns = *base;
    cp.calibrated_ns = *calibrated;
    c.probes.push_back(cp);
  }
  return c;
}

nlohmann::json calibration_json(const HostFacts& host, const Calibration& c) {
  std::vector<ProbeResult> raw;
  for (const auto& cp : c.probes) raw.push_back(cp.measured);
  nlohmann::json out = measure_json(host, raw);
  auto r1 = [](double x) { return std::round(x * 10) / 10; };
  for (std::size_t i = 0; i < c.probes.size(); ++i) {
    const CalibratedProbe& cp = c.probes[i];
    nlohmann::json& j = out["probes"][i];
    if (cp.model_ns) j["model_ns"] = r1(*cp.model_ns);
    if (cp.calibrated_ns) j["calibrated_ns"] = r1(*cp.calibrated_ns);
    j["fitted"] = cp.fitted;
    if (cp.measured.skipped.empty() && cp.calibrated_ns && *cp.calibrated_ns > 0) {
      j["ratio"] = std::round(cp.measured.median_ns / *cp.calibrated_ns * 1000) / 1000;
    }
  }
  out["profile"] = nlohmann::json::parse(profile_to_json(c.profile));
  out["preset"] = c.preset;
  out["notes"] = c.notes;
  return out;
}

}  // namespace sysjourney::measure
