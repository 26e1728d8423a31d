// Which scenario options mean something for a scenario, which have an effect, and which values
// make sense. The page hides, disables or narrows its controls by this table (GET /api/model,
// `relevance`), so the rules are stated once, here, and a test holds them to what resolve() and
// the engine do.
//
// A clause is "key=v1|v2" or "key!=v1|v2" over the scenario as it runs: choices by name, flags
// as on/off, kpti and pcid as the CPU preset or the override sets them.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "clause.h"
#include "result.h"
#include "scenario.h"

namespace sysjourney {

struct InertRule {
  std::vector<std::string> when;  // every clause holds: the option has no effect
  std::string reason;
};

struct OptionRelevance {
  std::string option;
  std::vector<std::string> applies = {};  // every clause holds: the option means something here
  std::string reason = {};                // said when it does not apply
  std::vector<InertRule> inert = {};
  // Where every value that runs gives the same journey, but the option stays: its default would
  // not run here (fd=file with wait=on), so the form keeps it and the permalink names it.
  std::vector<InertRule> same = {};
  // Values offered only when their clauses hold (the others always are); resolve() refuses the
  // value otherwise.
  std::map<std::string, std::vector<std::string>> values = {};
};

// The table, one entry per option of scenario_options(), in its order.
const std::vector<OptionRelevance>& option_relevance();

// The scenario's options as clauses see them (kpti and pcid as the run uses them).
std::map<std::string, std::string> clause_values(const ResolvedScenario& s);

bool holds(const std::string& clause, const std::map<std::string, std::string>& values);
bool all_hold(const std::vector<std::string>& clauses,
              const std::map<std::string, std::string>& values);
// The first rule whose clauses all hold (of `inert` or `same`), or nullptr.
const InertRule* first_holding(const std::vector<InertRule>& rules,
                               const std::map<std::string, std::string>& values);

struct Relevance {
  bool applies = true;  // false: the option means nothing here (cache for a pipe)
  bool enabled = true;  // false: it has no effect now (device on a cache hit)
  std::string reason;   // why not, when either is false
};
Relevance relevance_of(const OptionRelevance& rule, const std::map<std::string, std::string>& v);

// Whether `value` is offered for the option with the rest of the scenario as it is.
bool value_offered(const OptionRelevance& rule, const std::string& value,
                   const std::map<std::string, std::string>& v);

}  // namespace sysjourney
