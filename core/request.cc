#include "request.h"

#include <fmt/format.h>

namespace sysjourney {

Result<std::array<Journey, 2>> run_compare(const Model& model, const Scenario& base,
                                           const std::array<std::string, 2>& texts,
                                           const std::array<std::string_view, 2>& names) {
  std::array<Journey, 2> sides;
  for (std::size_t i = 0; i < 2; ++i) {
    auto named = [&](Error e) {
      e.message = fmt::format("{}: {}", names[i], e.message);
      return e;
    };
    Scenario s = base;
    if (auto r = apply_scenario_text(s, texts[i], model); !r) return named(r.error());
    auto j = run_journey(model, s);
    if (!j) return named(j.error());
    sides[i] = std::move(*j);
  }
  return sides;
}

}  // namespace sysjourney
