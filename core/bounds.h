// The ranges that a model file, a profile, a scenario and a measure document are all held to:
// one copy each, so that a value one of them writes is never refused by another (a fitted
// profile is re-read by `run --profile`, a measure file's clock by `fit`).
#pragma once

namespace sysjourney::bounds {

// Clock rates in GHz: a preset's, --ghz, a profile's and a measured host's.
inline constexpr double kGhzMin = 0.5;
inline constexpr double kGhzMax = 6.0;

// A factor on what the preset says a class of stages costs. A profile's and the fit's lie in
// [kScaleMin, kScaleMax]; a preset's own scales need only be > 0 and at most kScaleMax. Below
// the minimum a fitted machine would be free; above the maximum, absurd.
inline constexpr double kScaleMin = 0.01;
inline constexpr double kScaleMax = 100;

}  // namespace sysjourney::bounds
