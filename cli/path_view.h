// `sysjourney measure --path`: the report of measure/path_run.h as a terminal table or as the
// sysjourney.path/1 JSON of docs/contracts.md.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "cli/table.h"
#include "core/model.h"
#include "core/scenario.h"
#include "measure/os.h"
#include "measure/path_run.h"

namespace sysjourney {

// {"schema": "sysjourney.path/1", "host": {...}, "scenario": {...}, "tracer": "function",
//  "functions": [{"name": "vfs_read", "calls": 1, "stage": "vfs_read_checks"}, ...],
//  "stages": [{"id": "...", "named": [], "seen": [], "not_seen": [], "unnamed": [], "calls": 3}],
//  ...}. With tracepoints instead of the function tracer, "calls" and "not_seen" are null.
nlohmann::json path_json(const measure::PathReport& r);

// The functions in order of first call, then each stage of the path: calls, seen, not seen,
// unnamed; then what was missing and the notes.
std::string render_path(const measure::PathReport& r, const Style& style);

// What main runs for `measure --path`: the trace, rendered as a table or as JSON text.
Result<std::string> measure_path(measure::Os& os, const Model& model, const Scenario& scenario,
                                 const std::string& dir, bool json, const Style& style);

}  // namespace sysjourney
