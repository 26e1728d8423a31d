#include "cli/app.h"

#include "cli/completion.h"
#include "cli/version.h"
#include "core/builtin_model.h"
#include "core/request.h"

namespace sysjourney {

Cli::Cli() {
  // The model's version is read only when asked: most runs never need it.
  app.set_version_flag("--version", [] {
    const auto& m = builtin_model();
    return version_text(SYSJOURNEY_VERSION, m ? m->version : "", git_commit());
  });
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--model", model_dir,
                 "load the model from this directory of .toml files instead of the built-in one")
      ->type_name("DIR");
  choice(app.add_option("--color", color, "colour the table"), {"auto", "always", "never"});

  run = app.add_subcommand("run", "follow one call through every stage");
  add_scenario_options(run, run_flags);
  choice(run->add_option("--format", format, "output format"),
         {"table", "json", "csv", "trace-event"});
  run->add_option("--samples", samples, "draw each stage from its range N times for p50/p99")
      ->check(CLI::Range(0, kMaxSamples));
  run->add_option("--seed", seed, "seed for --samples");
  run->add_option("--profile", profile_path,
                  "apply a host profile saved by `sysjourney measure --save`")
      ->type_name("FILE");

  cmp = app.add_subcommand("compare", "two scenarios side by side, with the ratio");
  add_scenario_options(cmp, cmp_flags);
  cmp->add_option("--a", a_text, "scenario A on top of the common options, e.g. cache=hit")
      ->required();
  cmp->add_option("--b", b_text, "scenario B, e.g. cache=miss")->required();
  choice(cmp->add_option("--format", cmp_format, "output format"), {"table", "json"});

  list = app.add_subcommand("list",
                            "CPU presets, devices and paths (or stages, mitigations, sources)");
  choice(list->add_option("what", list_what, "one section"),
         {"presets", "devices", "paths", "stages", "mitigations", "sources"});

  explain =
      app.add_subcommand("explain", "a stage's functions, explanation, cost range and sources");
  CLI::Option* stage = explain
                           ->add_option("stage", stage_id,
                                        "stage id, e.g. kpti_enter (see `sysjourney list stages`)")
                           ->required();
  values_[stage] = [](const Model& m) {
    std::vector<std::string> ids;
    for (const auto& s : m.stages) ids.push_back(s.id);
    return ids;
  };

  serve = app.add_subcommand("serve", "the interactive page and the JSON API over HTTP");
  serve->add_option("--host", serve_options.host,
                    "address to bind (127.0.0.1 unless told otherwise)");
  serve->add_option("--port", serve_options.port, "port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve->add_flag("--open", open_browser, "open the page in a browser");

  measure = app.add_subcommand("measure",
                               "time the real operations here and fit the model to this machine");
  measure->add_flag("--quick", quick, "fewer iterations: about a second instead of several");
  choice(measure->add_option("--format", measure_format, "output format"), {"table", "json"});
  measure->add_option("--save", save_path, "write the fitted host profile here (for run --profile)")
      ->type_name("FILE");
  measure
      ->add_option("--dir", probe_dir,
                   "make the private probe directory under this one (default: $TMPDIR or /var/tmp)")
      ->type_name("DIR");
  measure->add_flag("--trace", trace,
                    "as root with tracefs: trace one cold read through the kernel");
  // measure --path (cli/path_view.h): one call's kernel functions, with the scenario options of
  // run.
  CLI::Option* path_opt = measure->add_flag("--path", path,
                                            "as root with tracefs: the kernel functions one "
                                            "call of the scenario runs here, by model stage");
  add_scenario_options(measure, path_flags);
  for (auto& [spec, opt] : path_flags.options) opt->needs(path_opt);
  path_opt->excludes("--trace")->excludes("--quick")->excludes("--save");

  fit = app.add_subcommand(
      "fit",
      "fit the model to a measure file from any machine, and predict each probe from the others");
  fit->add_option(
         "file", fit_path,
         "a sysjourney.measure/1 document (`sysjourney measure --format json`); - reads stdin")
      ->required()
      ->type_name("FILE");
  choice(fit->add_option("--format", fit_format, "output format"), {"table", "json"});
  serve->add_flag("--no-measure", serve_options.no_measure, "turn off POST /api/measure");
  serve->add_flag("--allow-measure", serve_options.allow_measure,
                  "allow measurement when bound to a non-loopback address");

  completion = app.add_subcommand("completion", "print the shell completion script for SHELL");
  // Not a CLI11 check: completion_script says which shells exist, as an error value.
  CLI::Option* shell_opt =
      completion->add_option("shell", shell, "the shell: bash, zsh or fish")->required();
  std::vector<std::string> shells = completion_shells();
  values_[shell_opt] = [shells](const Model&) { return shells; };

  man = app.add_subcommand("man", "print the man page in roff (the build installs it)");
  man->group("");  // hidden from --help, the man page and the completions
}

CLI::Option* Cli::choice(CLI::Option* opt, const std::vector<std::string>& allowed) {
  opt->check(CLI::IsMember(allowed));
  values_[opt] = [allowed](const Model&) { return allowed; };
  return opt;
}

void Cli::add_scenario_options(CLI::App* cmd, ScenarioFlags& flags) {
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
    if (spec.kind != OptionKind::number)
      values_[opt] = [&spec](const Model& m) { return allowed_values(spec, m); };
    flags.options.push_back({&spec, opt});
  }
}

std::vector<std::string> Cli::values(const CLI::Option* opt, const Model& model) const {
  auto it = values_.find(opt);
  return it == values_.end() ? std::vector<std::string>{} : it->second(model);
}

namespace {

ArgDoc describe_arg(const Cli& cli, const CLI::Option* opt, const Model& model) {
  ArgDoc a;
  a.positional = opt->get_positional();
  if (a.positional) {
    a.names.push_back(opt->get_name(true));
  } else {
    for (const auto& s : opt->get_snames()) a.names.push_back("-" + s);
    for (const auto& l : opt->get_lnames()) a.names.push_back("--" + l);
  }
  int max = opt->get_items_expected_max();
  a.takes_value = a.positional || opt->get_items_expected_min() > 0;
  a.value_optional = !a.takes_value && max > 0;
  if (a.takes_value || a.value_optional) {
    std::string type = opt->get_type_name();
    a.value_name = type.substr(0, type.find(':'));  // without the checks' descriptions
    if (a.value_name.size() > 2 && a.value_name.front() == '[' && a.value_name.back() == ']')
      a.value_name = a.value_name.substr(1, a.value_name.size() - 2);
  }
  a.help = opt->get_description();
  a.values = cli.values(opt, model);
  a.required = opt->get_required();
  for (const CLI::Option* n : opt->get_needs()) a.needs = "--" + n->get_lnames().front();
  return a;
}

std::vector<ArgDoc> describe_args(const Cli& cli, const CLI::App& app, const Model& model) {
  std::vector<ArgDoc> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    out.push_back(describe_arg(cli, opt, model));
  }
  return out;
}

}  // namespace

CommandTable describe_commands(const Cli& cli, const Model& model) {
  CommandTable t;
  t.program = cli.app.get_name();
  t.help = cli.app.get_description();
  t.global = describe_args(cli, cli.app, model);
  std::function<bool(const CLI::App*)> all = [](const CLI::App*) { return true; };
  for (const CLI::App* sub : cli.app.get_subcommands(all)) {
    if (sub->get_group().empty()) continue;  // hidden, like `man`
    CommandDoc c;
    c.name = sub->get_name();
    c.help = sub->get_description();
    c.args = describe_args(cli, *sub, model);
    t.commands.push_back(std::move(c));
  }
  return t;
}

}  // namespace sysjourney
