#include "measure/calibrate.h"

#include <gtest/gtest.h>

#include "core/builtin_model.h"
#include "core/journey.h"
#include "measure/report.h"

namespace sysjourney::measure {
namespace {

const Model& test_model() { return *builtin_model(); }

HostFacts intel_guest() {
  HostFacts h;
  h.cpu_model = "Intel(R) Xeon(R) Processor";
  h.ghz = 2.0;
  h.kpti = false;
  h.pcid = true;
  h.virtualized = true;
  h.device = "virtio";
  h.mitigations = {{"spectre_v2", "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional"}};
  return h;
}

// Probe results with medians in the proportions of the model on a guest whose kernel is 1.5x
// slower than the preset says: the fit must find that and predict every probe.
std::vector<ProbeResult> scripted(const HostFacts& h) {
  Profile p;
  p.cpu = "kvm_guest";
  p.ghz = h.ghz;
  p.kpti = h.kpti;
  p.pcid = h.pcid;
  p.device = h.device;
  p.virtualized = true;
  p.mitigations = std::vector<std::string>{"eibrs"};
  p.scales = {{"trap", 3.0}, {"kernel", 1.5}};
  std::vector<ProbeResult> out;
  for (const auto& pm : probe_models()) {
    double total = 0;
    for (const auto& term : pm.terms) {
      auto s = parse_scenario(term.scenario, test_model());
      EXPECT_TRUE(s);
      auto j = run_journey(test_model(), *s, &p);
      EXPECT_TRUE(j);
      bool on = term.from_stage.empty();
      for (const auto& js : j->stages) {
        on = on || js.stage->id == term.from_stage;
        if (on) total += term.times * js.ns;
      }
    }
    ProbeResult r;
    r.id = pm.id;
    r.median_ns = total;
    r.p99_ns = total * 1.2;
    r.min_ns = total * 0.95;
    r.iterations = 1000;
    out.push_back(r);
  }
  ProbeResult skipped;
  skipped.id = "a_probe_of_a_later_version";
  skipped.skipped = "not measured here";
  out.push_back(skipped);
  return out;
}

TEST(Calibrate, FitsThroughCoreAndPredictsEveryProbe) {
  HostFacts h = intel_guest();
  auto c = calibrate(test_model(), h, scripted(h));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->preset, "kvm_guest");
  EXPECT_NEAR(c->profile.scales.at("kernel"), 1.5, 0.1);
  int predicted = 0;
  for (const auto& cp : c->probes) {
    if (!cp.measured.skipped.empty()) {
      EXPECT_FALSE(cp.predicted_ns);
      continue;
    }
    ASSERT_TRUE(cp.predicted_ns) << cp.measured.id;
    EXPECT_NEAR(*cp.predicted_ns / cp.measured.median_ns, 1.0, 0.05) << cp.measured.id;
    ++predicted;
  }
  EXPECT_EQ(predicted, int(probe_models().size()));
}

TEST(Calibrate, MeasureAndFitOfItsFileGiveTheSameAnswer) {
  HostFacts h = intel_guest();
  auto probes = scripted(h);
  probes[4].median_ns *= 1.7;  // a probe the model does not explain, so that the fit has work to do
  auto c = calibrate(test_model(), h, probes);
  ASSERT_TRUE(c);
  nlohmann::json from_measure = calibration_json(h, *c);
  auto doc = parse_measure_doc(measure_json(h, probes).dump());
  ASSERT_TRUE(doc);
  auto f = fit(test_model(), *doc);
  ASSERT_TRUE(f);
  EXPECT_EQ(from_measure.dump(), fit_json(*doc, *f).dump());
  // And a second fit of the answer itself (it is still a measure document) agrees too.
  auto again = parse_measure_doc(from_measure.dump());
  ASSERT_TRUE(again);
  auto f2 = fit(test_model(), *again);
  ASSERT_TRUE(f2);
  for (std::size_t i = 0; i < f->probes.size(); ++i) {
    EXPECT_EQ(f->probes[i].predicted_ns, f2->probes[i].predicted_ns) << f->probes[i].id;
  }
}

TEST(Calibrate, ClosestPresetFollowsTheHostsOwnWords) {
  HostFacts amd;
  amd.cpu_model = "AMD EPYC 7763 64-Core Processor";
  amd.mitigations = {
      {"spectre_v2",
       "Mitigation: Retpolines; IBPB: conditional; IBRS_FW; STIBP: always-on; RSB filling; "
       "PBRSB-eIBRS: Not affected; BHI: Not affected"},
      {"spec_rstack_overflow", "Mitigation: Safe RET"}};
  EXPECT_EQ(closest_preset(test_model(), amd), "amd_zen3");
  amd.virtualized = true;
  EXPECT_EQ(closest_preset(test_model(), amd), "amd_zen3_guest");
  amd.cpu_model = "AMD EPYC 9654 96-Core Processor";
  amd.virtualized = false;
  amd.mitigations = {{"spectre_v2",
                      "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; STIBP: always-on; "
                      "RSB filling; PBRSB-eIBRS: Not affected; BHI: Not affected"},
                     {"spec_rstack_overflow", "Mitigation: Safe RET"}};
  EXPECT_EQ(closest_preset(test_model(), amd), "amd_zen4");
  HostFacts intel;
  intel.cpu_model = "Intel(R) Core(TM) i7-6700K CPU @ 4.00GHz";
  intel.kpti = true;
  intel.mitigations = {{"meltdown", "Mitigation: PTI"},
                       {"spectre_v2",
                        "Mitigation: IBRS; IBPB: conditional; STIBP: conditional; RSB filling; "
                        "PBRSB-eIBRS: Not affected; BHI: Not affected"},
                       {"mds", "Mitigation: Clear CPU buffers; SMT vulnerable"}};
  EXPECT_EQ(closest_preset(test_model(), intel), "intel_ibrs_legacy");
  EXPECT_EQ(closest_preset(test_model(), intel_guest()), "kvm_guest");
}

}  // namespace
}  // namespace sysjourney::measure
