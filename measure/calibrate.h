// Fits the model to this machine and asks it to predict what it was not fitted on.
// Pure logic over probe results and host facts: no OS calls, tested with scripted numbers.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/profile.h"
#include "measure/host.h"
#include "measure/probes.h"

namespace sysjourney::measure {

// What a probe times, in the model's vocabulary ("fd=file,cache=hit,api=pread,warm=on").
struct ProbeScenario {
  std::string id;
  std::string scenario;
  bool fitted;  // used to fit the profile; every other probe is a prediction
};
const std::vector<ProbeScenario>& probe_scenarios();

struct CalibratedProbe {
  ProbeResult measured;
  std::optional<double> model_ns;       // the base preset as it is
  std::optional<double> calibrated_ns;  // with the fitted host profile
  bool fitted = false;
};

struct Calibration {
  Profile profile;
  std::string preset;  // the CPU preset the profile builds on
  std::vector<CalibratedProbe> probes;
  std::vector<std::string> notes;  // what could not be fitted, and why
};

// The CPU preset closest to the host: vendor, Spectre v2 mitigation, virtualisation.
std::string closest_preset(const Model& model, const HostFacts& host);

Result<Calibration> calibrate(const Model& model, const HostFacts& host,
                              const std::vector<ProbeResult>& probes);

// "sysjourney.measure/1" with model_ns, calibrated_ns, fitted and ratio per probe, and the profile.
nlohmann::json calibration_json(const HostFacts& host, const Calibration& c);

}  // namespace sysjourney::measure
