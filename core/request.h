// What the CLI and the API both take from a user before the engine runs, in one place so that
// the two front ends cannot drift: the bound on run's samples and compare's two sides.
#pragma once
#include <array>
#include <string>
#include <string_view>

#include "journey.h"
#include "model.h"
#include "result.h"
#include "scenario.h"

namespace sysjourney {

// The most samples run takes (--samples N, samples=N): p50 and p99 have settled long before,
// and one request to the server must not cost seconds of CPU.
constexpr int kMaxSamples = 100000;

// compare: each side's text ("cache=hit,fd=pipe", as apply_scenario_text reads it) applied on
// top of `base`, then run. An error's message starts with that side's name from `names` ("--a"
// on the command line, "a" in the API).
Result<std::array<Journey, 2>> run_compare(const Model& model, const Scenario& base,
                                           const std::array<std::string, 2>& texts,
                                           const std::array<std::string_view, 2>& names);

}  // namespace sysjourney
