// Shared helpers for core tests.
#pragma once
#include <gtest/gtest.h>

#include "builtin_model.h"
#include "journey.h"
#include "profile.h"

namespace sysjourney {

inline const Model& test_model() {
  const auto& m = builtin_model();
  if (!m) ADD_FAILURE() << "embedded model failed to load: " << describe(m.error());
  return m.value();
}

// Runs a scenario given as "key=value,..." and fails the test on any error.
inline Journey journey_of(const std::string& text) {
  const Model& m = test_model();
  auto s = parse_scenario(text, m);
  if (!s) {
    ADD_FAILURE() << text << ": " << describe(s.error());
    return {};
  }
  auto j = run_journey(m, *s);
  if (!j) {
    ADD_FAILURE() << text << ": " << describe(j.error());
    return {};
  }
  return *j;
}

// A host profile with the facts every profile states: the preset it builds on, the clock, KPTI
// and PCID, and the probe directory's device.
inline Profile host_profile(const std::string& cpu, double ghz, bool kpti, bool pcid,
                            const std::string& device) {
  Profile p;
  p.cpu = cpu;
  p.ghz = ghz;
  p.kpti = kpti;
  p.pcid = pcid;
  p.device = device;
  return p;
}

inline double total_ns(const std::string& text) { return journey_of(text).totals.ns; }

}  // namespace sysjourney
