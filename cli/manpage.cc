#include "cli/manpage.h"

#include <fmt/format.h>

#include <cctype>

#include "core/scenario.h"

namespace sysjourney {
namespace {

// Past this many values the list would bury the option (the stage ids): the help names the
// command that lists them.
constexpr std::size_t kMaxListedValues = 16;

std::string bold(const std::string& s) { return "\\fB" + roff_text(s) + "\\fR"; }
std::string italic(const std::string& s) { return "\\fI" + roff_text(s) + "\\fR"; }

std::string value_name(const ArgDoc& a) {
  if (a.value_name.empty() || a.value_name == "TEXT") {
    std::string n = a.name();
    while (!n.empty() && n.front() == '-') n.erase(0, 1);
    for (char& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return n;
  }
  return a.value_name;
}

// ".TP" item: the names and the value, then the help and what is allowed.
std::string arg_item(const ArgDoc& a) {
  std::vector<std::string> names;
  for (const auto& n : a.names) names.push_back(a.positional ? italic(n) : bold(n));
  std::string head = join(names, ", ");
  if (a.takes_value && !a.positional) head += " " + italic(value_name(a));
  if (a.value_optional) head += " [" + italic(value_name(a)) + "]";
  std::string body = a.help;
  if (!body.empty()) body[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(body[0])));
  if (!body.empty() && body.back() != '.') body += ".";
  if (!a.values.empty() && a.values.size() <= kMaxListedValues &&
      value_name(a) != join(a.values, "|"))
    body += " Allowed: " + join(a.values, ", ") + ".";
  if (a.required) body += " Required.";
  if (!a.needs.empty()) body += " Only with " + a.needs + ".";
  return ".TP\n" + head + "\n" + roff_text(body) + "\n";
}

std::string synopsis(const std::string& program, const CommandDoc& c) {
  std::string out = ".B " + program + " " + c.name + "\n";
  std::string rest;
  bool options = false;
  for (const auto& a : c.args) {
    if (!a.positional) {
      options = true;
      continue;
    }
    rest += " " + (a.required ? italic(a.name()) : "[" + italic(a.name()) + "]");
  }
  if (options) rest = " [" + italic("OPTIONS") + "]" + rest;
  if (!rest.empty()) out += rest.substr(1) + "\n";
  return out + ".br\n";
}

// Paragraphs, separated by blank lines.
const char* kDescription = R"(models what one system call costs, stage by stage: the glibc
wrapper, the `SYSCALL` trap, the KPTI page-table switch, the speculation mitigations, VFS, the
file system, the page cache, the block layer, the device, the interrupt and wake-up,
`copy_to_user` and the way back. Each stage has its cost in cycles (CPU work) or nanoseconds
(devices and wake-ups), which tools can see it, whether the task is on the CPU or blocked, and
the source of its numbers. The model is data: TOML files built into the binary. `measure` times
the same operations on this machine and fits the model to them.

Every scenario option (`--op`, `--fd`, `--cache`, ...) is shared by `run`, `compare` and
`measure --path`, by the JSON API of `serve` and by the page. Bad input names the option, the
value and what is allowed, and exits with status 2.)";

}  // namespace

std::string roff_text(const std::string& s) {
  std::string out;
  bool code = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c == '`') {
      out += code ? "\\fR" : "\\fB";
      code = !code;
    } else if ((c == '.' || c == '\'') && (out.empty() || out.back() == '\n')) {
      out += "\\&";
      out += c;
    } else {
      out += c;
    }
  }
  if (code) out += "\\fR";
  return out;
}

const std::vector<ManExample>& man_examples() {
  static const std::vector<ManExample> examples = {
      {"sysjourney run", "A 16-byte read that misses the page cache on NVMe: every stage."},
      {"sysjourney run --cache hit", "The same read, served from the page cache."},
      {"sysjourney compare --a cache=hit --b cache=miss", "Two scenarios and their ratio."},
      {"sysjourney run --fd pipe --wait", "A pipe reader that must sleep until a writer comes."},
      {"sysjourney run --cache hit --api io_uring --batch 32",
       "io_uring, with the cost of one io_uring_enter shared by 32 reads."},
      {"sysjourney run --cache hit --tracer strace", "What strace adds to every call."},
      {"sysjourney run --format trace-event", "A trace to open in Perfetto."},
      {"sysjourney explain kpti_enter",
       "One stage: kernel functions, explanation, costs, sources."},
      {"sysjourney list presets", "The CPU presets (also devices, paths, stages, mitigations)."},
      {"sysjourney measure --save profile.json",
       "Time the real operations here, fit the model, save the host profile."},
      {"sysjourney run --profile profile.json", "Any scenario, priced on the measured machine."},
      {"sysjourney fit measure.json", "Fit the model to a measure file from any machine."},
      {"sudo sysjourney measure --path --cache hit",
       "The kernel functions one call really runs, by model stage."},
      {"sysjourney serve --port 8080 --open", "The interactive page on http://127.0.0.1:8080/."},
      {"sysjourney completion bash > ~/.local/share/bash-completion/completions/sysjourney",
       "Completions without installing the package."},
  };
  return examples;
}

std::string man_page(const CommandTable& t, const std::string& version) {
  const std::string& p = t.program;
  std::string upper = p;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string summary = t.help;
  if (summary.rfind(p + ": ", 0) == 0) summary = summary.substr(p.size() + 2);

  std::string out = fmt::format(".\\\" Generated by `{} man` from its option table.\n", p);
  out += fmt::format(".TH {} 1 \"\" \"{} {}\" \"User Commands\"\n", upper, p, roff_text(version));
  out += ".SH NAME\n" + p + " \\- " + roff_text(summary) + "\n";

  out += ".SH SYNOPSIS\n";
  out += ".B " + p + "\n[" + italic("GLOBAL OPTIONS") + "] " + italic("COMMAND") + " [" +
         italic("OPTIONS") + "]\n.br\n";
  for (const auto& c : t.commands) out += synopsis(p, c);
  out += ".B " + p + "\n" + bold("--version") + " | " + bold("--help") + "\n";

  std::string description = roff_text(kDescription);
  for (auto at = description.find("\n\n"); at != std::string::npos; at = description.find("\n\n"))
    description.replace(at, 2, "\n.PP\n");
  out += ".SH DESCRIPTION\n" + bold(p) + " " + description + "\n";

  out += ".SH GLOBAL OPTIONS\nThese come before the command (or anywhere after it).\n";
  for (const auto& a : t.global) out += arg_item(a);

  out += ".SH COMMANDS\n";
  for (const auto& c : t.commands) {
    out += ".SS " + bold(c.name) + "\n";
    std::string help = c.help;
    if (!help.empty())
      help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
    out += roff_text(help) + ".\n";
    for (const auto& a : c.args) out += arg_item(a);
  }

  out += ".SH EXIT STATUS\n";
  out += fmt::format(".TP\n{}\nSuccess.\n", kExitOk);
  out += fmt::format(
      ".TP\n{}\n{}\n", kExitFailed,
      roff_text("The work failed: a probe or the tracer could not run, the server could not "
                "bind its port, a file could not be written."));
  out += fmt::format(
      ".TP\n{}\n{}\n", kExitUsage,
      roff_text("Bad usage or input: an unknown option or value, an impossible combination "
                "(`--direct` with 16 bytes), a file that cannot be read or parsed, a model "
                "directory that does not validate. The message names the option or field, the "
                "value and what is allowed."));

  out += ".SH ENVIRONMENT\n";
  out += ".TP\n" + bold("NO_COLOR") + "\n" +
         roff_text("When set and not empty, `--color auto` does not colour the tables.") + "\n";
  out +=
      ".TP\n" + bold("COLUMNS") + "\n" + roff_text("The width of the tables (at least 60).") + "\n";
  out += ".TP\n" + bold("TMPDIR") + "\n" +
         roff_text(
             "Where `measure` makes its private probe directory when `--dir` is not "
             "given, if it is on a disk (otherwise /var/tmp).") +
         "\n";

  out += ".SH FILES\n";
  out += ".TP\n" + italic("FILE") + " of " + bold("measure --save") + "\n" +
         roff_text(
             "The fitted host profile (a sysjourney.profile/1 JSON document), written only "
             "when asked; `run --profile FILE` reads it.") +
         "\n";
  out += ".TP\n" + italic("DIR") + "/sysjourney\\-XXXXXX\n" +
         roff_text(
             "The private probe directory of `measure`, made under `--dir`, $TMPDIR or "
             "/var/tmp (mode 0700). The probes write their files only there, and it is "
             "removed on exit, SIGINT and SIGTERM. The page cache as a whole is never "
             "dropped.") +
         "\n";
  out += ".TP\n" + italic("DIR") + "/*.toml of " + bold("--model") + "\n" +
         roff_text(
             "A model to load instead of the built-in one (stages, paths, CPUs, devices, "
             "mechanisms, sources).") +
         "\n";

  out += ".SH EXAMPLES\n";
  for (const auto& e : man_examples())
    out += ".TP\n" + bold(e.command) + "\n" + roff_text(e.what) + "\n";

  out += ".SH SEE ALSO\n" + bold("strace") + "(1), " + bold("ltrace") + "(1), " + bold("perf") +
         "(1), " + bold("bpftrace") + "(8), " + bold("read") + "(2), " + bold("io_uring") + "(7)\n";
  return out;
}

}  // namespace sysjourney
