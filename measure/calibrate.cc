#include "measure/calibrate.h"

#include <algorithm>

#include "core/mitigations.h"
#include "measure/report.h"

namespace sysjourney::measure {

HostInfo host_info(const HostFacts& host) {
  HostInfo h;
  h.cpu_model = host.cpu_model;
  if (host.ghz > 0) h.ghz = host.ghz;
  h.kernel = host.kernel;
  h.kpti = host.kpti;
  h.pcid = host.pcid;
  h.virtualized = host.virtualized;
  h.mitigations = host.mitigations;
  h.has_mitigations = !host.mitigations.empty();
  h.device = host.device;
  return h;
}

std::string closest_preset(const Model& model, const HostFacts& host) {
  HostInfo h = host_info(host);
  auto parsed = parse_mitigations(model, h.mitigations);
  return sysjourney::closest_preset(model, h, parsed ? parsed->ids : std::vector<std::string>{});
}

Result<Calibration> calibrate(const Model& model, const HostFacts& host,
                              const std::vector<ProbeResult>& probes) {
  // Through the document's text, so that `measure` and `fit` of its file cannot disagree.
  auto doc = parse_measure_doc(measure_json(host, probes).dump());
  if (!doc) return doc.error();
  auto f = fit(model, *doc);
  if (!f) return f.error();
  Calibration c;
  c.profile = f->profile;
  c.preset = f->preset;
  c.notes = f->defaults;
  c.notes.insert(c.notes.end(), f->notes.begin(), f->notes.end());
  for (const auto& r : probes) {
    CalibratedProbe cp;
    cp.measured = r;
    auto it = std::find_if(f->probes.begin(), f->probes.end(),
                           [&](const FitProbe& p) { return p.id == r.id; });
    if (it != f->probes.end()) {
      cp.model_ns = it->model_ns;
      cp.calibrated_ns = it->calibrated_ns;
      cp.predicted_ns = it->predicted_ns;
      cp.fitted = it->measured_ns.has_value();
    }
    c.probes.push_back(cp);
  }
  c.fit = std::move(*f);
  c.doc = std::move(*doc);
  return c;
}

nlohmann::json calibration_json(const HostFacts&, const Calibration& c) {
  return fit_json(c.doc, c.fit);
}

}  // namespace sysjourney::measure
