// A scenario: what is called and on what. One vocabulary for the CLI, the API's query string
// and the page's URL (docs/contracts.md).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model.h"
#include "result.h"

namespace sysjourney {

struct Scenario {
  std::string op = "read";
  std::string fd = "file";
  std::string cache = "miss";
  bool cache_given = false;  // unset, a write's block is cached: resolve() makes it "hit"
  std::string device;        // empty: the CPU preset's usual device
  std::string cpu;           // empty: the model's default preset
  std::optional<double> ghz;
  std::optional<bool> kpti;
  std::optional<bool> pcid;
  std::int64_t bytes = 16;
  std::string tracer = "none";
  std::string api = "read";
  int batch = 1;
  bool direct = false;
  bool wait = false;
  bool nonblock = false;
  std::string sync = "none";  // writes: O_DSYNC ("dsync") or O_SYNC ("sync")
  bool full = false;          // writes to pipes and sockets: no room, the writer sleeps
  // The call repeats back to back (a benchmark loop): caches, TLB and predictors stay hot.
  bool warm = false;
};

// A scenario with every default filled in from the model and the CPU preset.
struct ResolvedScenario {
  Scenario in;  // as given
  const CpuPreset* cpu = nullptr;
  const Device* device = nullptr;
  double ghz = 3.0;
  bool kpti = false;
  bool pcid = true;
  bool virtualized = false;                    // a guest: its VM exits cost
  std::vector<const Mitigation*> mitigations;  // what taxes each event (the preset's or the host's)
};

enum class OptionKind { choice, number, flag };

// One scenario option. The table below feeds parsing, --help, /api/model and validation.
struct OptionSpec {
  const char* name;
  OptionKind kind;
  std::vector<std::string> values = {};  // for choices; cpu and device come from the model
  double min = 0, max = 0;               // for numbers
  const char* help = "";
};

const std::vector<OptionSpec>& scenario_options();

// Allowed values of a choice option, including those the model defines (cpu, device).
std::vector<std::string> allowed_values(const OptionSpec& spec, const Model& model);

// Sets one option from text, e.g. ("cache", "hit"). Flags take on/off/true/false/1/0/yes/no.
Result<bool> set_option(Scenario& s, const std::string& key, const std::string& value,
                        const Model& model);

// Parses "fd=file,cache=miss" or "fd=file&cache=miss" (no percent-decoding).
Result<Scenario> parse_scenario(const std::string& text, const Model& model);

// The same, applied on top of an existing scenario (compare's --a/--b over common options).
Result<bool> apply_scenario_text(Scenario& s, const std::string& text, const Model& model);

// Checks the combination and fills in defaults. Impossible combinations (O_DIRECT with a
// size the device cannot transfer, io_uring on a pipe) are errors that say why.
Result<ResolvedScenario> resolve(const Scenario& s, const Model& model);
// The same into `r` (the engine's journey holds it), without a copy of the result.
std::optional<Error> resolve_into(const Scenario& s, const Model& model, ResolvedScenario& r);

// The scenario attributes a path condition or a cost_by can name ("fd", "kpti", "vendor", ...).
const std::vector<std::string>& attribute_keys();

// Every attribute's value, in attribute_keys() order (one pass instead of a lookup per use).
// The views point into `s` and the model: use them while both live.
constexpr std::size_t kAttributeCount = 20;  // attribute_keys().size(), checked by a test
using Attributes = std::array<std::string_view, kAttributeCount>;
Attributes attributes(const ResolvedScenario& s);

// Canonical "key=value" pairs of a resolved scenario, in table order (for JSON, URLs, CSV).
std::vector<std::pair<std::string, std::string>> scenario_pairs(const ResolvedScenario& s);

std::string join(const std::vector<std::string>& items, const std::string& sep);

}  // namespace sysjourney
