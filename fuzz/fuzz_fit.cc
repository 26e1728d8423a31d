// Fuzz target: `sysjourney fit FILE` and POST /api/fit, on a measure document's text.
// Promises: a document either parses or is refused with a reason; a parsed one fits without
// crashing, every number it answers is finite, and the answer is itself a document that parses.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/builtin_model.h"
#include "core/fit.h"
#include "fuzz/check.h"

using namespace sysjourney;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto doc = parse_measure_doc(text);
  if (!doc) {
    fuzz::check_error(doc.error());
    return 0;
  }
  const Model& model = *builtin_model();
  auto f = fit(model, *doc);
  if (!f) {
    fuzz::check_error(f.error());
    return 0;
  }
  for (const auto& p : f->probes) {
    fuzz::check(std::isfinite(p.model_ns) && std::isfinite(p.calibrated_ns),
                "finite model and calibrated", p.id);
    fuzz::check(!p.predicted_ns || std::isfinite(*p.predicted_ns), "finite prediction", p.id);
  }
  for (const auto& prm : f->parameters) {
    fuzz::check(std::isfinite(prm.value) && prm.value > 0 && std::isfinite(prm.sigma),
                "finite factor", prm.name);
  }
  const std::string answer =
      fit_json(*doc, *f).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  fuzz::check(parse_measure_doc(answer).ok(), "the answer is a measure document",
              answer.substr(0, 200));
  return 0;
}
