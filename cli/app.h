// The command line as one table: the CLI11 App with every subcommand and option, and the
// values each accepts. run_main parses with it; the man page and the shell completions are
// written from it (describe_commands), so that they cannot drift from what the parser takes.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model.h"
#include "core/scenario.h"
#include "server/server.h"

namespace sysjourney {

// Exit codes. Only main.cc turns errors into them; the man page lists them.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // the work failed: a probe, the server's port, a file to write
constexpr int kExitUsage = 2;   // bad usage or input: an option, a file's contents, the model

struct ScenarioFlags {
  // One string per option of the scenario table, in table order; flags may come without a value.
  std::vector<std::pair<const OptionSpec*, CLI::Option*>> options;
  std::vector<std::string> values = std::vector<std::string>(scenario_options().size());
};

// Every subcommand and the variables its options write. Built in the constructor; CLI11 keeps
// pointers into it, so it neither copies nor moves.
struct Cli {
  Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  CLI::App app{"sysjourney: what one read(fd, buf, 16) really costs, stage by stage", "sysjourney"};
  std::string model_dir;
  std::string color = "auto";

  CLI::App* run = nullptr;
  ScenarioFlags run_flags;
  std::string format = "table";
  int samples = 0;
  std::uint64_t seed = 1;
  std::string profile_path;

  CLI::App* cmp = nullptr;
  ScenarioFlags cmp_flags;
  std::string a_text, b_text, cmp_format = "table";

  CLI::App* list = nullptr;
  std::string list_what;

  CLI::App* explain = nullptr;
  std::string stage_id;

  CLI::App* serve = nullptr;
  ServeOptions serve_options;
  bool open_browser = false;

  CLI::App* measure = nullptr;
  bool quick = false, trace = false, path = false;
  std::string measure_format = "table", save_path, probe_dir;
  ScenarioFlags path_flags;  // measure --path takes the scenario options of run

  CLI::App* fit = nullptr;
  std::string fit_path, fit_format = "table";

  CLI::App* completion = nullptr;
  std::string shell;

  CLI::App* man = nullptr;  // hidden: prints the man page, which the build installs

  // The values an option or positional accepts; empty when any text goes (numbers, file
  // names). The cpu, device and stage ids come from `model`.
  std::vector<std::string> values(const CLI::Option* opt, const Model& model) const;

 private:
  using Values = std::function<std::vector<std::string>(const Model&)>;
  CLI::Option* choice(CLI::Option* opt, const std::vector<std::string>& allowed);
  void add_scenario_options(CLI::App* cmd, ScenarioFlags& flags);
  std::map<const CLI::Option*, Values> values_;
};

// One option or positional, as the man page and the completions need it.
struct ArgDoc {
  std::vector<std::string> names;  // "-h", "--help"; a positional: its name ("what")
  bool positional = false;
  bool takes_value = false;     // needs a value: --fd pipe
  bool value_optional = false;  // may take one: --wait, --wait off
  std::string value_name;       // "N", "SIZE", "FILE", "DIR", "TEXT", "on|off"
  std::string help;
  std::vector<std::string> values;  // the allowed values; empty when any text goes
  bool required = false;
  std::string needs;  // another option it only works with ("--path")
  bool file() const { return value_name == "FILE"; }
  bool dir() const { return value_name == "DIR"; }
  const std::string& name() const { return names.back(); }  // the long form
};

struct CommandDoc {
  std::string name;
  std::string help;
  std::vector<ArgDoc> args;
};

struct CommandTable {
  std::string program;
  std::string help;
  std::vector<ArgDoc> global;        // before the subcommand: --model, --color, --help, --version
  std::vector<CommandDoc> commands;  // in the order of --help; hidden ones left out
};

// Walks the App: every visible subcommand and its options and positionals, in order.
CommandTable describe_commands(const Cli& cli, const Model& model);

}  // namespace sysjourney
