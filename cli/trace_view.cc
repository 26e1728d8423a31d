#include "cli/trace_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/terminal.h"
#include "core/units.h"

namespace sysjourney {
namespace {

double tenths(double ns) { return std::round(ns * 10) / 10; }

}  // namespace

std::string render_trace(const measure::TraceReport& r, bool color) {
  auto paint = [&](std::string_view code, const std::string& text) {
    return sysjourney::paint(color, code, text);
  };
  auto ratio = [&](double measured, std::optional<double> model) {
    if (!model || *model <= 0) return std::string("—");
    const double q = measured / *model;
    const std::string text = q >= 10 ? fmt::format("{:.0f}×", q) : fmt::format("{:.1f}×", q);
    return q > 2 || q < 0.5 ? paint("33", text) : text;
  };
  std::string out;
  out += paint("1", fmt::format("One cold pread(fd, buf, 16) through this kernel, median of {} "
                                "traced reads",
                                r.samples.size())) +
         "\n";
  out += fmt::format("  tracefs {}{} · clock {} ({} resolution) · model {}{}\n\n", r.tracefs,
                     r.mounted ? " (mounted for this run, unmounted after)" : "", r.clock,
                     format_ns(r.resolution_ns), r.scenario,
                     r.profiled ? " with the fitted profile" : "");
  std::vector<std::string> names;
  size_t name_w = display_width("segment");
  for (const measure::TraceSegment& s : r.segments) {
    names.push_back(s.from + " → " + s.to);
    name_w = std::max(name_w, display_width(names.back()));
  }
  const size_t num_w = 9;
  out += "  " + pad_right("segment", name_w) + "  " + pad_left("measured", num_w) + "  " +
         pad_left("model", num_w) + "  " + pad_left("ratio", 6) + "  model stages\n";
  for (size_t i = 0; i < r.segments.size(); ++i) {
    const measure::TraceSegment& s = r.segments[i];
    std::string stages;
    for (const std::string& id : s.stages) stages += (stages.empty() ? "" : " ") + id;
    out += "  " + pad_right(names[i], name_w) + "  " + pad_left(format_ns(s.measured_ns), num_w) +
           "  " + pad_left(s.model_ns ? format_ns(*s.model_ns) : "—", num_w) + "  " +
           pad_left(ratio(s.measured_ns, s.model_ns), 6) + "  " + stages + "\n";
    out += "    " + paint("2", s.what) + "\n";
  }
  out += "  " + paint("1", pad_right("total", name_w)) + "  " +
         pad_left(format_ns(r.total_ns), num_w) + "  " +
         pad_left(r.model_total_ns ? format_ns(*r.model_total_ns) : "—", num_w) + "  " +
         pad_left(ratio(r.total_ns, r.model_total_ns), 6) + "\n";
  if (r.untraced_ns)
    out += "  " + pad_right("untraced pread", name_w) + "  " +
           pad_left(format_ns(*r.untraced_ns), num_w) + "  " +
           paint("2", "the same cold read with no events on (median)") + "\n";
  out += paint("2",
               "  Each row is a median over the reads, so the rows need not add up to the "
               "total; each enabled tracepoint adds its own cost to the segment it ends.") +
         "\n";
  for (const std::string& n : r.notes) out += "  note: " + n + "\n";
  return out;
}

nlohmann::json trace_json(const measure::TraceReport& r) {
  auto opt = [](std::optional<double> v) {
    return v ? nlohmann::json(tenths(*v)) : nlohmann::json();
  };
  nlohmann::json j;
  j["schema"] = "sysjourney.trace/1";
  j["tracefs"] = r.tracefs;
  j["mounted"] = r.mounted;
  j["clock"] = r.clock;
  j["resolution_ns"] = std::round(r.resolution_ns * 1000) / 1000;
  j["scenario"] = r.scenario;
  j["profiled"] = r.profiled;
  j["events"] = r.events;
  j["segments"] = nlohmann::json::array();
  for (const measure::TraceSegment& s : r.segments) {
    nlohmann::json seg;
    seg["from"] = s.from;
    seg["to"] = s.to;
    seg["what"] = s.what;
    seg["stages"] = s.stages;
    seg["measured_ns"] = tenths(s.measured_ns);
    seg["model_ns"] = opt(s.model_ns);
    seg["ratio"] = s.model_ns && *s.model_ns > 0
                       ? nlohmann::json(std::round(s.measured_ns / *s.model_ns * 100) / 100)
                       : nlohmann::json();
    j["segments"].push_back(seg);
  }
  j["total"] = {{"measured_ns", tenths(r.total_ns)}, {"model_ns", opt(r.model_total_ns)}};
  j["untraced_ns"] = opt(r.untraced_ns);
  j["samples"] = nlohmann::json::array();
  for (const measure::TraceSample& s : r.samples) {
    nlohmann::json seg_ns = nlohmann::json::array();
    for (double d : s.segment_ns) seg_ns.push_back(tenths(d));
    j["samples"].push_back({{"segments_ns", seg_ns},
                            {"total_ns", tenths(s.total_ns)},
                            {"pages_added", s.pages_added},
                            {"irq", s.irq.empty() ? nlohmann::json() : nlohmann::json(s.irq)},
                            {"off_cpu_ns", opt(s.off_cpu_ns)}});
  }
  j["notes"] = r.notes;
  return j;
}

}  // namespace sysjourney
