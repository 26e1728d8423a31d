#include "fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "bounds.h"
#include "journey.h"
#include "mitigations.h"
#include "scenario.h"
#include "text.h"

namespace sysjourney {

namespace {

// The factors the fit sets, in this order. "none" is never scaled.
const std::vector<std::string>& parameter_names() {
  static const std::vector<std::string> names = {"user", "trap",   "kernel", "tax",
                                                 "wake", "device", "vmexit", "flush"};
  return names;
}
constexpr int kParams = 8;
constexpr int kTax = 3, kVmexit = 6;
using Vec = std::array<double, kParams>;

// How far the prior lets a factor move from the preset, as one standard deviation of its log.
// Devices differ by orders of magnitude between machines; CPUs by a few times.
double prior_sigma(const std::string& name) {
  return name == "device" || name == "flush" ? std::log(30.0) : std::log(3.0);
}
// How far a probe may be from the model before it is noise, as a standard deviation of the
// log: repeated runs of one probe spread by a few percent, and no model is closer than that.
constexpr double kProbeSigma = 0.1;

// A probe's time at unit factors, split by what each factor multiplies.
struct Split {
  Vec a{};          // ns that parameter k multiplies
  double rest = 0;  // ns no parameter touches
};

double lerp_total(const Split& s, const Vec& theta) {
  double t = s.rest;
  for (int k = 0; k < kParams; ++k) t += s.a[k] * theta[k];
  return t;
}

Result<Split> split_probe(const Model& m, const ProbeModel& pm, const Profile& base) {
  Split out;
  for (const auto& term : pm.terms) {
    auto sc = parse_scenario(term.scenario, m);
    if (!sc) return sc.error();
    auto j = run_journey(m, *sc, &base);
    if (!j) return j.error();
    bool counting = term.from_stage.empty();
    for (const auto& js : j->stages) {
      counting = counting || js.stage->id == term.from_stage;
      if (!counting) continue;
      double work = js.ns - js.tax_ns - js.vm_ns;
      const std::string& cls = js.stage->scale;
      auto it = std::find(parameter_names().begin(), parameter_names().end(), cls);
      if (it == parameter_names().end()) {
        out.rest += term.times * work;
      } else {
        out.a[it - parameter_names().begin()] += term.times * work;
      }
      out.a[kTax] += term.times * js.tax_ns;
      out.a[kVmexit] += term.times * js.vm_ns;
    }
  }
  return out;
}

// Solves A x = b for a small dense system (Gaussian elimination with partial pivoting).
// A is symmetric positive definite here (the prior makes it so).
std::optional<std::array<double, kParams>> solve(std::array<Vec, kParams> A, Vec b) {
  for (int c = 0; c < kParams; ++c) {
    int piv = c;
    for (int r = c + 1; r < kParams; ++r)
      if (std::abs(A[r][c]) > std::abs(A[piv][c])) piv = r;
    if (std::abs(A[piv][c]) < 1e-300) return std::nullopt;
    std::swap(A[c], A[piv]);
    std::swap(b[c], b[piv]);
    for (int r = c + 1; r < kParams; ++r) {
      double f = A[r][c] / A[c][c];
      for (int k = c; k < kParams; ++k) A[r][k] -= f * A[c][k];
      b[r] -= f * b[c];
    }
  }
  Vec x{};
  for (int r = kParams - 1; r >= 0; --r) {
    double s = b[r];
    for (int k = r + 1; k < kParams; ++k) s -= A[r][k] * x[k];
    x[r] = s / A[r][r];
  }
  return x;
}

struct Observation {
  const Split* split;
  double measured;
};

struct Solution {
  Vec u{};      // log factors
  Vec sigma{};  // standard error of each log factor
};

// Gauss-Newton on the log factors with a Cauchy weight per probe (a probe 30% off counts
// fully; one 3x off counts much less) and the prior as extra residuals.
Solution solve_fit(const std::vector<Observation>& obs, const std::array<bool, kParams>& free) {
  Solution sol;
  Vec inv_prior{};
  for (int k = 0; k < kParams; ++k) inv_prior[k] = 1.0 / prior_sigma(parameter_names()[k]);
  std::vector<double> weight(obs.size(), 1.0);
  auto theta_of = [](const Vec& u) {
    Vec t{};
    for (int k = 0; k < kParams; ++k) t[k] = std::exp(u[k]);
    return t;
  };
  std::array<Vec, kParams> normal{};
  for (int outer = 0; outer < 4; ++outer) {
    for (int iter = 0; iter < 30; ++iter) {
      Vec theta = theta_of(sol.u);
      normal = {};
      Vec grad{};
      for (std::size_t i = 0; i < obs.size(); ++i) {
        double pred = lerp_total(*obs[i].split, theta);
        if (pred <= 0) continue;
        double w = weight[i] / kProbeSigma;
        double r = w * std::log(pred / obs[i].measured);
        Vec J{};
        for (int k = 0; k < kParams; ++k)
          J[k] = free[k] ? w * obs[i].split->a[k] * theta[k] / pred : 0;
        for (int a = 0; a < kParams; ++a) {
          grad[a] += J[a] * r;
          for (int b = 0; b < kParams; ++b) normal[a][b] += J[a] * J[b];
        }
      }
      for (int k = 0; k < kParams; ++k) {
        normal[k][k] += inv_prior[k] * inv_prior[k];
        grad[k] += inv_prior[k] * inv_prior[k] * sol.u[k];
        if (!free[k]) grad[k] = 0;
      }
      Vec neg{};
      for (int k = 0; k < kParams; ++k) neg[k] = -grad[k];
      auto step = solve(normal, neg);
      if (!step) break;
      double biggest = 0;
      for (int k = 0; k < kParams; ++k) {
        double d = std::clamp((*step)[k], -1.0, 1.0);  // at most e per iteration: stays stable
        sol.u[k] =
            std::clamp(sol.u[k] + d, std::log(bounds::kScaleMin), std::log(bounds::kScaleMax));
        biggest = std::max(biggest, std::abs(d));
      }
      if (biggest < 1e-7) break;
    }
    // Reweight: Cauchy with a scale of 30%.
    Vec theta = theta_of(sol.u);
    for (std::size_t i = 0; i < obs.size(); ++i) {
      double pred = lerp_total(*obs[i].split, theta);
      double r = pred > 0 ? std::log(pred / obs[i].measured) / 0.3 : 0;
      weight[i] = 1.0 / std::sqrt(1.0 + r * r);
    }
  }
  // Standard errors from the curvature, scaled by how well the probes agree.
  Vec theta = theta_of(sol.u);
  double rss = 0;
  for (const auto& o : obs) {
    double pred = lerp_total(*o.split, theta);
    if (pred > 0) rss += std::pow(std::log(pred / o.measured) / kProbeSigma, 2);
  }
  int n_free = int(std::count(free.begin(), free.end(), true));
  double s2 = int(obs.size()) > n_free ? rss / double(int(obs.size()) - n_free) : 1.0;
  for (int k = 0; k < kParams; ++k) {
    Vec e{};
    e[k] = 1;
    auto col = solve(normal, e);
    sol.sigma[k] = col && free[k] ? std::sqrt(std::max(0.0, (*col)[k] * std::max(s2, 1e-6))) : 0;
  }
  return sol;
}

std::optional<bool> opt_bool(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::string opt_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const std::vector<ProbeModel>& probe_models() {
  auto T = [](std::string scenario, double times = 1, std::string from = "") {
    return ProbeTerm{std::move(scenario), times, std::move(from)};
  };
  // Every probe runs in a loop, so the model is asked for warm, back-to-back calls.
  static const std::vector<ProbeModel> table = {
      {"function_call", {T("op=function_call,warm=on")}},
      {"vdso_clock_gettime", {T("op=vdso_clock_gettime,warm=on")}},
      {"syscall_getppid", {T("op=getppid,warm=on")}},
      {"syscall_clock_gettime", {T("op=clock_gettime,warm=on")}},
      {"read_file_hit", {T("fd=file,cache=hit,api=pread,warm=on")}},
      {"read_file_cold", {T("fd=file,cache=miss,api=pread,warm=on")}},
      {"read_direct", {T("fd=file,direct=on,bytes=4096,api=pread,warm=on")}},
      {"read_pipe", {T("fd=pipe,warm=on")}},
      {"read_unix", {T("fd=unix,warm=on")}},
      {"read_tcp", {T("fd=tcp,warm=on")}},
      {"io_uring_batch_1", {T("fd=file,cache=hit,api=io_uring,batch=1,warm=on")}},
      {"io_uring_batch_8", {T("fd=file,cache=hit,api=io_uring,batch=8,warm=on")}},
      {"io_uring_batch_32", {T("fd=file,cache=hit,api=io_uring,batch=32,warm=on")}},
      {"io_uring_batch_128", {T("fd=file,cache=hit,api=io_uring,batch=128,warm=on")}},
      {"read_ptraced", {T("fd=file,cache=hit,api=pread,tracer=ptrace,warm=on")}},
      // From the writer's write() to the reader's return: the writer's own call (about a pipe
      // read's cost, until writes are modelled), then the switch away from the writer (the
      // probe's writer yields the CPU to the reader it woke, the same switch a sleeping reader
      // makes in pipe_wait) and the reader from its wake-up on.
      {"pipe_wakeup", {T("fd=pipe,warm=on"), T("fd=pipe,wait=on,warm=on", 1, "pipe_wait")}},
      // Two threads on one CPU: each round trip is two writes and two reads that sleep.
      {"pipe_pingpong_rtt", {T("fd=pipe,warm=on", 2), T("fd=pipe,wait=on,warm=on", 2)}},
      // pwrite of 16 bytes into a cached block, back to back.
      {"write_file", {T("op=write,fd=file,cache=hit,api=pread,warm=on")}},
      // 4 KiB pwrite then fsync or fdatasync, back to back over a file's first 16 blocks.
      {"fsync_file", {T("op=fsync,fd=file,bytes=4096,api=pread,warm=on")}},
      {"fdatasync_file", {T("op=fdatasync,fd=file,bytes=4096,api=pread,warm=on")}},
      // The writer's write() alone, with a reader asleep on the pipe (the reader's own wake-up
      // is not in the sample).
      {"write_pipe_wakeup", {T("op=write,fd=pipe,wait=on,warm=on")}},
  };
  return table;
}

const ProbeModel* find_probe_model(const std::string& id) {
  for (const auto& p : probe_models())
    if (p.id == id) return &p;
  return nullptr;
}

bool within_band(double measured_ns, double predicted_ns) {
  return measured_ns > 0 && std::abs(predicted_ns - measured_ns) <= kWithin * measured_ns;
}

Result<MeasureDoc> parse_measure_doc(const std::string& text) {
  MeasureDoc d;
  auto parsed = std::make_shared<nlohmann::json>(
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false));
  d.raw = parsed;
  const nlohmann::json& raw = *parsed;
  if (raw.is_discarded())
    return Error{"the measure file is not valid JSON", "file", "", "sysjourney.measure/1 JSON", ""};
  if (!raw.is_object())
    return Error{"the measure file must be a JSON object", "file", "", "an object", ""};
  std::string schema = opt_string(raw, "schema");
  if (schema != "sysjourney.measure/1") {
    return Error{fmt::format("schema '{}' is not sysjourney.measure/1", schema), "schema", schema,
                 "sysjourney.measure/1", ""};
  }
  if (auto h = raw.find("host"); h != raw.end()) {
    if (!h->is_object())
      return Error{"'host' must be an object", "host", h->dump(), "an object of host facts", ""};
    HostInfo& host = d.host;
    host.cpu_model = opt_string(*h, "cpu_model");
    host.kernel = opt_string(*h, "kernel");
    host.device = opt_string(*h, "device");
    if (auto g = h->find("ghz"); g != h->end() && !g->is_null()) {
      if (!g->is_number() ||
          !(g->get<double>() >= bounds::kGhzMin && g->get<double>() <= bounds::kGhzMax)) {
        return Error{fmt::format("host.ghz is {}: allowed a number from {:.1f} to {:.1f}",
                                 g->dump(), bounds::kGhzMin, bounds::kGhzMax),
                     "host.ghz", g->dump(),
                     fmt::format("{:.1f} to {:.1f}", bounds::kGhzMin, bounds::kGhzMax), ""};
      }
      host.ghz = g->get<double>();
    }
    host.kpti = opt_bool(*h, "kpti");
    host.pcid = opt_bool(*h, "pcid");
    host.virtualized = opt_bool(*h, "virtualized");
    if (auto mi = h->find("mitigations"); mi != h->end() && mi->is_object()) {
      host.has_mitigations = true;
      for (const auto& [k, v] : mi->items()) {
        if (!v.is_string())
          return Error{fmt::format("host.mitigations.{} must be a string", k),
                       "host.mitigations." + k, v.dump(), "the file's text", ""};
        host.mitigations[k] = v.get<std::string>();
      }
    }
  }
  auto probes = raw.find("probes");
  if (probes == raw.end() || !probes->is_array()) {
    return Error{"'probes' must be a list of probes", "probes", "",
                 "[{\"id\": ..., \"median_ns\": ...}]", ""};
  }
  for (std::size_t i = 0; i < probes->size(); ++i) {
    const auto& p = (*probes)[i];
    std::string field = fmt::format("probes[{}]", i);
    if (!p.is_object())
      return Error{field + " must be an object", field, p.dump(), "an object with id and median_ns",
                   ""};
    ProbeMeasurement pm;
    pm.id = opt_string(p, "id");
    if (pm.id.empty()) return Error{field + ".id is missing", field + ".id", "", "a probe id", ""};
    bool skipped = p.contains("skipped") && !p["skipped"].is_null();
    if (!skipped) {
      auto med = p.find("median_ns");
      if (med == p.end() || !med->is_number() || !(med->get<double>() > 0) ||
          !std::isfinite(med->get<double>()) || med->get<double>() > 1e12) {
        return Error{fmt::format("{}.median_ns ({}) must be a number above 0", field, pm.id),
                     field + ".median_ns", med == p.end() ? "" : med->dump(),
                     "a positive number of ns, at most 1e12", ""};
      }
      pm.median_ns = med->get<double>();
    }
    d.probes.push_back(pm);
  }
  return d;
}

std::string closest_preset(const Model& model, const HostInfo& host,
                           const std::vector<std::string>& mitigations) {
  std::string cpu = lower(host.cpu_model);
  std::string vendor = cpu.find("amd") != std::string::npos     ? "amd"
                       : cpu.find("intel") != std::string::npos ? "intel"
                                                                : "";
  const CpuPreset* best = nullptr;
  double best_score = -1;
  for (const auto& c : model.cpus) {
    // Shared mitigations: the part of either set that both have (Jaccard).
    int both = 0;
    for (const auto& id : c.mitigations)
      both += std::count(mitigations.begin(), mitigations.end(), id) > 0;
    std::size_t either = c.mitigations.size() + mitigations.size() - both;
    double shared = either ? double(both) / double(either) : 1.0;
    double score = (c.vendor == vendor) * 8.0 +
                   (c.virtualized == host.virtualized.value_or(false)) * 4.0 + shared * 2.0 +
                   (c.kpti == host.kpti.value_or(false)) * 1.0;
    if (score > best_score) best = &c, best_score = score;
  }
  return best ? best->id : model.default_cpu;
}

Result<Fit> fit(const Model& model, const MeasureDoc& doc) {
  Fit f;
  const HostInfo& host = doc.host;

  // The host's mitigations, from its own words.
  std::vector<std::string> mitigations;
  std::optional<bool> kpti = host.kpti;
  bool have_mitigations = false;
  if (host.has_mitigations) {
    auto parsed = parse_mitigations(model, host.mitigations);
    if (parsed) {
      mitigations = parsed->ids;
      have_mitigations = true;
      if (!kpti) kpti = parsed->kpti;
    } else {
      f.notes.push_back(
          fmt::format("{} ({}); the preset's mitigations are used", parsed.error().message,
                      parsed.error().allowed.empty() ? "" : "known: " + parsed.error().allowed));
    }
  }
  f.preset = closest_preset(model, host, mitigations);
  const CpuPreset* preset = model.find_cpu(f.preset);
  if (!have_mitigations) {
    mitigations = preset->mitigations;
    if (!host.has_mitigations)
      f.defaults.push_back("host.mitigations missing: the preset's mitigations are assumed");
  }

  Profile& p = f.profile;
  p.host = host.cpu_model;
  p.cpu = f.preset;
  p.mitigations = mitigations;
  if (host.ghz) {
    p.ghz = *host.ghz;
  } else {
    p.ghz = preset->ghz;
    f.defaults.push_back(
        fmt::format("host.ghz missing: the preset's {} GHz is assumed", preset->ghz));
  }
  p.kpti = kpti.value_or(preset->kpti);
  if (!kpti)
    f.defaults.push_back(fmt::format("host.kpti missing: {} assumed", preset->kpti ? "on" : "off"));
  // Linux uses PCID whenever the CPU reports it.
  p.pcid = host.pcid.value_or(preset->pcid);
  if (!host.pcid)
    f.defaults.push_back(fmt::format("host.pcid missing: {} assumed", preset->pcid ? "on" : "off"));
  p.virtualized = host.virtualized.value_or(preset->virtualized);
  if (!host.virtualized) {
    f.defaults.push_back(fmt::format("host.virtualized missing: {} assumed",
                                     preset->virtualized ? "a guest" : "bare metal"));
  }
  if (!host.device.empty() && model.find_device(host.device)) {
    p.device = host.device;
  } else {
    p.device = preset->device;
    f.defaults.push_back(
        fmt::format("host.device {}: the preset's '{}' is assumed",
                    host.device.empty() ? "missing" : "'" + host.device + "' is not in the model",
                    preset->device));
  }
  // Start from the preset's factors; the fit multiplies them.
  for (const auto& key : profile_scales()) {
    auto it = preset->scales.find(key);
    p.scales[key] = it == preset->scales.end() ? 1.0 : it->second;
  }

  // Each measured probe's split at the preset's factors.
  std::vector<Split> splits;
  std::vector<const ProbeMeasurement*> measured;
  std::vector<FitProbe> probes;
  for (const auto& pm : doc.probes) {
    const ProbeModel* model_of = find_probe_model(pm.id);
    if (!model_of) {
      f.notes.push_back(fmt::format("probe {} has no model; it is shown but not fitted", pm.id));
      continue;
    }
    auto s = split_probe(model, *model_of, p);
    if (!s) return s.error();
    FitProbe fp;
    fp.id = pm.id;
    fp.measured_ns = pm.median_ns;
    Vec ones;
    ones.fill(1.0);
    fp.model_ns = lerp_total(*s, ones);
    probes.push_back(fp);
    splits.push_back(*s);
    measured.push_back(&pm);
  }

  // A factor is fitted only where at least two measured probes depend on it (2% of their
  // time), so that leaving any one out still leaves it determined.
  std::array<bool, kParams> free{};
  std::vector<FitParameter> params(kParams);
  for (int k = 0; k < kParams; ++k) {
    params[k].name = parameter_names()[k];
    for (std::size_t i = 0; i < splits.size(); ++i) {
      double total = probes[i].model_ns;
      if (measured[i]->median_ns && total > 0 && splits[i].a[k] >= 0.02 * total)
        params[k].probes.push_back(probes[i].id);
    }
    free[k] = params[k].probes.size() >= 2;
    params[k].fitted = free[k];
  }

  auto observations = [&](std::optional<std::size_t> leave_out) {
    std::vector<Observation> obs;
    for (std::size_t i = 0; i < splits.size(); ++i) {
      if (!measured[i]->median_ns || (leave_out && *leave_out == i)) continue;
      obs.push_back({&splits[i], *measured[i]->median_ns});
    }
    return obs;
  };
  auto theta_of = [](const Vec& u) {
    Vec t{};
    for (int k = 0; k < kParams; ++k) t[k] = std::exp(u[k]);
    return t;
  };

  Solution all = solve_fit(observations(std::nullopt), free);
  Vec theta = theta_of(all.u);
  for (int k = 0; k < kParams; ++k) {
    params[k].value = theta[k];
    params[k].sigma = all.sigma[k];
  }
  for (std::size_t i = 0; i < probes.size(); ++i) {
    probes[i].calibrated_ns = lerp_total(splits[i], theta);
    if (!measured[i]->median_ns) continue;
    // Leave one out: would the others have predicted this probe?
    std::array<bool, kParams> free_loo = free;
    for (int k = 0; k < kParams; ++k) {
      auto& ps = params[k].probes;
      int others = int(ps.size()) - int(std::count(ps.begin(), ps.end(), probes[i].id));
      free_loo[k] = others >= 1 && free[k];
    }
    Solution loo = solve_fit(observations(i), free_loo);
    probes[i].predicted_ns = lerp_total(splits[i], theta_of(loo.u));
    ++f.predicted;
    if (within_band(*measured[i]->median_ns, *probes[i].predicted_ns)) ++f.within;
  }
  for (int k = 0; k < kParams; ++k) {
    // A profile's factors must lie in [0.01, 100] (profile.cc); the fit's own bound is relative
    // to the preset, and exp(log) rounding can land a hair outside.
    double& factor = p.scales[params[k].name];
    factor = std::clamp(factor * theta[k], bounds::kScaleMin, bounds::kScaleMax);
  }
  f.parameters = params;
  f.probes = probes;
  return f;
}

nlohmann::json fit_json(const MeasureDoc& doc, const Fit& f) {
  nlohmann::json out = doc.raw ? *doc.raw : nlohmann::json::object();
  auto r1 = [](double x) { return std::round(x * 10) / 10; };
  auto r3 = [](double x) { return std::round(x * 1000) / 1000; };
  out["preset"] = f.preset;
  for (auto& j : out["probes"]) {
    std::string id = j.value("id", "");
    auto it = std::find_if(f.probes.begin(), f.probes.end(),
                           [&](const FitProbe& p) { return p.id == id; });
    if (it == f.probes.end()) continue;
    j["model_ns"] = r1(it->model_ns);
    j["calibrated_ns"] = r1(it->calibrated_ns);
    j["fitted"] = it->measured_ns.has_value();
    if (it->predicted_ns) {
      j["predicted_ns"] = r1(*it->predicted_ns);
      j["ratio"] = r3(*it->measured_ns / *it->predicted_ns);
      j["within"] = within_band(*it->measured_ns, *it->predicted_ns);
    }
  }
  out["parameters"] = nlohmann::json::array();
  for (const auto& prm : f.parameters) {
    out["parameters"].push_back({{"name", prm.name},
                                 {"value", r3(prm.value)},
                                 {"sigma", r3(prm.sigma)},
                                 {"fitted", prm.fitted},
                                 {"probes", prm.probes}});
  }
  out["profile"] = nlohmann::json::parse(profile_to_json(f.profile));
  out["verdict"] = {
      {"within", f.within},
      {"predicted", f.predicted},
      {"band", kWithin},
      {"rule",
       "|predicted_ns - median_ns| <= 30% of median_ns, predicted by leaving the probe out"}};
  out["defaults"] = f.defaults;
  out["fit_notes"] = f.notes;
  return out;
}

}  // namespace sysjourney
