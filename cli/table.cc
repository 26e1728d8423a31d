#include "table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/terminal.h"
#include "core/scenario.h"
#include "core/units.h"

namespace sysjourney {

namespace {

// ANSI SGR codes; empty when colour is off.
struct Paint {
  bool on;
  std::string operator()(const std::string& text, const char* code) const {
    return paint(on, code, text);
  }
};

const char* lane_code(Lane l) {
  switch (l) {
    case Lane::user:
      return "36";  // cyan
    case Lane::kernel:
      return "33";  // yellow
    case Lane::hardware:
      return "35";  // magenta
  }
  return "0";
}

// A log-scale bar: 0.1 ns is empty, the longest stage fills `width`.
std::string log_bar(double ns, double max_ns, int width) {
  if (ns <= 0 || max_ns <= 0) return "";
  double lo = std::log10(0.1);
  double f = (std::log10(std::max(ns, 0.1)) - lo) / (std::log10(std::max(max_ns, 0.2)) - lo);
  int eighths = int(std::round(std::clamp(f, 0.0, 1.0) * width * 8));
  static const char* parts[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  std::string out;
  for (int i = 0; i < eighths / 8; ++i) out += "█";
  out += parts[eighths % 8];
  return out.empty() ? "▏" : out;
}

std::string tools(const std::vector<std::string>& v) { return v.empty() ? "nobody" : join(v, " "); }

std::string header(const Journey& j, const Paint& paint) {
  const auto& s = j.scenario;
  std::string what = s.in.op == "read"      ? fmt::format("read(fd, buf, {})", s.in.bytes)
                     : s.in.op == "getppid" ? "getppid()"
                                            : s.in.op;
  std::string out = paint(fmt::format("{}: {}", what, j.path->title), "1") + "\n";
  std::vector<std::string> facts = {fmt::format("cpu {} {:.2g} GHz", s.cpu->id, s.ghz),
                                    std::string("kpti ") + (s.kpti ? "on" : "off") +
                                        (s.kpti ? (s.pcid ? " +pcid" : " no-pcid") : ""),
                                    [&] {
                                      std::vector<std::string> ids;
                                      for (const Mitigation* mi : s.mitigations)
                                        ids.push_back(mi->id);
                                      return "mitigations " +
                                             (ids.empty() ? std::string("none") : join(ids, "+"));
                                    }()};
  if (s.in.op == "read" && s.in.fd == "file") facts.push_back("device " + s.device->id);
  if (s.in.tracer != "none") facts.push_back("tracer " + s.in.tracer);
  if (s.in.api != "read") facts.push_back("api " + s.in.api);
  if (s.in.batch > 1) facts.push_back(fmt::format("batch {}", s.in.batch));
  if (j.profiled) facts.push_back("host profile");
  out += paint(join(facts, " · "), "2") + "\n";
  return out;
}

}  // namespace

std::string render_journey(const Journey& j, const Style& style,
                           const std::optional<Percentiles>& p) {
  Paint paint{style.color};
  const Totals& t = j.totals;
  std::string out = header(j, paint);
  std::string total =
      fmt::format("{} stages · {} cycles · {}", t.stages, format_count(t.cycles), format_ns(t.ns));
  out += "\n  " + paint(total, "1;97") + "\n";
  out += fmt::format("  on CPU {} · blocked {} · range {} – {}", format_ns(t.on_cpu_ns),
                     format_ns(t.blocked_ns), format_ns(t.low_ns), format_ns(t.high_ns));
  if (p)
    out += fmt::format(" · p50 {} · p99 {} ({} samples)", format_ns(p->p50_ns),
                       format_ns(p->p99_ns), p->samples);
  out += "\n";
  if (j.scenario.in.batch > 1) {
    out += fmt::format("  per read, amortised over a batch of {} (whole batch {})\n",
                       j.scenario.in.batch, format_ns(t.batch_ns));
  }
  out += fmt::format("  strace sees {} of {} stages · returns: {}\n\n", t.strace_visible_stages,
                     t.stages, j.path->result);

  double max_ns = 0;
  for (const auto& s : j.stages) max_ns = std::max(max_ns, s.ns);
  const int bar_w = 16;
  std::size_t title_w = style.width >= 140 ? 40 : 30;
  out += paint(fmt::format(" {:>2}  {}  {}  {}  {}  {}  {}  {}", "#", pad_right("stage", title_w),
                           pad_right("lane", 8), pad_left("cycles", 11), pad_left("time", 9),
                           pad_left("share", 6), pad_right("log scale", bar_w), "seen by"),
               "2") +
         "\n";
  int i = 0;
  for (const auto& s : j.stages) {
    ++i;
    const Stage& st = *s.stage;
    bool strace =
        std::find(st.visible_to.begin(), st.visible_to.end(), "strace") != st.visible_to.end();
    std::string title = clip(st.title, title_w);
    std::string bar = pad_right(log_bar(s.ns, max_ns, bar_w), bar_w);
    std::string line = fmt::format(
        " {:>2}  {}  {}  {}  {}  {}  {}  {}", i, pad_right(title, title_w),
        paint(pad_right(to_string(st.lane), 8), lane_code(st.lane)),
        pad_left(format_count(s.cycles), 11), pad_left(format_ns(s.ns), 9),
        pad_left(format_share(s.share), 6), paint(bar, st.on_cpu ? lane_code(st.lane) : "2"),
        strace ? paint(tools(st.visible_to), "1") : paint(tools(st.visible_to), "2"));
    if (s.per == "batch") line += paint(" (once per batch)", "2");
    if (!st.on_cpu) line += paint(" [blocked]", "2");
    out += line + "\n";
  }
  return out;
}

std::string render_compare(const Journey& a, const Journey& b, const Style& style) {
  Paint paint{style.color};
  Comparison c = compare(a, b);
  std::string out =
      paint("A  ", "1") + header(a, paint) + paint("B  ", "1") + header(b, paint) + "\n";
  out += fmt::format("  A {} ({} stages)   B {} ({} stages)   ", format_ns(a.totals.ns),
                     a.totals.stages, format_ns(b.totals.ns), b.totals.stages);
  std::string ratio = c.ratio >= 1 ? fmt::format("B is {:.3g}× A", c.ratio)
                                   : fmt::format("B is {:.3g}× faster than A", 1 / c.ratio);
  out += paint(ratio, "1;97") + "\n\n";
  std::size_t title_w = std::clamp<int>(style.width - 40, 24, 48);
  out += paint(fmt::format("  {}  {}  {}  {}", pad_right("stage", title_w), pad_left("A", 9),
                           pad_left("B", 9), pad_left("B/A", 8)),
               "2") +
         "\n";
  for (const auto& r : c.rows) {
    std::string av = r.a_ns ? format_ns(*r.a_ns) : "—";
    std::string bv = r.b_ns ? format_ns(*r.b_ns) : "—";
    std::string ratio_s =
        r.a_ns && r.b_ns && *r.a_ns > 0 ? fmt::format("{:.3g}×", *r.b_ns / *r.a_ns) : "";
    out += fmt::format("  {}  {}  {}  {}\n", pad_right(clip(r.title, title_w), title_w),
                       pad_left(av, 9), pad_left(bv, 9), pad_left(ratio_s, 8));
  }
  return out;
}

std::string render_list(const Model& m, const std::string& what, const Style& style) {
  Paint paint{style.color};
  std::string out;
  auto section = [&](const std::string& name) { return what.empty() || what == name; };
  if (section("presets")) {
    out += paint("CPU presets", "1") + " (--cpu)\n";
    for (const auto& c : m.cpus) {
      out += fmt::format(
          "  {}{} {}\n      {:.3g} GHz · kpti {} · pcid {} · {} · device {}{}\n",
          pad_right(c.id, 20), c.id == m.default_cpu ? "*" : " ", c.title, c.ghz,
          c.kpti ? "on" : "off", c.pcid ? "on" : "off",
          c.mitigations.empty() ? std::string("no mitigations") : join(c.mitigations, "+"),
          c.device, c.virtualized ? " · virtual machine" : "");
    }
    out += "\n";
  }
  if (section("devices")) {
    out += paint("Devices", "1") + " (--device)\n";
    for (const auto& d : m.devices) out += fmt::format("  {}  {}\n", pad_right(d.id, 20), d.title);
    out += "\n";
  }
  if (section("paths")) {
    out += paint("Paths", "1") + " (chosen from the scenario)\n";
    for (const auto& p : m.paths) {
      out += fmt::format("  {}  {}\n", pad_right(p.id, 22), p.title);
    }
    out += "\n";
  }
  if (what == "stages") {
    out += paint("Stages", "1") + " (sysjourney explain STAGE)\n";
    for (const auto& s : m.stages) {
      out += fmt::format("  {}  {}  {}\n", pad_right(s.id, 22), pad_right(to_string(s.lane), 8),
                         s.title);
    }
  }
  if (what == "mitigations") {
    out +=
        paint("Mitigations", "1") +
        " (cycles per event; the host's own come from /sys/devices/system/cpu/vulnerabilities)\n";
    for (const auto& mi : m.mitigations) {
      std::vector<std::string> costs;
      for (auto [name, v] : {std::pair{"entry", mi.entry},
                             {"call", mi.call},
                             {"ret", mi.ret},
                             {"indirect", mi.indirect},
                             {"switch", mi.context_switch},
                             {"call after entry", mi.call_after_entry}}) {
        if (v > 0) costs.push_back(fmt::format("{} {:g}", name, v));
      }
      out += fmt::format("  {}  {}\n      {} [{}]\n", pad_right(mi.id, 14), mi.title,
                         costs.empty() ? std::string("nothing per event") : join(costs, " · "),
                         mi.source);
    }
    out += fmt::format("  a guest's VM exit: {:g} cycles [{}]\n", m.vm.exit_cycles, m.vm.source);
  }
  if (what == "sources") {
    out += paint("Sources", "1") + "\n";
    for (const auto& s : m.sources) {
      out += fmt::format("  {}  {}{}\n", pad_right(s.id, 10), s.citation,
                         s.url.empty() ? "" : " <" + s.url + ">");
    }
  }
  return out;
}

std::string render_explain(const Model& m, const Stage& s, const Style& style) {
  Paint paint{style.color};
  std::string out = paint(s.title, "1") + paint(fmt::format("  ({})", s.id), "2") + "\n";
  out += fmt::format("lane {} · {} · scale class {}\n\n", to_string(s.lane),
                     s.on_cpu ? "on CPU" : "task blocked", s.scale);
  // Wrap the explanation at the terminal width.
  std::string line;
  for (std::size_t pos = 0; pos < s.explain.size();) {
    std::size_t sp = s.explain.find(' ', pos);
    if (sp == std::string::npos) sp = s.explain.size();
    std::string word = s.explain.substr(pos, sp - pos);
    if (!line.empty() &&
        int(display_width(line) + 1 + display_width(word)) > std::min(style.width, 96)) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = sp + 1;
  }
  out += line + "\n\n";
  out += paint("functions ", "1") + join(s.functions, ", ") + "\n";
  out +=
      paint("seen by   ", "1") +
      (s.visible_to.empty() ? "no tool: only its effect on the total" : join(s.visible_to, ", ")) +
      "\n";
  auto cost_line = [&](const Cost& c) {
    std::string l = fmt::format("{} / {} / {} {}", format_count(c.low), format_count(c.typ),
                                format_count(c.high), to_string(c.unit));
    if (c.warm) l += fmt::format(" (warm, in a batch: {})", format_count(*c.warm));
    if (c.per_page_typ > 0) {
      l += fmt::format(", + {} / {} / {} per extra 4 KiB page", format_count(c.per_page_low),
                       format_count(c.per_page_typ), format_count(c.per_page_high));
    }
    return l;
  };
  std::vector<std::string> source_ids = {s.source};
  if (s.cost) {
    out += paint("cost      ", "1") + "low / typical / high: " + cost_line(*s.cost) + "\n";
    if (!s.cost->source.empty()) source_ids.push_back(s.cost->source);
  } else {
    out += paint("cost      ", "1") + "low / typical / high, by " + s.cost_by + ":\n";
    for (const auto& [k, c] : s.costs) {
      out += fmt::format("            {} {}{}\n", pad_right(k + ":", 12), cost_line(c),
                         c.source.empty() ? "" : " [" + c.source + "]");
      if (!c.source.empty()) source_ids.push_back(c.source);
    }
  }
  std::vector<std::string> paths;
  for (const auto& p : m.paths) {
    for (const auto& item : p.items) {
      if (item.stage == s.id) {
        paths.push_back(p.id);
        break;
      }
    }
  }
  if (s.events.any()) {
    std::vector<std::string> ev;
    for (auto [name, v] : {std::pair{"calls", s.events.calls},
                           {"indirect calls", s.events.indirect},
                           {"kernel entries", s.events.entries},
                           {"context switches", s.events.switches},
                           {"VM exits", s.events.vmexits}}) {
      if (v > 0) ev.push_back(fmt::format("{:g} {}", v, name));
    }
    out += paint("events    ", "1") + join(ev, " · ") + " [" + s.events.source +
           "] (what each mitigation taxes: list mitigations)\n";
    source_ids.push_back(s.events.source);
  }
  out += paint("paths     ", "1") + (paths.empty() ? "none" : join(paths, ", ")) + "\n";
  out += paint("sources\n", "1");
  std::sort(source_ids.begin(), source_ids.end());
  source_ids.erase(std::unique(source_ids.begin(), source_ids.end()), source_ids.end());
  for (const auto& id : source_ids) {
    const Source* src = m.find_source(id);
    if (!src) continue;
    out += fmt::format("  [{}] {}{}{}\n", id, src->citation,
                       src->year ? fmt::format(" ({})", src->year) : "",
                       src->url.empty() ? "" : "\n       " + src->url);
  }
  return out;
}

}  // namespace sysjourney

#include <cmath>

#include "core/fit.h"
#include "measure/session.h"

namespace sysjourney {

std::string render_fit(const Model& model, const Fit& f, const Style& style) {
  Paint paint{style.color};
  std::string out;
  const CpuPreset* preset = model.find_cpu(f.preset);
  out += fmt::format("  closest preset {}{}\n", f.preset,
                     preset ? paint(" (" + preset->title + ")", "2") : "");
  std::string mits = f.profile.mitigations && !f.profile.mitigations->empty()
                         ? join(*f.profile.mitigations, ", ")
                         : "none";
  out += fmt::format("  mitigations in force: {}\n", mits);
  std::vector<std::string> fitted, fixed;
  for (const auto& p : f.parameters) {
    if (p.fitted) {
      fitted.push_back(fmt::format(
          "{} {:.2f}×{}", p.name, p.value,
          p.sigma > 0 ? fmt::format(" (±{:.0f}%)", 100 * (std::exp(p.sigma) - 1)) : ""));
    } else {
      fixed.push_back(p.name);
    }
  }
  out += "  fitted factors (× the preset): " +
         (fitted.empty() ? std::string("none") : join(fitted, " · ")) + "\n";
  if (!fixed.empty())
    out +=
        paint("  kept at the preset (fewer than two probes depend on them): " + join(fixed, ", "),
              "2") +
        "\n";
  out += "\n";
  out +=
      paint(fmt::format("  {}  {}  {}  {}  {}  {}", pad_right("probe", 22),
                        pad_left("measured", 10), pad_left("model", 10), pad_left("calibrated", 11),
                        pad_left("predicted", 10), pad_left("measured/predicted", 19)),
            "2") +
      "\n";
  for (const auto& p : f.probes) {
    if (!p.measured_ns) {
      out += fmt::format("  {}  {}\n", pad_right(p.id, 22), paint("not measured (skipped)", "2"));
      continue;
    }
    std::string ratio = "—";
    const char* code = "2";
    if (p.predicted_ns && *p.predicted_ns > 0) {
      ratio = fmt::format("{:.2f}×", *p.measured_ns / *p.predicted_ns);
      code = within_band(*p.measured_ns, *p.predicted_ns) ? "32" : "1;31";
    }
    out += fmt::format("  {}  {}  {}  {}  {}  {}\n", pad_right(p.id, 22),
                       pad_left(format_ns(*p.measured_ns), 10), pad_left(format_ns(p.model_ns), 10),
                       pad_left(format_ns(p.calibrated_ns), 11),
                       pad_left(p.predicted_ns ? format_ns(*p.predicted_ns) : "—", 10),
                       paint(pad_left(ratio, 19), code));
  }
  for (const auto& d : f.defaults) out += paint("  assumed: " + d, "2") + "\n";
  for (const auto& n : f.notes) out += paint("  note: " + n, "2") + "\n";
  out += fmt::format(
      "\n  {} of {} predictions within ±30%. Each probe is predicted from a fit to all the others "
      "(leave one out),\n  so the ratio tests the model's structure, not how well it was fitted.\n",
      f.within, f.predicted);
  return out;
}

std::string render_measure(const Model& model, const measure::Measurement& m, const Style& style) {
  Paint paint{style.color};
  const auto& h = m.host;
  std::string out = paint("This machine", "1") + "\n";
  out += fmt::format("  {} · {:.3g} GHz ({}) · Linux {}\n",
                     h.cpu_model.empty() ? "unknown CPU" : h.cpu_model, h.ghz,
                     h.ghz_source.empty() ? "unknown" : h.ghz_source, h.kernel);
  out += fmt::format("  KPTI {} · PCID {} · {} · probe directory {} on {} ({}{})\n",
                     h.kpti ? "on" : "off", h.pcid ? "yes" : "no",
                     h.virtualized ? "virtual machine" : "bare metal", h.dir,
                     h.fs.empty() ? "?" : h.fs, h.device.empty() ? "unknown device" : h.device,
                     h.scheduler.empty() ? "" : ", scheduler " + h.scheduler);
  const auto& load = h.load;
  if (!load.known) {
    out += paint("  machine load unknown: " + load.reason, "2") + "\n";
  } else if (load.busy) {
    out += paint(fmt::format("  BUSY MACHINE: {}. These figures are not a quiet machine's (steal "
                             "{:.1f}%, run queue {:.1f}, "
                             "other CPUs {:.0f}%, {} of {} rounds busy after {} retries)",
                             load.reason, load.steal_pct, load.run_queue, load.other_cpus_pct,
                             load.busy_rounds, load.rounds, load.retries),
                 "1;33") +
           "\n";
  } else {
    out += paint(fmt::format(
                     "  quiet machine: steal {:.1f}% · run queue {:.1f} · other CPUs {:.0f}% · {} "
                     "rounds on CPU {}{}",
                     load.steal_pct, load.run_queue, load.other_cpus_pct, load.rounds, load.cpu,
                     load.retries ? fmt::format(" · {} busy rounds run again", load.retries) : ""),
                 "2") +
           "\n";
  }
  out += render_fit(model, m.calibration.fit, style);
  double worst = 1;
  std::string worst_id;
  for (const auto& cp : m.calibration.probes) {
    if (cp.measured.skipped.empty() && cp.measured.spread > worst)
      worst = cp.measured.spread, worst_id = cp.measured.id;
  }
  out += fmt::format("  {} probes in {:.1f} s{}.\n", m.calibration.probes.size(), m.seconds,
                     worst_id.empty() ? ""
                                      : fmt::format("; rounds agreed within {:.2f}× (widest: {})",
                                                    worst, worst_id));
  return out;
}

}  // namespace sysjourney
