// Fits the model to this machine: the probes' results and the host's facts become a
// sysjourney.measure/1 document, and core's fit() (the same one `sysjourney fit` runs on any
// machine's file) prices every probe, fits the factors and predicts each probe from the others.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/fit.h"
#include "core/model.h"
#include "core/profile.h"
#include "measure/host.h"
#include "measure/probes.h"

namespace sysjourney::measure {

struct CalibratedProbe {
  ProbeResult measured;
  std::optional<double> model_ns;       // the closest preset, unfitted
  std::optional<double> calibrated_ns;  // fitted on every probe
  std::optional<double> predicted_ns;   // fitted on every other probe: the honest test
  bool fitted = false;                  // it took part in the fit (it was measured)
};

struct Calibration {
  Profile profile;
  std::string preset;  // the CPU preset the profile builds on
  std::vector<CalibratedProbe> probes;
  std::vector<std::string> notes;  // what could not be fitted, and what was assumed
  Fit fit;
  MeasureDoc doc;
};

// The host's facts in core's terms.
HostInfo host_info(const HostFacts& host);

// The preset closest to the host, from its vendor, guest flag and mitigation texts.
std::string closest_preset(const Model& model, const HostFacts& host);

Result<Calibration> calibrate(const Model& model, const HostFacts& host,
                              const std::vector<ProbeResult>& probes);

// "sysjourney.measure/1" with preset, model_ns, calibrated_ns, predicted_ns, ratio per probe,
// the parameters, the profile and the verdict: exactly what `sysjourney fit` prints for it.
nlohmann::json calibration_json(const HostFacts& host, const Calibration& c);

}  // namespace sysjourney::measure
