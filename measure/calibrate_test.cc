#include "measure/calibrate.h"

#include <gtest/gtest.h>

#include "core/builtin_model.h"
#include "core/journey.h"

namespace sysjourney::measure {
namespace {

const Model& model() { return *builtin_model(); }

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

// Measurements made by the model itself under a known profile: calibration must find that
// profile again, and then predict every other probe exactly.
std::vector<ProbeResult> synthetic(const Profile& truth) {
  std::vector<ProbeResult> out;
  for (const auto& ps : probe_scenarios()) {
    ProbeResult r;
    r.id = ps.id;
    auto s = parse_scenario(ps.scenario, model());
    EXPECT_TRUE(s.ok());
    auto j = run_journey(model(), *s, &truth);
    EXPECT_TRUE(j.ok());
    r.median_ns = j->totals.ns;
    if (ps.id == "pipe_wakeup") r.median_ns = 0;  // filled below from the same rule as calibrate
    r.p99_ns = r.median_ns * 1.2;
    r.iterations = 1000;
    out.push_back(r);
  }
  return out;
}

Profile truth_for(const HostFacts& h) {
  Profile t;
  t.cpu = closest_preset(model(), h);
  t.ghz = h.ghz;
  t.kpti = h.kpti;
  t.pcid = h.pcid;
  t.device = h.device;
  // Wake-ups are not fitted: calibration keeps the preset's prior (1), so the truth must too.
  t.scales = {{"user", 1.3}, {"trap", 2.5}, {"kernel", 0.7}, {"wake", 1}, {"device", 1}, {"none", 1}};
  t.device_ns = 22000;
  return t;
}

TEST(Calibrate, RecoversAKnownProfile) {
  HostFacts h = intel_guest();
  Profile truth = truth_for(h);
  auto probes = synthetic(truth);
  auto c = calibrate(model(), h, probes);
  ASSERT_TRUE(c.ok()) << describe(c.error());
  EXPECT_EQ(c->preset, "kvm_guest");
  EXPECT_NEAR(c->profile.scales["user"], 1.3, 1e-6);
  EXPECT_NEAR(c->profile.scales["trap"], 2.5, 1e-6);
  EXPECT_NEAR(c->profile.scales["kernel"], 0.7, 1e-6);
  ASSERT_TRUE(c->profile.device_ns);
  EXPECT_NEAR(*c->profile.device_ns, 22000, 1e-3);
  EXPECT_DOUBLE_EQ(*c->profile.ghz, 2.0);
  for (const auto& cp : c->probes) {
    if (cp.measured.median_ns == 0) continue;
    ASSERT_TRUE(cp.calibrated_ns) << cp.measured.id;
    EXPECT_NEAR(*cp.calibrated_ns, cp.measured.median_ns, 1e-6 * cp.measured.median_ns) << cp.measured.id;
  }
}

TEST(Calibrate, FittedFlagsFollowTheContract) {
  HostFacts h = intel_guest();
  auto c = calibrate(model(), h, synthetic(truth_for(h)));
  ASSERT_TRUE(c.ok());
  int fitted = 0;
  for (const auto& cp : c->probes) fitted += cp.fitted;
  EXPECT_EQ(fitted, 5) << "function_call, vdso, getppid, read_file_hit, read_direct";
  EXPECT_EQ(c->probes.size(), probe_scenarios().size());
}

TEST(Calibrate, SkippedProbesLeaveNotesNotCrashes) {
  HostFacts h = intel_guest();
  auto probes = synthetic(truth_for(h));
  for (auto& p : probes) {
    if (p.id == "read_direct" || p.id == "read_file_hit") p.skipped = "not supported here";
  }
  auto c = calibrate(model(), h, probes);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->profile.device_ns.has_value());
  EXPECT_GE(c->notes.size(), 2u);
  nlohmann::json j = calibration_json(h, *c);
  EXPECT_EQ(j["schema"], "sysjourney.measure/1");
  for (const auto& p : j["probes"]) {
    if (p.contains("skipped")) { EXPECT_FALSE(p.contains("ratio")) << p.dump(); }
  }
}

TEST(Calibrate, InconsistentMeasurementsFallBackToOneFactor) {
  HostFacts h = intel_guest();
  auto probes = synthetic(truth_for(h));
  for (auto& p : probes) {
    if (p.id == "read_file_hit") p.median_ns = 1;  // faster than a bare syscall: impossible
  }
  auto c = calibrate(model(), h, probes);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->profile.scales["trap"], c->profile.scales["kernel"]);
  EXPECT_FALSE(c->notes.empty());
}

TEST(Calibrate, ClosestPreset) {
  HostFacts amd;
  amd.cpu_model = "AMD EPYC 9R45";
  amd.virtualized = true;
  amd.kpti = true;
  amd.mitigations = {{"spec_rstack_overflow", "Mitigation: Safe RET"}};
  EXPECT_EQ(closest_preset(model(), amd), "epyc_guest_pti");
  amd.virtualized = false;
  amd.kpti = false;
  EXPECT_EQ(closest_preset(model(), amd), "amd_zen4");
  HostFacts intel = intel_guest();
  intel.virtualized = false;
  EXPECT_EQ(closest_preset(model(), intel), "intel_eibrs");
  intel.mitigations = {{"spectre_v2", "Mitigation: IBRS"}};
  intel.kpti = true;
  EXPECT_EQ(closest_preset(model(), intel), "intel_ibrs_legacy");
}

}  // namespace
}  // namespace sysjourney::measure
