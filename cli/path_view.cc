#include "cli/path_view.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/terminal.h"
#include "measure/report.h"

namespace sysjourney {
namespace {

constexpr const char* kUnnamedRule =
    "unnamed: called, but no stage on the model's path names it; each of its calls counts for the "
    "stage of "
    "the nearest named function before it in call order";

std::string joined(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Wraps a comma-separated list under a label at `indent` columns, within `width`.
std::string wrapped(const std::string& label, const std::vector<std::string>& items, int indent,
                    int width) {
  std::string out = std::string(indent, ' ') + fmt::format("{:<10}", label);
  size_t col = out.size();
  const size_t start = col;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? ", " : "");
    if (col > start && col + item.size() > static_cast<size_t>(width)) {
      out += "\n" + std::string(start, ' ');
      col = start;
    }
    out += item;
    col += item.size();
  }
  return out + "\n";
}

nlohmann::json scenario_object(const std::vector<std::pair<std::string, std::string>>& pairs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : pairs) {
    if (v == "on" || v == "off") {
      j[k] = v == "on";
    } else if (k == "ghz" || k == "bytes" || k == "batch") {
      try {
        j[k] = std::stod(v);
        if (k != "ghz") j[k] = static_cast<long long>(std::stod(v));
      } catch (const std::exception&) {
        j[k] = v;
      }
    } else {
      j[k] = v;
    }
  }
  return j;
}

}  // namespace

nlohmann::json path_json(const measure::PathReport& r) {
  const bool counted = r.mapping.tracer == "function";
  nlohmann::json j;
  j["schema"] = "sysjourney.path/1";
  j["host"] = measure::to_json(r.host);
  j["scenario"] = scenario_object(r.scenario);
  j["path"] = r.path_id;
  j["syscall"] = r.syscall;
  j["tracer"] = r.mapping.tracer;
  j["tracefs"] = r.tracefs;
  j["mounted"] = r.mounted;
  j["missing"] = r.missing;
  j["syscalls"] = r.syscalls;
  j["totals"] = counted ? nlohmann::json{{"calls", r.mapping.calls},
                                         {"irq_calls", r.mapping.irq_calls},
                                         {"unattributed_calls", r.mapping.unattributed_calls}}
                        : nlohmann::json{{"calls", nullptr}};
  nlohmann::json functions = nlohmann::json::array();
  for (const measure::PathFunction& f : r.mapping.functions) {
    nlohmann::json fj;
    fj["name"] = f.name;
    if (counted) {
      fj["calls"] = f.calls;
    } else {
      fj["event"] = f.event;
      fj["count"] = f.calls;
    }
    fj["stage"] = f.stage ? nlohmann::json(*f.stage) : nlohmann::json(nullptr);
    if (f.stage && !f.on_path) fj["on_path"] = false;
    if (f.irq) fj["irq"] = true;
    if (!f.near.empty()) {
      nlohmann::json near = nlohmann::json::object();
      for (const auto& [id, n] : f.near) near[id] = n;
      fj["counted_in"] = near;
    }
    functions.push_back(fj);
  }
  j["functions"] = functions;
  nlohmann::json stages = nlohmann::json::array();
  for (const measure::PathStage& s : r.mapping.stages) {
    nlohmann::json sj;
    sj["id"] = s.id;
    sj["title"] = s.title;
    sj["lane"] = s.lane;
    sj["ftrace_visible"] = s.ftrace_visible;
    sj["named"] = s.named;
    sj["seen"] = s.seen;
    sj["not_seen"] = counted ? nlohmann::json(s.not_seen) : nlohmann::json(nullptr);
    sj["unnamed"] = s.unnamed;
    if (counted) {
      sj["calls"] = s.calls;
      sj["named_calls"] = s.named_calls;
      sj["unnamed_calls"] = s.unnamed_calls;
    } else {
      sj["calls"] = nullptr;
      sj["events"] = s.events;
    }
    stages.push_back(sj);
  }
  j["stages"] = stages;
  j["unnamed_rule"] = kUnnamedRule;
  j["notes"] = r.notes;
  return j;
}

std::string render_path(const measure::PathReport& r, const Style& style) {
  const bool c = style.color;
  const bool counted = r.mapping.tracer == "function";
  const int width = std::max(60, style.width);
  std::string out =
      paint(c, "1", fmt::format("The kernel path of one {} on this machine", r.syscall)) + "\n";
  std::vector<std::string> facts;
  if (!r.host.kernel.empty()) facts.push_back("Linux " + r.host.kernel);
  facts.push_back("model path " + r.path_id);
  facts.push_back(counted ? "function tracer" : "tracepoints (no function tracer)");
  facts.push_back(r.tracefs + (r.mounted ? " (mounted for this run)" : ""));
  out += "  " + paint(c, "2", joined(facts, " · ")) + "\n";
  if (counted)
    out += fmt::format("  {} function calls", r.mapping.calls) +
           (r.mapping.irq_calls ? fmt::format(" ({} in interrupts)", r.mapping.irq_calls) : "") +
           (r.mapping.unattributed_calls
                ? fmt::format(", {} before any stage", r.mapping.unattributed_calls)
                : "") +
           "\n";
  if (!r.syscalls.empty()) out += "  syscalls between the markers: " + joined(r.syscalls) + "\n";
  for (const std::string& m : r.missing) out += paint(c, "33", "  missing: " + m) + "\n";

  // Functions in order of first call.
  size_t name_w = 8;
  for (const auto& f : r.mapping.functions) name_w = std::max(name_w, f.name.size());
  name_w = std::min<size_t>(name_w, 44);
  out +=
      "\n" +
      paint(c, "1", counted ? "  Functions, in order of first call" : "  Tracepoints, in order") +
      "\n";
  out += paint(c, "2",
               fmt::format("  {:>3}  {:<{}}  {:>5}  {}", "#", counted ? "function" : "fires in",
                           name_w, counted ? "calls" : "count", "stage")) +
         "\n";
  int i = 0;
  for (const auto& f : r.mapping.functions) {
    std::string stage;
    if (f.irq)
      stage = paint(c, "2", "(interrupt)");
    else if (f.stage && f.on_path)
      stage = *f.stage;
    else if (f.stage)
      stage = paint(c, "2", *f.stage + " (off this path)");
    else
      stage = paint(c, "2", "—");
    if (!f.near.empty()) {
      std::vector<std::string> near;
      for (const auto& [id, n] : f.near) near.push_back(id);
      stage += paint(c, "2", " counted in " + joined(near));
    }
    std::string name = f.name.empty() ? f.event : f.name;
    if (!counted && !f.name.empty()) name = f.name;
    out += fmt::format("  {:>3}  {:<{}}  {:>5}  {}{}\n", ++i, name, name_w, f.calls, stage,
                       counted ? "" : paint(c, "2", "  " + f.event));
  }

  // The path's stages. With tracepoints, most stages have none: those are listed on one line.
  out += "\n" + paint(c, "1", "  Stages of the model's path") + "\n";
  std::vector<std::string> silent;
  for (const auto& s : r.mapping.stages) {
    if (!counted && s.events == 0 && s.unnamed.empty()) {
      silent.push_back(s.id);
      continue;
    }
    std::string head = "  " + paint(c, "1", s.id);
    if (counted)
      head +=
          fmt::format(" · {} calls", s.calls) +
          (s.calls ? fmt::format(" ({} named, {} unnamed)", s.named_calls, s.unnamed_calls) : "");
    else
      head += fmt::format(" · {} events", s.events);
    if (s.lane == "user")
      head += paint(c, "2", " · user space: the kernel's tracer cannot see it");
    else if (!s.ftrace_visible)
      head += paint(c, "2", " · no tracer can attach here (model)");
    out += head + "\n";
    if (!s.seen.empty()) out += wrapped("seen", s.seen, 6, width);
    // What no kernel tracer can see is not news; the JSON still lists it.
    const bool invisible = s.lane == "user" || !s.ftrace_visible;
    if (counted && !invisible && !s.not_seen.empty())
      out += paint(c, "2", wrapped("not seen", s.not_seen, 6, width));
    if (!s.unnamed.empty()) out += paint(c, "36", wrapped("unnamed", s.unnamed, 6, width));
  }
  if (!silent.empty()) out += paint(c, "2", wrapped("no event:", silent, 2, width));
  out += "\n" + paint(c, "2", "  " + std::string(kUnnamedRule) + ".") + "\n";
  if (!counted)
    out += paint(c, "2",
                 "  With tracepoints, a stage's `seen` lists functions an event proves ran; what "
                 "the model "
                 "names beyond them may or may not have run.") +
           "\n";
  for (const std::string& n : r.notes) out += paint(c, "2", "  note: " + n) + "\n";
  return out;
}

Result<std::string> measure_path(measure::Os& os, const Model& model, const Scenario& scenario,
                                 const std::string& dir, bool json, const Style& style) {
  measure::PathOptions options;
  options.dir = dir;
  auto report = measure::trace_path(os, model, scenario, options);
  if (!report) return report.error();
  if (json) return path_json(*report).dump(2) + "\n";
  return render_path(*report, style);
}

}  // namespace sysjourney
