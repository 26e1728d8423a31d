// Terminal renderings of journeys, comparisons, the model's lists and stage explanations.
#pragma once
#include <optional>
#include <string>

#include "core/journey.h"
#include "core/model.h"

namespace sysjourney {

struct Style {
  bool color = false;
  int width = 100;  // terminal columns
};

std::string render_journey(const Journey& j, const Style& style,
                           const std::optional<Percentiles>& p = std::nullopt);
std::string render_compare(const Journey& a, const Journey& b, const Style& style);
std::string render_list(const Model& m, const std::string& what, const Style& style);
std::string render_explain(const Model& m, const Stage& s, const Style& style);

}  // namespace sysjourney

namespace sysjourney::measure {
struct Measurement;
}

namespace sysjourney {
// Host facts, then measured / default model / calibrated model / ratio per probe.
std::string render_measure(const Model& model, const measure::Measurement& m, const Style& style);
struct Fit;
// The fit of a measure document: preset, factors, and per probe model, calibrated, predicted.
std::string render_fit(const Model& model, const Fit& f, const Style& style);
}  // namespace sysjourney
