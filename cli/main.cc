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

#include "cli/app.h"
#include "cli/completion.h"
#include "cli/manpage.h"
#include "cli/model_dir.h"
#include "cli/path_view.h"
#include "cli/table.h"
#include "cli/trace_view.h"
#include "core/builtin_model.h"
#include "core/fit.h"
#include "core/format.h"
#include "core/journey.h"
#include "core/request.h"
#include "core/units.h"
#include "measure/os_linux.h"
#include "measure/session.h"
#include "measure/trace.h"
#include "server/measure_endpoint.h"
#include "server/server.h"

namespace sysjourney {
namespace {

constexpr int kUsage = kExitUsage;

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

int cmd_completion(const Cli& c, const Model& model, const Style&) {
  auto script = completion_script(describe_commands(c, model), c.shell);
  if (!script) return usage_error(script.error());
  std::cout << *script;
  return 0;
}

int cmd_man(const Cli& c, const Model& model, const Style&) {
  std::cout << man_page(describe_commands(c, model), SYSJOURNEY_VERSION);
  return 0;
}

int cmd_run(const Cli& c, const Model& model, const Style& style) {
  auto s = scenario_from(c.run_flags, model);
  if (!s) return usage_error(s.error());
  std::optional<Profile> profile;
  if (!c.profile_path.empty()) {
    auto text = read_text_file(c.profile_path);
    if (!text) return usage_error(text.error());
    auto p = parse_profile(*text);
    if (!p) {
      Error e = p.error();
      e.message = fmt::format("--profile {}: {}", c.profile_path, e.message);
      return usage_error(e);
    }
    profile = *p;
  }
  auto j = run_journey(model, *s, profile ? &*profile : nullptr);
  if (!j) return usage_error(j.error());
  std::optional<Percentiles> p;
  if (c.samples > 0) p = sample_totals(*j, c.samples, c.seed);
  if (c.format == "json")
    std::cout << nlohmann::json::parse(journey_json(*j, p)).dump(2) << "\n";
  else if (c.format == "csv")
    std::cout << journey_csv(*j);
  else if (c.format == "trace-event")
    std::cout << journey_trace_event(*j).dump(1) << "\n";
  else
    std::cout << render_journey(*j, style, p);
  return 0;
}

int cmd_compare(const Cli& c, const Model& model, const Style& style) {
  auto base = scenario_from(c.cmp_flags, model);
  if (!base) return usage_error(base.error());
  auto sides = run_compare(model, *base, {c.a_text, c.b_text}, {"--a", "--b"});
  if (!sides) return usage_error(sides.error());
  const auto& [a, b] = *sides;
  if (c.cmp_format == "json")
    std::cout << nlohmann::json::parse(compare_json(a, b)).dump(2) << "\n";
  else
    std::cout << render_compare(a, b, style);
  return 0;
}

int cmd_list(const Cli& c, const Model& model, const Style& style) {
  std::cout << render_list(model, c.list_what, style);
  return 0;
}

int cmd_measure(const Cli& c, const Model& model, const Style& style) {
  measure::LinuxOs os;
  if (c.path) {
    auto s = scenario_from(c.path_flags, model, measure::path_default_scenario());
    if (!s) return usage_error(s.error());
    if (auto ok = measure::check_path_scenario(model, *s); !ok) return usage_error(ok.error());
    auto out = measure_path(os, model, *s, c.probe_dir, c.measure_format == "json", style);
    if (!out) {
      std::cerr << "sysjourney: measure --path: " << describe(out.error()) << "\n";
      return 1;
    }
    std::cout << *out;
    return 0;
  }
  if (c.trace && os.effective_uid() != 0) {  // say so before spending time on the probes
    std::cerr << "sysjourney: measure: --trace needs root: run it with sudo\n";
    return 1;
  }
  measure::ProbeOptions options;
  options.quick = c.quick;
  options.dir = c.probe_dir;
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
  if (!c.save_path.empty()) {
    std::ofstream out(c.save_path);
    out << profile_to_json(m->calibration.profile);
    if (!out) {
      std::cerr << "sysjourney: cannot write " << c.save_path << "\n";
      return 1;
    }
  }
  std::optional<measure::TraceReport> traced;
  if (c.trace) {
    if (progress) std::cerr << "  tracing cold reads..." << std::flush;
    measure::TraceOptions trace_options;
    trace_options.dir = c.probe_dir;
    trace_options.profile = &m->calibration.profile;  // the model as fitted to this machine
    auto t = measure::trace_cold_read(os, model, trace_options);
    if (progress) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
    if (!t) {
      std::cerr << "sysjourney: measure --trace: " << describe(t.error()) << "\n";
      return 1;
    }
    traced = std::move(*t);
  }
  if (c.measure_format == "json") {
    auto j = measure::calibration_json(m->host, m->calibration);
    if (traced) j["trace"] = trace_json(*traced);
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << render_measure(model, *m, style);
    if (traced) std::cout << "\n" << render_trace(*traced, style.color);
  }
  return 0;
}

int cmd_serve(const Cli& c, const Model& model, const Style&) {
  return serve(model, c.serve_options, c.open_browser);
}

int cmd_fit(const Cli& c, const Model& model, const Style& style) {
  std::string text;
  if (c.fit_path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(c.fit_path);
    if (!in)
      return usage_error(Error{fmt::format("cannot read {}", c.fit_path), "file", c.fit_path,
                               "a readable file", ""});
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto doc = parse_measure_doc(text);
  if (!doc) {
    Error e = doc.error();
    e.message = fmt::format("{}: {}", c.fit_path, e.message);
    return usage_error(e);
  }
  auto f = fit(model, *doc);
  if (!f) return usage_error(f.error());
  if (c.fit_format == "json")
    std::cout << fit_json(*doc, *f).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  else
    std::cout << render_fit(model, *f, style);
  return 0;
}

int cmd_explain(const Cli& c, const Model& model, const Style& style) {
  const Stage* st = model.find_stage(c.stage_id);
  if (!st) {
    std::vector<std::string> ids;
    for (const auto& s2 : model.stages) ids.push_back(s2.id);
    return usage_error(
        Error{fmt::format("unknown stage '{}' (see `sysjourney list stages`)", c.stage_id), "stage",
              c.stage_id, join(ids, ", "), ""});
  }
  std::cout << render_explain(model, *st, style);
  return 0;
}

// Every subcommand: the CLI11 App that parses it (built in app.cc, which also writes its help,
// the man page and the completions) and the function that runs it.
struct Command {
  CLI::App* Cli::*app;
  int (*run)(const Cli&, const Model&, const Style&);
};
const Command kCommands[] = {
    {&Cli::completion, cmd_completion}, {&Cli::man, cmd_man},   {&Cli::run, cmd_run},
    {&Cli::cmp, cmd_compare},           {&Cli::list, cmd_list}, {&Cli::serve, cmd_serve},
    {&Cli::measure, cmd_measure},       {&Cli::fit, cmd_fit},   {&Cli::explain, cmd_explain},
};

}  // namespace

int run_main(int argc, char** argv) {
  Cli c;
  CLI::App& app = c.app;
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
  if (!c.model_dir.empty()) {
    auto files = read_model_dir(c.model_dir);
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
  Style style = terminal_style(c.color);

  for (const Command& cmd : kCommands)
    if ((c.*cmd.app)->parsed()) return cmd.run(c, model, style);
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
