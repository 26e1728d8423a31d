#include "fit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "builtin_model.h"
#include "journey.h"
#include "scenario.h"
#include "test_util.h"

namespace sysjourney {
namespace {

const Model& model() {
  static const Model m = *builtin_model();
  return m;
}

// The host of a synthetic document: an Intel guest like the kvm_guest preset.
nlohmann::json intel_guest_host() {
  return {{"cpu_model", "Intel(R) Xeon(R) Processor"},
          {"ghz", 2.1},
          {"kernel", "6.18.0"},
          {"kpti", false},
          {"pcid", true},
          {"virtualized", true},
          {"device", "virtio"},
          {"mitigations",
           {{"meltdown", "Not affected"},
            {"spectre_v2",
             "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; PBRSB-eIBRS: SW sequence; "
             "BHI: Vulnerable"}}}};
}

// A probe's time on a machine whose factors are `truth` (times the preset's), computed
// straight from journeys, not through the fit's own split.
double truth_ns(const ProbeModel& pm, const Profile& profile) {
  double total = 0;
  for (const auto& term : pm.terms) {
    auto s = parse_scenario(term.scenario, model());
    EXPECT_TRUE(s);
    auto j = run_journey(model(), *s, &profile);
    EXPECT_TRUE(j) << (j ? "" : j.error().message);
    bool counting = term.from_stage.empty();
    for (const auto& js : j->stages) {
      counting = counting || js.stage->id == term.from_stage;
      if (counting) total += term.times * js.ns;
    }
  }
  return total;
}

MeasureDoc synthetic(const std::map<std::string, double>& truth) {
  const CpuPreset* preset = model().find_cpu("kvm_guest");
  Profile p = host_profile("kvm_guest", 2.1, /*kpti=*/false, /*pcid=*/true, "virtio");
  p.virtualized = true;
  p.mitigations = std::vector<std::string>{"eibrs"};
  for (const auto& key : profile_scales()) {
    auto it = preset->scales.find(key);
    double base = it == preset->scales.end() ? 1.0 : it->second;
    auto t = truth.find(key);
    p.scales[key] = base * (t == truth.end() ? 1.0 : t->second);
  }
  nlohmann::json doc = {{"schema", "sysjourney.measure/1"},
                        {"host", intel_guest_host()},
                        {"probes", nlohmann::json::array()}};
  for (const auto& pm : probe_models())
    doc["probes"].push_back({{"id", pm.id}, {"median_ns", truth_ns(pm, p)}});
  auto d = parse_measure_doc(doc.dump());
  EXPECT_TRUE(d) << (d ? "" : d.error().message);
  return *d;
}

// The item whose `key` is `value`; a failure, and an empty item, when there is none.
template <class T>
const T& find_or_fail(const std::vector<T>& items, std::string T::*key, const std::string& value,
                      const char* what) {
  for (const T& x : items)
    if (x.*key == value) return x;
  static const T none{};
  ADD_FAILURE() << "no " << what << " " << value;
  return none;
}

const FitParameter& param(const Fit& f, const std::string& name) {
  return find_or_fail(f.parameters, &FitParameter::name, name, "parameter");
}

const FitProbe& probe(const Fit& f, const std::string& id) {
  return find_or_fail(f.probes, &FitProbe::id, id, "probe");
}

TEST(Fit, RecoversTheFactorsADocumentWasMadeFrom) {
  const std::map<std::string, double> truth = {
      {"user", 1.2}, {"trap", 0.7}, {"kernel", 1.6}, {"wake", 1.8}, {"device", 0.5}};
  MeasureDoc doc = synthetic(truth);
  auto f = fit(model(), doc);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->preset, "kvm_guest");
  for (const char* name : {"user", "trap", "kernel", "wake"}) {
    EXPECT_TRUE(param(*f, name).fitted) << name;
    EXPECT_NEAR(param(*f, name).value, truth.at(name), 0.05 * truth.at(name)) << name;
  }
  // The device and a guest's exits are paid by the same two probes: together they are right.
  EXPECT_NEAR(param(*f, "device").value, 0.5, 0.1);
  // No mitigation taxes anything here, so nothing can fit the tax factor.
  EXPECT_FALSE(param(*f, "tax").fitted);
  for (const auto& p : f->probes) {
    ASSERT_TRUE(p.measured_ns && p.predicted_ns) << p.id;
    EXPECT_NEAR(*p.predicted_ns / *p.measured_ns, 1.0, 0.05) << p.id;
    EXPECT_NEAR(p.calibrated_ns / *p.measured_ns, 1.0, 0.05) << p.id;
  }
  EXPECT_EQ(f->within, f->predicted);
  EXPECT_EQ(f->predicted, int(probe_models().size()));
}

TEST(Fit, WithTheTrueFactorsAtOneTheModelIsThePreset) {
  MeasureDoc doc = synthetic({});
  auto f = fit(model(), doc);
  ASSERT_TRUE(f);
  for (const auto& p : f->probes) EXPECT_NEAR(p.model_ns / *p.measured_ns, 1.0, 1e-6) << p.id;
  for (const auto& p : f->parameters) EXPECT_NEAR(p.value, 1.0, 0.02) << p.name;
}

TEST(Fit, LeaveOneOutReallyLeavesTheProbeOut) {
  MeasureDoc doc = synthetic({{"kernel", 1.4}});
  auto before = fit(model(), doc);
  ASSERT_TRUE(before);
  // Make one probe wildly wrong: its own prediction must not move at all, since the fit that
  // predicts it never saw it; its calibrated value (fitted on everything) does move.
  for (auto& p : doc.probes)
    if (p.id == "read_pipe") p.median_ns = *p.median_ns * 2;
  auto after = fit(model(), doc);
  ASSERT_TRUE(after);
  const FitProbe& b = probe(*before, "read_pipe");
  const FitProbe& a = probe(*after, "read_pipe");
  EXPECT_DOUBLE_EQ(*a.predicted_ns, *b.predicted_ns);
  EXPECT_GT(a.calibrated_ns, b.calibrated_ns * 1.01);
  EXPECT_FALSE(within_band(*a.measured_ns, *a.predicted_ns));
  // Every other probe's prediction saw the bad probe, so some of them moved.
  double moved = 0;
  for (const auto& p : after->probes) {
    if (p.id != "read_pipe")
      moved = std::max(moved, std::abs(*p.predicted_ns / *probe(*before, p.id).predicted_ns - 1));
  }
  EXPECT_GT(moved, 1e-4);
}

TEST(Fit, AFactorWithOneProbeStaysAtThePreset) {
  nlohmann::json doc = {{"schema", "sysjourney.measure/1"},
                        {"host", intel_guest_host()},
                        {"probes",
                         {{{"id", "function_call"}, {"median_ns", 10.0}},
                          {{"id", "read_direct"}, {"median_ns", 50000.0}},
                          {{"id", "read_pipe"}, {"skipped", "no pipes here"}}}}};
  auto d = parse_measure_doc(doc.dump());
  ASSERT_TRUE(d);
  auto f = fit(model(), *d);
  ASSERT_TRUE(f);
  EXPECT_FALSE(param(*f, "device").fitted);  // only read_direct pays the device
  EXPECT_EQ(param(*f, "device").value, 1.0);
  EXPECT_FALSE(probe(*f, "read_pipe").measured_ns);
  EXPECT_FALSE(probe(*f, "read_pipe").predicted_ns);
  EXPECT_GT(probe(*f, "read_pipe").model_ns, 0);
}

TEST(Fit, MissingHostFactsGetDefaultsThatAreNamed) {
  auto d = parse_measure_doc(R"({"schema": "sysjourney.measure/1",
                                 "probes": [{"id": "syscall_getppid", "median_ns": 100}]})");
  ASSERT_TRUE(d);
  auto f = fit(model(), *d);
  ASSERT_TRUE(f);
  std::string all;
  for (const auto& s : f->defaults) all += s + "\n";
  EXPECT_NE(all.find("host.ghz missing"), std::string::npos) << all;
  EXPECT_NE(all.find("host.mitigations missing"), std::string::npos) << all;
  EXPECT_NE(all.find("host.device missing"), std::string::npos) << all;
  auto j = fit_json(*d, *f);
  EXPECT_EQ(j["defaults"].size(), f->defaults.size());
}

TEST(Fit, AnUnknownMitigationTextIsNotedAndThePresetsAreUsed) {
  nlohmann::json host = intel_guest_host();
  host["mitigations"]["spectre_v2"] = "Mitigation: Something new";
  nlohmann::json doc = {{"schema", "sysjourney.measure/1"},
                        {"host", host},
                        {"probes", {{{"id", "syscall_getppid"}, {"median_ns", 160.0}}}}};
  auto d = parse_measure_doc(doc.dump());
  ASSERT_TRUE(d);
  auto f = fit(model(), *d);
  ASSERT_TRUE(f);
  ASSERT_FALSE(f->notes.empty());
  EXPECT_NE(f->notes[0].find("Mitigation: Something new"), std::string::npos);
}

TEST(Fit, TheHostsMitigationsPickThePreset) {
  nlohmann::json host = {{"cpu_model", "AMD EPYC 7B13 64-Core Processor"},
                         {"ghz", 2.45},
                         {"virtualized", true},
                         {"mitigations",
                          {{"spectre_v2",
                            "Mitigation: Retpolines; IBPB: conditional; IBRS_FW; STIBP: disabled; "
                            "RSB filling; PBRSB-eIBRS: Not affected; BHI: Not affected"},
                           {"spec_rstack_overflow", "Mitigation: Safe RET"}}}};
  nlohmann::json doc = {
      {"schema", "sysjourney.measure/1"}, {"host", host}, {"probes", nlohmann::json::array()}};
  auto d = parse_measure_doc(doc.dump());
  ASSERT_TRUE(d);
  auto f = fit(model(), *d);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->preset, "amd_zen3_guest");
  ASSERT_TRUE(f->profile.mitigations);
  EXPECT_EQ(*f->profile.mitigations,
            (std::vector<std::string>{"retpoline", "rsb_fill", "safe_ret"}));
  host["virtualized"] = false;
  doc["host"] = host;
  auto f2 = fit(model(), *parse_measure_doc(doc.dump()));
  ASSERT_TRUE(f2);
  EXPECT_EQ(f2->preset, "amd_zen3");
}

TEST(Fit, BadDocumentsAreRefusedWithTheField) {
  struct Case {
    const char* text;
    const char* field;
  };
  for (const Case& c :
       {Case{"not json", "file"}, Case{R"({"schema": "other/1"})", "schema"},
        Case{R"({"schema": "sysjourney.measure/1"})", "probes"},
        Case{R"({"schema": "sysjourney.measure/1", "probes": [{"median_ns": 3}]})", "probes[0].id"},
        Case{R"({"schema": "sysjourney.measure/1", "probes": [{"id": "x", "median_ns": -3}]})",
             "probes[0].median_ns"},
        Case{R"({"schema": "sysjourney.measure/1", "host": {"ghz": 99}, "probes": []})",
             "host.ghz"}}) {
    auto d = parse_measure_doc(c.text);
    ASSERT_FALSE(d) << c.text;
    EXPECT_EQ(d.error().field, c.field) << c.text;
  }
}

TEST(Fit, TheAnswerCarriesTheContractsFields) {
  MeasureDoc doc = synthetic({{"kernel", 1.3}});
  auto f = fit(model(), doc);
  ASSERT_TRUE(f);
  auto j = fit_json(doc, *f);
  EXPECT_EQ(j["schema"], "sysjourney.measure/1");
  EXPECT_EQ(j["preset"], "kvm_guest");
  for (const auto& p : j["probes"]) {
    for (const char* k : {"model_ns", "calibrated_ns", "predicted_ns", "ratio", "within"})
      EXPECT_TRUE(p.contains(k)) << k;
  }
  EXPECT_EQ(j["parameters"].size(), 8u);
  EXPECT_EQ(j["verdict"]["predicted"], f->predicted);
  EXPECT_EQ(j["profile"]["schema"], "sysjourney.profile/1");
}

TEST(Fit, TheBandIsThirtyPercentOfTheMeasurement) {
  EXPECT_TRUE(within_band(100, 130));
  EXPECT_TRUE(within_band(100, 70));
  EXPECT_FALSE(within_band(100, 131));
  EXPECT_FALSE(within_band(100, 69));
}

TEST(Fit, AFactorAtTheFitsBoundStillMakesAProfileTheEngineTakes) {
  // A host whose flushes cost nothing (a VM whose host ignores them): the fit drives the flush
  // factor to its bound, 1/100 of the preset. The profile it writes must still be accepted by
  // run --profile and /api/run?profile= (factors 0.01 to 100), exp(log) rounding and all.
  auto f = fit(model(), synthetic({{"flush", 1e-4}}));
  ASSERT_TRUE(f) << f.error().message;
  for (const auto& [k, v] : f->profile.scales) {
    EXPECT_GE(v, 0.01) << k;
    EXPECT_LE(v, 100) << k;
  }
  auto back = parse_profile(profile_to_json(f->profile));
  EXPECT_TRUE(back) << (back ? "" : back.error().message);
}

}  // namespace
}  // namespace sysjourney
