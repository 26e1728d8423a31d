#include "format.h"

#include <fmt/format.h>

#include <cmath>

#include "relevance.h"

namespace sysjourney {

namespace {

// Three decimals keep golden files stable across compilers without losing anything visible.
double r3(double x) { return std::round(x * 1000.0) / 1000.0; }

// Appends `text` as a JSON string literal. Runs of characters that need no escape are copied
// whole: stage texts rarely hold any, and a journey's JSON is mostly those texts.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t run = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += fmt::format("\\u{:04x}", c);
    }
  }
  out.append(text, run, text.size() - run);
  out += '"';
}

// A JSON string literal.
std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

const char* boolean(bool b) { return b ? "true" : "false"; }

std::string scenario_text(const ResolvedScenario& s) {
  return fmt::format(
      R"({{"op":{},"fd":{},"cache":{},"device":{},"cpu":{},"ghz":{},"kpti":{},"pcid":{},"bytes":{},)"
      R"("tracer":{},"api":{},"batch":{},"direct":{},"wait":{},"nonblock":{},"sync":{},)"
      R"("full":{},"warm":{}}})",
      json_string(s.in.op), json_string(s.in.fd), json_string(s.in.cache),
      json_string(s.device->id), json_string(s.cpu->id), s.ghz, boolean(s.kpti), boolean(s.pcid),
      s.in.bytes, json_string(s.in.tracer), json_string(s.in.api), s.in.batch, boolean(s.in.direct),
      boolean(s.in.wait), boolean(s.in.nonblock), json_string(s.in.sync), boolean(s.in.full),
      boolean(s.in.warm));
}

nlohmann::json cost_json(const Cost& c) {
  nlohmann::json j = {
      {"unit", to_string(c.unit)}, {"low", c.low}, {"typ", c.typ}, {"high", c.high}};
  if (c.per_page_typ > 0) {
    j["per_page"] = {{"low", c.per_page_low}, {"typ", c.per_page_typ}, {"high", c.per_page_high}};
  }
  if (!c.source.empty()) j["source"] = c.source;
  return j;
}

}  // namespace

void append_stage_fields(std::string& out, const Stage& st) {
  auto list = [&](const std::vector<std::string>& v) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, v[i]);
    }
    out += ']';
  };
  out += "\"id\":";
  append_json_string(out, st.id);
  out += ",\"title\":";
  append_json_string(out, st.title);
  out += ",\"short\":";
  append_json_string(out, st.short_name);
  out += ",\"lane\":";
  append_json_string(out, to_string(st.lane));
  out += ",\"on_cpu\":";
  out += boolean(st.on_cpu);
  out += ",\"visible_to\":";
  list(st.visible_to);
  out += ",\"functions\":";
  list(st.functions);
  out += ",\"explain\":";
  append_json_string(out, st.explain);
}

std::string journey_json(const Journey& j, const std::optional<Percentiles>& p) {
  std::string out;
  out.reserve(1024 + 900 * j.stages.size());
  auto it = std::back_inserter(out);
  fmt::format_to(
      it, R"({{"schema":"sysjourney.journey/1","scenario":{},"path":{{"id":{},"title":{}}},)",
      scenario_text(j.scenario), json_string(j.path->id), json_string(j.path->title));
  fmt::format_to(it, R"("result":{},"profiled":{},"stages":[)", json_string(j.path->result),
                 boolean(j.profiled));
  bool first = true;
  for (const auto& js : j.stages) {
    out += first ? "{" : ",{";
    append_stage_fields(out, *js.stage);
    fmt::format_to(
        it,
        R"(,"cycles":{},"ns":{},"share":{},"start_ns":{},"cumulative_ns":{},"low_ns":{},)"
        R"("high_ns":{},"tax_ns":{},"vm_ns":{},"unit":"{}","per":{},"source":{}}})",
        r3(js.cycles), r3(js.ns), std::round(js.share * 1e6) / 1e6, r3(js.start_ns),
        r3(js.cumulative_ns), r3(js.low_ns), r3(js.high_ns), r3(js.tax_ns), r3(js.vm_ns),
        to_string(js.unit), json_string(js.per), json_string(js.source));
    first = false;
  }
  const Totals& t = j.totals;
  fmt::format_to(
      it,
      R"(],"totals":{{"stages":{},"cycles":{},"ns":{},"on_cpu_ns":{},"blocked_ns":{},"low_ns":{},)"
      R"("high_ns":{},"strace_visible_stages":{},"batch_ns":{})",
      t.stages, r3(t.cycles), r3(t.ns), r3(t.on_cpu_ns), r3(t.blocked_ns), r3(t.low_ns),
      r3(t.high_ns), t.strace_visible_stages, r3(t.batch_ns));
  if (p) {
    fmt::format_to(it, R"(,"p50_ns":{},"p99_ns":{},"samples":{},"seed":{})", r3(p->p50_ns),
                   r3(p->p99_ns), p->samples, p->seed);
  }
  out += "}}";
  return out;
}

std::string compare_json(const Journey& a, const Journey& b) {
  Comparison c = compare(a, b);
  std::string rows;
  for (const auto& r : c.rows) {
    auto num = [](const std::optional<double>& v) {
      return v ? fmt::format("{}", r3(*v)) : std::string("null");
    };
    rows += fmt::format(R"({}{{"id":{},"title":{},"a_ns":{},"b_ns":{}}})", rows.empty() ? "" : ",",
                        json_string(r.id), json_string(r.title), num(r.a_ns), num(r.b_ns));
  }
  return fmt::format(R"({{"schema":"sysjourney.compare/1","a":{},"b":{},"ratio":{},"rows":[{}]}})",
                     journey_json(a), journey_json(b), std::round(c.ratio * 1e4) / 1e4, rows);
}

nlohmann::json model_json(const Model& m, const std::string& version) {
  nlohmann::json options = nlohmann::json::object();
  nlohmann::json ranges = nlohmann::json::object();
  // JSON objects have no order: `order` is the table's (the permalink's), `help` each option's
  // text.
  nlohmann::json order = nlohmann::json::array();
  nlohmann::json help = nlohmann::json::object();
  for (const auto& o : scenario_options()) {
    order.push_back(o.name);
    help[o.name] = o.help;
    if (o.kind == OptionKind::number) {
      ranges[o.name] = {o.min, o.max};
    } else {
      options[o.name] = allowed_values(o, m);
    }
  }
  nlohmann::json relevance = nlohmann::json::object();
  for (const auto& r : option_relevance()) {
    nlohmann::json inert = nlohmann::json::array(), same = nlohmann::json::array();
    for (const auto& i : r.inert) inert.push_back({{"when", i.when}, {"reason", i.reason}});
    for (const auto& i : r.same) same.push_back({{"when", i.when}, {"reason", i.reason}});
    relevance[r.option] = {{"applies", r.applies},
                           {"reason", r.reason},
                           {"inert", inert},
                           {"same", same},
                           {"values", r.values}};
  }
  Scenario d;
  nlohmann::json defaults = {{"op", d.op},         {"fd", d.fd},           {"cache", d.cache},
                             {"device", ""},       {"cpu", m.default_cpu}, {"tracer", d.tracer},
                             {"api", d.api},       {"batch", d.batch},     {"bytes", d.bytes},
                             {"direct", d.direct}, {"wait", d.wait},       {"nonblock", d.nonblock},
                             {"sync", d.sync},     {"full", d.full},       {"warm", d.warm}};
  nlohmann::json cpus = nlohmann::json::array();
  for (const auto& c : m.cpus) {
    cpus.push_back({{"id", c.id},
                    {"title", c.title},
                    {"vendor", c.vendor},
                    {"ghz", c.ghz},
                    {"kpti", c.kpti},
                    {"pcid", c.pcid},
                    {"mitigation", c.mitigation},
                    {"mitigations", c.mitigations},
                    {"virtualized", c.virtualized},
                    {"device", c.device},
                    {"scales", c.scales},
                    {"source", c.source}});
  }
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d2 : m.devices) {
    devices.push_back({{"id", d2.id},
                       {"title", d2.title},
                       {"parallelism", d2.parallelism},
                       {"bandwidth_mb_s", d2.bandwidth_mb_s},
                       {"logical_block", d2.logical_block},
                       {"plp", d2.plp},
                       {"source", d2.source}});
  }
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : m.paths) paths.push_back({{"id", p.id}, {"title", p.title}});
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : m.stages) {
    nlohmann::json js = {{"id", s.id},
                         {"title", s.title},
                         {"short", s.short_name},
                         {"lane", to_string(s.lane)},
                         {"on_cpu", s.on_cpu},
                         {"scale", s.scale},
                         {"functions", s.functions},
                         {"visible_to", s.visible_to},
                         {"explain", s.explain},
                         {"source", s.source}};
    if (s.events.any()) {
      js["events"] = {{"calls", s.events.calls},     {"indirect", s.events.indirect},
                      {"entries", s.events.entries}, {"switches", s.events.switches},
                      {"vmexits", s.events.vmexits}, {"source", s.events.source}};
    }
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
    sources.push_back({{"id", s.id},
                       {"citation", s.citation},
                       {"url", s.url},
                       {"year", s.year},
                       {"estimate", s.estimate}});
  }
  nlohmann::json mitigations = nlohmann::json::array();
  for (const auto& mi : m.mitigations) {
    mitigations.push_back({{"id", mi.id},
                           {"title", mi.title},
                           {"entry", mi.entry},
                           {"call", mi.call},
                           {"ret", mi.ret},
                           {"indirect", mi.indirect},
                           {"switch", mi.context_switch},
                           {"call_after_entry", mi.call_after_entry},
                           {"source", mi.source}});
  }
  return {{"schema", "sysjourney.model/1"},
          {"version", version},
          {"options", options},
          {"order", order},
          {"help", help},
          {"relevance", relevance},
          {"ranges", ranges},
          {"defaults", defaults},
          {"cpus", cpus},
          {"devices", devices},
          {"paths", paths},
          {"stages", stages},
          {"mitigations", mitigations},
          {"vm", {{"exit_cycles", m.vm.exit_cycles}, {"source", m.vm.source}}},
          {"sources", sources}};
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
  std::string out =
      "index,id,title,lane,on_cpu,cycles,ns,share,start_ns,low_ns,high_ns,per,visible_to,source\n";
  int i = 1;
  for (const auto& js : j.stages) {
    const Stage& st = *js.stage;
    out += fmt::format("{},{},{},{},{},{:.1f},{:.3f},{:.6f},{:.3f},{:.3f},{:.3f},{},{},{}\n", i++,
                       st.id, quote(st.title), to_string(st.lane), st.on_cpu ? "true" : "false",
                       js.cycles, js.ns, js.share, js.start_ns, js.low_ns, js.high_ns, js.per,
                       quote(join(st.visible_to, " ")), js.source);
  }
  return out;
}

nlohmann::json journey_trace_event(const Journey& j) {
  nlohmann::json events = nlohmann::json::array();
  const char* lanes[] = {"user", "kernel", "hardware"};
  const char* names[] = {"USER · ring 3", "KERNEL · ring 0", "HARDWARE"};
  events.push_back({{"ph", "M"},
                    {"pid", 1},
                    {"tid", 0},
                    {"name", "process_name"},
                    {"args", {{"name", "read() " + j.path->title}}}});
  for (int i = 0; i < 3; ++i) {
    events.push_back({{"ph", "M"},
                      {"pid", 1},
                      {"tid", i + 1},
                      {"name", "thread_name"},
                      {"args", {{"name", names[i]}}}});
    events.push_back({{"ph", "M"},
                      {"pid", 1},
                      {"tid", i + 1},
                      {"name", "thread_sort_index"},
                      {"args", {{"sort_index", i}}}});
  }
  for (const auto& js : j.stages) {
    int tid = 1;
    for (int i = 0; i < 3; ++i)
      if (to_string(js.stage->lane) == std::string(lanes[i])) tid = i + 1;
    events.push_back({{"ph", "X"},
                      {"pid", 1},
                      {"tid", tid},
                      {"name", js.stage->title},
                      {"cat", js.stage->on_cpu ? "on_cpu" : "blocked"},
                      {"ts", js.start_ns / 1000.0},
                      {"dur", js.ns / 1000.0},
                      {"args",
                       {{"id", js.stage->id},
                        {"cycles", r3(js.cycles)},
                        {"functions", join(js.stage->functions, ", ")},
                        {"source", js.source}}}});
  }
  return {{"traceEvents", events},
          {"displayTimeUnit", "ns"},
          {"otherData", {{"schema", "sysjourney.journey/1"}, {"path", j.path->id}}}};
}

}  // namespace sysjourney
