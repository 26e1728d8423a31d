// Journeys and the model in the forms other tools read: JSON (versioned contracts from
// docs/contracts.md), CSV, and Chrome Trace Event JSON (opens in Perfetto).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "journey.h"
#include "model.h"

namespace sysjourney {

// "sysjourney.journey/1" as compact JSON text. Percentiles are added to the totals when given.
// Written directly into one string (not through a JSON DOM): the server answers with it
// thousands of times a second.
std::string journey_json(const Journey& j, const std::optional<Percentiles>& p = std::nullopt);

// "sysjourney.compare/1": both journeys, the ratio b/a and a row per stage id.
std::string compare_json(const Journey& a, const Journey& b);

// "sysjourney.model/1": options, presets, devices, paths, stages and sources (for the page).
nlohmann::json model_json(const Model& m, const std::string& version);

// One header line and one line per stage.
std::string journey_csv(const Journey& j);

// Trace Event Format: one complete event per stage, one thread per lane, times in µs.
nlohmann::json journey_trace_event(const Journey& j);

}  // namespace sysjourney
