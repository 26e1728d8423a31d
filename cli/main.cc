// sysjourney: follow one read() from the program's call to the bytes arriving.
// Only this file turns errors into exit codes: 0 ok, 1 the work failed, 2 bad usage or input.
#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <thread>

#include "cli/model_dir.h"
#include "cli/path_view.h"
#include "cli/table.h"
#include "core/builtin_model.h"
#include "core/fit.h"
#include "core/format.h"
#include "core/journey.h"
#include "core/units.h"
#include "measure/os_linux.h"
#include "measure/session.h"
#include "measure/trace.h"
#include "server/measure_endpoint.h"
#include "server/server.h"

namespace sysjourney {
namespace {

constexpr int kUsage = 2;

struct ScenarioFlags {
  // One string per option of the scenario table, in table order; flags may come without a value.
  std::vector<std::pair<const OptionSpec*, CLI::Option*>> options;
  std::vector<std::string> values = std::vector<std::string>(scenario_options().size());
};

void add_scenario_options(CLI::App* cmd, ScenarioFlags& flags) {
  const auto& specs = scenario_options();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const OptionSpec& spec = specs[i];
    std::string name = std::string("--") + spec.name;
    CLI::Option* opt = cmd->add_option(name, flags.values[i], spec.help);
    if (spec.kind == OptionKind::flag) {
      opt->expected(0, 1);
      opt->type_name(std::string(spec.name) == "kpti" || std::string(spec.name) == "pcid"
                         ? "on|off"
                         : "[on|off]");
    } else if (spec.kind == OptionKind::choice && !spec.values.empty()) {
      opt->type_name(join(spec.values, "|"));
    } else if (spec.kind == OptionKind::number) {
      opt->type_name(std::string(spec.name) == "bytes" ? "SIZE" : "N");
    }
    flags.options.push_back({&spec, opt});
  }
}

Result<Scenario> scenario_from(const ScenarioFlags& flags, const Model& model, Scenario s = {}) {
  for (std::size_t i = 0; i < flags.options.size(); ++i) {
    auto [spec, opt] = flags.options[i];
    if (opt->count() == 0) continue;
    std::string value = flags.values[i];
    if (spec->kind == OptionKind::flag && value.empty()) value = "on";
    auto r = set_option(s, spec->name, value, model);
    if (!r) {
      Error e = r.error();
      e.message = fmt::format("--{}: {}", spec->name, e.message);
      return e;
    }
  }
  return s;
}

Style terminal_style(const std::string& color) {
  Style st;
  bool tty = isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  if (color == "always")
    st.color = true;
  else if (color == "never")
    st.color = false;
  else
    st.color = tty && !(no_color && *no_color);
  if (const char* cols = std::getenv("COLUMNS")) st.width = std::max(60, std::atoi(cols));
  return st;
}

// Serves until SIGINT or SIGTERM. The signals are blocked in every thread and taken by one
// waiting thread, which stops the server so that listen() returns and main exits cleanly.
int serve(const Model& model, const ServeOptions& options, bool open_browser) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  MeasureHandler measure;
  if (!is_loopback(options.host)) {
    std::cerr << "sysjourney: warning: serving on " << options.host
              << ", which other machines may reach; nothing here needs a password.\n";
    if (!options.allow_measure && !options.no_measure) {
      std::cerr << "sysjourney: measurement is off on a non-loopback address (use --allow-measure "
                   "to turn it on)\n";
    }
  }
  if (!options.no_measure && (is_loopback(options.host) || options.allow_measure))
    measure = measure_endpoint(model);
  WebServer server(model, options, measure);
  auto port = server.bind();
  if (!port) {
    std::cerr << "sysjourney: " << describe(port.error()) << "\n";
    return 1;
  }
  std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::string url = fmt::format("http://{}:{}/", host, *port);
  std::cout << "sysjourney: serving " << url << "  (Ctrl-C to stop)" << std::endl;
  if (open_browser && fork() == 0) {
    execlp("xdg-open", "xdg-open", url.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::cout << "sysjourney: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
              << std::endl;
    server.stop();
  });
  server.listen();
  waiter.join();
  return 0;
}

int usage_error(const Error& e) {
  std::cerr << "sysjourney: " << describe(e);
  if (!e.allowed.empty() && e.message.find(e.allowed) == std::string::npos)
    std::cerr << " (allowed: " << e.allowed << ")";
  std::cerr << "\n";
  return kUsage;
}

}  // namespace

int run_main(int argc, char** argv) {
  CLI::App app{"sysjourney: what one read(fd, buf, 16) really costs, stage by stage"};
  app.set_version_flag("--version", std::string("sysjourney ") + SYSJOURNEY_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  std::string model_dir;
  app.add_option("--model", model_dir,
                 "load the model from this directory of .toml files instead of the built-in one");
  std::string color = "auto";
  app.add_option("--color", color, "colour the table")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  // run
  CLI::App* run = app.add_subcommand("run", "follow one call through every stage");
  ScenarioFlags run_flags;
  add_scenario_options(run, run_flags);
  std::string format = "table";
  run->add_option("--format", format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv", "trace-event"}));
  int samples = 0;
  std::uint64_t seed = 1;
  run->add_option("--samples", samples, "draw each stage from its range N times for p50/p99")
      ->check(CLI::Range(0, 1000000));
  run->add_option("--seed", seed, "seed for --samples");
  std::string profile_path;
  run->add_option("--profile", profile_path,
                  "apply a host profile saved by `sysjourney measure --save`");

  // compare
  CLI::App* cmp = app.add_subcommand("compare", "two scenarios side by side, with the ratio");
  ScenarioFlags cmp_flags;
  add_scenario_options(cmp, cmp_flags);
  std::string a_text, b_text, cmp_format = "table";
  cmp->add_option("--a", a_text, "scenario A on top of the common options, e.g. cache=hit")
      ->required();
  cmp->add_option("--b", b_text, "scenario B, e.g. cache=miss")->required();
  cmp->add_option("--format", cmp_format, "output format")->check(CLI::IsMember({"table", "json"}));

  // list
  CLI::App* list = app.add_subcommand(
      "list", "CPU presets, devices and paths (or stages, mitigations, sources)");
  std::string list_what;
  list->add_option("what", list_what, "one section")
      ->check(CLI::IsMember({"presets", "devices", "paths", "stages", "mitigations", "sources"}));

  // explain
  CLI::App* explain =
      app.add_subcommand("explain", "a stage's functions, explanation, cost range and sources");
  std::string stage_id;
  explain->add_option("stage", stage_id, "stage id, e.g. kpti_enter (see `sysjourney list stages`)")
      ->required();

  // serve
  CLI::App* serve_cmd =
      app.add_subcommand("serve", "the interactive page and the JSON API over HTTP");
  ServeOptions serve_options;
  bool open_browser = false;
  serve_cmd->add_option("--host", serve_options.host,
                        "address to bind (127.0.0.1 unless told otherwise)");
  serve_cmd->add_option("--port", serve_options.port, "port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_flag("--open", open_browser, "open the page in a browser");

  // measure
  CLI::App* measure_cmd = app.add_subcommand(
      "measure", "time the real operations here and fit the model to this machine");
  bool quick = false, trace = false;
  std::string measure_format = "table", save_path, probe_dir;
  measure_cmd->add_flag("--quick", quick, "fewer iterations: about a second instead of several");
  measure_cmd->add_option("--format", measure_format, "output format")
      ->check(CLI::IsMember({"table", "json"}));
  measure_cmd->add_option("--save", save_path,
                          "write the fitted host profile here (for run --profile)");
  measure_cmd->add_option(
      "--dir", probe_dir,
      "make the private probe directory under this one (default: $TMPDIR or /var/tmp)");
  measure_cmd->add_flag("--trace", trace,
                        "as root with tracefs: trace one cold read through the kernel");
  // measure --path (cli/path_view.h): one call's kernel functions, with the scenario options of
  // run.
  bool path = false;
  ScenarioFlags path_flags;
  CLI::Option* path_opt = measure_cmd->add_flag("--path", path,
                                                "as root with tracefs: the kernel functions one "
                                                "call of the scenario runs here, by model stage");
  add_scenario_options(measure_cmd, path_flags);
  for (auto& [spec, opt] : path_flags.options) opt->needs(path_opt);
  path_opt->excludes("--trace")->excludes("--quick")->excludes("--save");
  // fit
  CLI::App* fit_cmd = app.add_subcommand(
      "fit",
      "fit the model to a measure file from any machine, and predict each probe from the others");
  std::string fit_path, fit_format = "table";
  fit_cmd
      ->add_option(
          "file", fit_path,
          "a sysjourney.measure/1 document (`sysjourney measure --format json`); - reads stdin")
      ->required();
  fit_cmd->add_option("--format", fit_format, "output format")
      ->check(CLI::IsMember({"table", "json"}));
  serve_cmd->add_flag("--no-measure", serve_options.no_measure, "turn off POST /api/measure");
  serve_cmd->add_flag("--allow-measure", serve_options.allow_measure,
                      "allow measurement when bound to a non-loopback address");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }

  Result<Model> loaded = Error{};
  if (!model_dir.empty()) {
    auto files = read_model_dir(model_dir);
    if (!files) return usage_error(files.error());
    loaded = load_model(*files);
  } else {
    loaded = builtin_model();
  }
  if (!loaded) {
    std::cerr << "sysjourney: bad model: " << describe(loaded.error()) << "\n";
    return kUsage;
  }
  const Model& model = *loaded;
  Style style = terminal_style(color);

  if (run->parsed()) {
    auto s = scenario_from(run_flags, model);
    if (!s) return usage_error(s.error());
    std::optional<Profile> profile;
    if (!profile_path.empty()) {
      auto text = read_text_file(profile_path);
      if (!text) return usage_error(text.error());
      auto p = parse_profile(*text);
      if (!p) {
        Error e = p.error();
        e.message = fmt::format("--profile {}: {}", profile_path, e.message);
        return usage_error(e);
      }
      profile = *p;
    }
    auto j = run_journey(model, *s, profile ? &*profile : nullptr);
    if (!j) return usage_error(j.error());
    std::optional<Percentiles> p;
    if (samples > 0) p = sample_totals(*j, samples, seed);
    if (format == "json")
      std::cout << nlohmann::json::parse(journey_json(*j, p)).dump(2) << "\n";
    else if (format == "csv")
      std::cout << journey_csv(*j);
    else if (format == "trace-event")
      std::cout << journey_trace_event(*j).dump(1) << "\n";
    else
      std::cout << render_journey(*j, style, p);
    return 0;
  }
  if (cmp->parsed()) {
    auto base = scenario_from(cmp_flags, model);
    if (!base) return usage_error(base.error());
    Journey sides[2];
    const std::string* texts[2] = {&a_text, &b_text};
    for (int i = 0; i < 2; ++i) {
      Scenario s = *base;
      if (auto r = apply_scenario_text(s, *texts[i], model); !r) {
        Error e = r.error();
        e.message = fmt::format("--{}: {}", i ? "b" : "a", e.message);
        return usage_error(e);
      }
      auto j = run_journey(model, s);
      if (!j) {
        Error e = j.error();
        e.message = fmt::format("--{}: {}", i ? "b" : "a", e.message);
        return usage_error(e);
      }
      sides[i] = *j;
    }
    if (cmp_format == "json")
      std::cout << nlohmann::json::parse(compare_json(sides[0], sides[1])).dump(2) << "\n";
    else
      std::cout << render_compare(sides[0], sides[1], style);
    return 0;
  }
  if (list->parsed()) {
    std::cout << render_list(model, list_what, style);
    return 0;
  }
  if (serve_cmd->parsed()) return serve(model, serve_options, open_browser);
  if (measure_cmd->parsed()) {
    measure::LinuxOs os;
    if (path) {
      auto s = scenario_from(path_flags, model, measure::path_default_scenario());
      if (!s) return usage_error(s.error());
      if (auto ok = measure::check_path_scenario(model, *s); !ok) return usage_error(ok.error());
      auto out = measure_path(os, model, *s, probe_dir, measure_format == "json", style);
      if (!out) {
        std::cerr << "sysjourney: measure --path: " << describe(out.error()) << "\n";
        return 1;
      }
      std::cout << *out;
      return 0;
    }
    if (trace && os.effective_uid() != 0) {  // say so before spending time on the probes
      std::cerr << "sysjourney: measure: --trace needs root: run it with sudo\n";
      return 1;
    }
    measure::ProbeOptions options;
    options.quick = quick;
    options.dir = probe_dir;
    bool progress = isatty(STDERR_FILENO);
    if (progress) {
      options.progress = [](std::string_view id, int index, int total) {
        int width = 24, done = width * index / std::max(1, total);
        std::cerr << fmt::format("\r  [{}{}] {:>2}/{} {:<20}", std::string(done, '#'),
                                 std::string(width - done, '.'), index + 1, total, id)
                  << std::flush;
      };
    }
    auto m = measure::measure_machine(os, model, options);
    if (progress) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
    if (!m) {
      std::cerr << "sysjourney: measure: " << describe(m.error()) << "\n";
      return m.error().field == "dir" ? kUsage : 1;
    }
    if (!save_path.empty()) {
      std::ofstream out(save_path);
      out << profile_to_json(m->calibration.profile);
      if (!out) {
        std::cerr << "sysjourney: cannot write " << save_path << "\n";
        return 1;
      }
    }
    std::optional<measure::TraceReport> traced;
    if (trace) {
      if (progress) std::cerr << "  tracing cold reads..." << std::flush;
      measure::TraceOptions trace_options;
      trace_options.dir = probe_dir;
      trace_options.profile = &m->calibration.profile;  // the model as fitted to this machine
      auto t = measure::trace_cold_read(os, model, trace_options);
      if (progress) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
      if (!t) {
        std::cerr << "sysjourney: measure --trace: " << describe(t.error()) << "\n";
        return 1;
      }
      traced = std::move(*t);
    }
    if (measure_format == "json") {
      auto j = measure::calibration_json(m->host, m->calibration);
      if (traced) j["trace"] = measure::trace_json(*traced);
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << render_measure(model, *m, style);
      if (traced) std::cout << "\n" << measure::render_trace(*traced, style.color);
    }
    return 0;
  }
  if (fit_cmd->parsed()) {
    std::string text;
    if (fit_path == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(fit_path);
      if (!in)
        return usage_error(Error{fmt::format("cannot read {}", fit_path), "file", fit_path,
                                 "a readable file", ""});
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto doc = parse_measure_doc(text);
    if (!doc) {
      Error e = doc.error();
      e.message = fmt::format("{}: {}", fit_path, e.message);
      return usage_error(e);
    }
    auto f = fit(model, *doc);
    if (!f) return usage_error(f.error());
    if (fit_format == "json")
      std::cout << fit_json(*doc, *f).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    else
      std::cout << render_fit(model, *f, style);
    return 0;
  }
  if (explain->parsed()) {
    const Stage* st = model.find_stage(stage_id);
    if (!st) {
      std::vector<std::string> ids;
      for (const auto& s2 : model.stages) ids.push_back(s2.id);
      return usage_error(
          Error{fmt::format("unknown stage '{}' (see `sysjourney list stages`)", stage_id), "stage",
                stage_id, join(ids, ", "), ""});
    }
    std::cout << render_explain(model, *st, style);
    return 0;
  }
  return kUsage;
}

}  // namespace sysjourney

int main(int argc, char** argv) {
  try {
    return sysjourney::run_main(argc, argv);
  } catch (const std::exception& e) {
    // Nothing should get here; if it does, say so instead of aborting.
    std::cerr << "sysjourney: internal error: " << e.what() << "\n";
    return 1;
  }
}
