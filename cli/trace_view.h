// `sysjourney measure --trace`: the report of measure/trace.h as a terminal table or as the
// sysjourney.trace/1 JSON (docs/contracts.md).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "measure/trace_events.h"

namespace sysjourney {

// A table: segment, measured, model, ratio, the model stages it covers; then the notes.
std::string render_trace(const measure::TraceReport& report, bool color);

// {"schema": "sysjourney.trace/1", "tracefs": ..., "segments": [{"from", "to", "what", "stages",
//  "measured_ns", "model_ns", "ratio"}], "total": {...}, "samples": [...], "notes": [...]}.
nlohmann::json trace_json(const measure::TraceReport& report);

}  // namespace sysjourney
