// One condition over a scenario's options, as the model's `when` lists and the relevance table
// write it: "key=v1|v2" (the option is one of the values) or "key!=v1|v2" (it is none of them).
#pragma once
#include <string>
#include <vector>

#include "result.h"

namespace sysjourney {

// "fd!=file|pipe" is key fd, negated, values {file, pipe}.
struct Clause {
  std::string key;
  bool negate = false;
  std::vector<std::string> values;
};

// The clause in `text`; an error naming it when it has no key, no '=' or no value. Which keys and
// values exist is the reader's to check (the model's attributes, the scenario's options).
Result<Clause> parse_clause(const std::string& text);

}  // namespace sysjourney
