#include "format.h"

#include <cmath>
#include <fmt/format.h>

namespace sysjourney {

namespace {

// Three decimals keep golden files stable across compilers without losing anything visible.
double r3(double x) { return std::round(x * 1000.0) / 1000.0; }

nlohmann::json scenario_json(const ResolvedScenario& s) {
  return {{"op", s.in.op},       {"fd", s.in.fd},         {"cache", s.in.cache},
          {"device", s.device->id}, {"cpu", s.cpu->id},   {"ghz", s.ghz},
          {"kpti", s.kpti},      {"pcid", s.pcid},        {"bytes", s.in.bytes},
          {"tracer", s.in.tracer}, {"api", s.in.api},     {"batch", s.in.batch},
          {"direct", s.in.direct}, {"wait", s.in.wait},   {"nonblock", s.in.nonblock}};
}

nlohmann::json cost_json(const Cost& c) {
  nlohmann::json j = {{"unit", to_string(c.unit)}, {"low", c.low}, {"typ", c.typ}, {"high", c.high}};
  if (c.per_page_typ > 0) {
    j["per_page"] = {{"low", c.per_page_low}, {"typ", c.per_page_typ}, {"high", c.per_page_high}};
  }
  if (!c.source.empty()) j["source"] = c.source;
  return j;
}

}  // namespace

nlohmann::json journey_json(const Journey& j, const std::optional<Percentiles>& p) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& js : j.stages) {
    const Stage& st = *js.stage;
    stages.push_back({{"id", st.id},
                      {"title", st.title},
                      {"lane", to_string(st.lane)},
                      {"cycles", r3(js.cycles)},
                      {"ns", r3(js.ns)},
                      {"share", std::round(js.share * 1e6) / 1e6},
                      {"start_ns", r3(js.start_ns)},
                      {"cumulative_ns", r3(js.cumulative_ns)},
                      {"low_ns", r3(js.low_ns)},
                      {"high_ns", r3(js.high_ns)},
                      {"unit", to_string(js.unit)},
                      {"per", js.per},
                      {"on_cpu", st.on_cpu},
                      {"visible_to", st.visible_to},
                      {"functions", st.functions},
                      {"source", js.source},
                      {"explain", st.explain}});
  }
  const Totals& t = j.totals;
  nlohmann::json totals = {{"stages", t.stages},
                           {"cycles", r3(t.cycles)},
                           {"ns", r3(t.ns)},
                           {"on_cpu_ns", r3(t.on_cpu_ns)},
                           {"blocked_ns", r3(t.blocked_ns)},
                           {"low_ns", r3(t.low_ns)},
                           {"high_ns", r3(t.high_ns)},
                           {"strace_visible_stages", t.strace_visible_stages},
                           {"batch_ns", r3(t.batch_ns)}};
  if (p) {
    totals["p50_ns"] = r3(p->p50_ns);
    totals["p99_ns"] = r3(p->p99_ns);
    totals["samples"] = p->samples;
    totals["seed"] = p->seed;
  }
  return {{"schema", "sysjourney.journey/1"},
          {"scenario", scenario_json(j.scenario)},
          {"path", {{"id", j.path->id}, {"title", j.path->title}}},
          {"result", j.path->result},
          {"profiled", j.profiled},
          {"stages", stages},
          {"totals", totals}};
}

nlohmann::json compare_json(const Journey& a, const Journey& b) {
  Comparison c = compare(a, b);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    rows.push_back({{"id", r.id},
                    {"title", r.title},
                    {"a_ns", r.a_ns ? nlohmann::json(r3(*r.a_ns)) : nlohmann::json()},
                    {"b_ns", r.b_ns ? nlohmann::json(r3(*r.b_ns)) : nlohmann::json()}});
  }
  return {{"schema", "sysjourney.compare/1"},
          {"a", journey_json(a)},
          {"b", journey_json(b)},
          {"ratio", std::round(c.ratio * 1e4) / 1e4},
          {"rows", rows}};
}

nlohmann::json model_json(const Model& m, const std::string& version) {
  nlohmann::json options = nlohmann::json::object();
  nlohmann::json ranges = nlohmann::json::object();
  for (const auto& o : scenario_options()) {
    if (o.kind == OptionKind::number) {
      ranges[o.name] = {o.min, o.max};
    } else {
      options[o.name] = allowed_values(o, m);
    }
  }
  Scenario d;
  nlohmann::json defaults = {{"op", d.op},         {"fd", d.fd},         {"cache", d.cache},
                             {"device", ""},       {"cpu", m.default_cpu}, {"tracer", d.tracer},
                             {"api", d.api},       {"batch", d.batch},   {"bytes", d.bytes},
                             {"direct", d.direct}, {"wait", d.wait},     {"nonblock", d.nonblock}};
  nlohmann::json cpus = nlohmann::json::array();
  for (const auto& c : m.cpus) {
    cpus.push_back({{"id", c.id}, {"title", c.title}, {"vendor", c.vendor}, {"ghz", c.ghz},
                    {"kpti", c.kpti}, {"pcid", c.pcid}, {"mitigation", c.mitigation},
                    {"virtualized", c.virtualized}, {"device", c.device}, {"scales", c.scales},
                    {"source", c.source}});
  }
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d2 : m.devices) {
    devices.push_back({{"id", d2.id}, {"title", d2.title}, {"parallelism", d2.parallelism},
                       {"bandwidth_mb_s", d2.bandwidth_mb_s}, {"logical_block", d2.logical_block},
                       {"source", d2.source}});
  }
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : m.paths) paths.push_back({{"id", p.id}, {"title", p.title}});
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : m.stages) {
    nlohmann::json js = {{"id", s.id}, {"title", s.title}, {"lane", to_string(s.lane)},
                         {"on_cpu", s.on_cpu}, {"scale", s.scale}, {"functions", s.functions},
                         {"visible_to", s.visible_to}, {"explain", s.explain}, {"source", s.source}};
    if (s.cost) {
      js["cost"] = cost_json(*s.cost);
    } else {
      js["cost_by"] = s.cost_by;
      nlohmann::json costs = nlohmann::json::object();
      for (const auto& [k, c] : s.costs) costs[k] = cost_json(c);
      js["costs"] = costs;
    }
    stages.push_back(js);
  }
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : m.sources) {
    sources.push_back({{"id", s.id}, {"citation", s.citation}, {"url", s.url}, {"year", s.year},
                       {"estimate", s.estimate}});
  }
  return {{"schema", "sysjourney.model/1"}, {"version", version}, {"options", options},
          {"ranges", ranges}, {"defaults", defaults}, {"cpus", cpus}, {"devices", devices},
          {"paths", paths}, {"stages", stages}, {"sources", sources}};
}

std::string journey_csv(const Journey& j) {
  // Titles and functions may hold commas; quote every text field.
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  };
  std::string out = "index,id,title,lane,on_cpu,cycles,ns,share,start_ns,low_ns,high_ns,per,visible_to,source\n";
  int i = 1;
  for (const auto& js : j.stages) {
    const Stage& st = *js.stage;
    out += fmt::format("{},{},{},{},{},{:.1f},{:.3f},{:.6f},{:.3f},{:.3f},{:.3f},{},{},{}\n", i++, st.id,
                       quote(st.title), to_string(st.lane), st.on_cpu ? "true" : "false", js.cycles,
                       js.ns, js.share, js.start_ns, js.low_ns, js.high_ns, js.per,
                       quote(join(st.visible_to, " ")), js.source);
  }
  return out;
}

nlohmann::json journey_trace_event(const Journey& j) {
  nlohmann::json events = nlohmann::json::array();
  const char* lanes[] = {"user", "kernel", "hardware"};
  const char* names[] = {"USER · ring 3", "KERNEL · ring 0", "HARDWARE"};
  events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 0}, {"name", "process_name"},
                    {"args", {{"name", "read() " + j.path->title}}}});
  for (int i = 0; i < 3; ++i) {
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", i + 1}, {"name", "thread_name"},
                      {"args", {{"name", names[i]}}}});
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", i + 1}, {"name", "thread_sort_index"},
                      {"args", {{"sort_index", i}}}});
  }
  for (const auto& js : j.stages) {
    int tid = 1;
    for (int i = 0; i < 3; ++i) if (to_string(js.stage->lane) == std::string(lanes[i])) tid = i + 1;
    events.push_back({{"ph", "X"},
                      {"pid", 1},
                      {"tid", tid},
                      {"name", js.stage->title},
                      {"cat", js.stage->on_cpu ? "on_cpu" : "blocked"},
                      {"ts", js.start_ns / 1000.0},
                      {"dur", js.ns / 1000.0},
                      {"args", {{"id", js.stage->id}, {"cycles", r3(js.cycles)},
                                {"functions", join(js.stage->functions, ", ")},
                                {"source", js.source}}}});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ns"},
          {"otherData", {{"schema", "sysjourney.journey/1"}, {"path", j.path->id}}}};
}

}  // namespace sysjourney
