#include "clause.h"

#include <fmt/format.h>

#include "text.h"

namespace sysjourney {

Result<Clause> parse_clause(const std::string& text) {
  Clause c;
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size() || (eq == 1 && text[0] == '!')) {
    return Error{fmt::format("clause '{}' is not key=values or key!=values", text), "clause", text,
                 "key=v1|v2 or key!=v1|v2", ""};
  }
  c.negate = text[eq - 1] == '!';
  c.key = text.substr(0, c.negate ? eq - 1 : eq);
  c.values = split(text.substr(eq + 1), '|');
  return c;
}

}  // namespace sysjourney
