// `sysjourney fit`: a measure document from any machine in, the model fitted to it out.
// Pure: the document is text, the answer is JSON; `measure` calls the same function.
//
// A probe's time is linear in a few physical factors (how fast this CPU runs user code, the
// trap, the kernel's own work, the mitigations' per-event taxes, context switches and
// wake-ups, the device, a guest's VM exits), each multiplying what the closest preset says.
// The fit minimises the squared log error of every probe (relative error, robust to one
// probe being far off) plus a prior that pulls each factor towards the preset. Leaving each
// probe out in turn and predicting it from the others is the honest test of the structure.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model.h"
#include "profile.h"
#include "result.h"

namespace sysjourney {

// What a probe times, in the model's terms: a sum of journeys, each possibly counted from one
// of its stages on and several times over (a ping-pong round trip is two writes and two
// blocking reads).
struct ProbeTerm {
  std::string scenario;
  double times = 1;
  std::string from_stage;  // "" = the whole journey
};
struct ProbeModel {
  std::string id;
  std::vector<ProbeTerm> terms;
};
// Every probe id of the sysjourney.measure/1 contract that the model can price.
const std::vector<ProbeModel>& probe_models();
const ProbeModel* find_probe_model(const std::string& id);

struct HostInfo {
  std::string cpu_model;
  std::optional<double> ghz;
  std::string kernel;
  std::optional<bool> kpti, pcid, virtualized;
  std::map<std::string, std::string> mitigations;  // vulnerabilities/<file> -> text
  bool has_mitigations = false;                    // the document had the field at all
  std::string device;                              // nvme, virtio, ... or ""/"unknown"
};

struct ProbeMeasurement {
  std::string id;
  std::optional<double> median_ns;  // unset when skipped
};

struct MeasureDoc {
  HostInfo host;
  std::vector<ProbeMeasurement> probes;
  // The document as read; fit answers with it plus its own fields. (Shared: a MeasureDoc is
  // copied into results, and the document can be large.)
  std::shared_ptr<const nlohmann::json> raw;
};

// Reads a "sysjourney.measure/1" document. Host facts may be missing (defaults are named in
// the answer); a probe needs an id and, unless skipped, a positive median_ns.
Result<MeasureDoc> parse_measure_doc(const std::string& text);

struct FitParameter {
  std::string name;     // a profile_scales() key
  double value = 1;     // multiplies the preset
  double sigma = 0;     // one standard error, relative (of the log)
  bool fitted = false;  // false: fewer than two probes depend on it, so it stays at the preset
  std::vector<std::string> probes;  // the probes it matters to (at least 2% of their time)
};

struct FitProbe {
  std::string id;
  std::optional<double> measured_ns;
  double model_ns = 0;                 // the closest preset, unfitted, at the host's clock
  double calibrated_ns = 0;            // fitted on every probe
  std::optional<double> predicted_ns;  // fitted on every other probe (leave one out)
};

struct Fit {
  std::string preset;
  Profile profile;  // what `run --profile` applies
  std::vector<FitParameter> parameters;
  std::vector<FitProbe> probes;
  std::vector<std::string> defaults;  // host facts that were missing, and what was assumed
  std::vector<std::string> notes;
  int within = 0, predicted = 0;  // predictions within ±30% of the measurement, of all
};

// The preset closest to the host: vendor, guest or not, then the mitigations they share.
std::string closest_preset(const Model& model, const HostInfo& host,
                           const std::vector<std::string>& mitigations);

Result<Fit> fit(const Model& model, const MeasureDoc& doc);

// The document with preset, per probe model_ns/calibrated_ns/predicted_ns/ratio, the
// parameters, the profile, the verdict and the defaults added.
nlohmann::json fit_json(const MeasureDoc& doc, const Fit& f);

// The band a prediction must fall in: |predicted - measured| <= 30% of measured.
constexpr double kWithin = 0.30;
bool within_band(double measured_ns, double predicted_ns);

}  // namespace sysjourney
