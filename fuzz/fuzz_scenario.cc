// Fuzz target: the scenario vocabulary, as the CLI and the HTTP API feed it.
// The first bytes pick the way in; the rest is the text:
//   "run?QUERY"      GET /api/run?QUERY: httplib's query decoding, then Api::run
//   "compare?QUERY"  GET /api/compare?QUERY: the same, then Api::compare
//   anything else    parse_scenario(TEXT), and set_option(KEY, VALUE) split at the first '='
//                    (a CLI flag and its value)
// Promises: the API answers 200 or 400, never anything else; JSON bodies are JSON; a 400 names
// what was wrong; a scenario that parses either runs or is refused with a reason.
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/builtin_model.h"
#include "core/format.h"
#include "core/journey.h"
#include "core/scenario.h"
#include "fuzz/check.h"
#include "server/api.h"
#include "server/httplib_workarounds.h"

using namespace sysjourney;

namespace {

const Model& model() {
  static const Model& m = *builtin_model();
  return m;
}

const Api& api() {
  static const Api a(model(), "fuzz");
  return a;
}

// As the server decodes a query: httplib's decoding, exact repeats kept (query_params).
Params decode_query(const std::string& query) { return query_params("/api/run?" + query); }

void check_response(const ApiResponse& r) {
  fuzz::check(r.status == 200 || r.status == 400, "the API answers 200 or 400",
              std::to_string(r.status));
  if (r.content_type.rfind("application/json", 0) != 0) return;
  fuzz::check(fuzz::is_json(r.body), "a JSON answer is JSON", r.body);
  if (r.status == 400) {
    auto j = nlohmann::json::parse(r.body);
    fuzz::check(
        j.contains("error") && j.contains("field") && j.contains("value") && j.contains("allowed"),
        "a 400 carries the error contract", r.body);
    fuzz::check(!j["error"].get<std::string>().empty(), "a 400 says what was wrong", r.body);
  }
}

// What any journey promises, whatever the scenario: no negative time or cycles, every stage's
// low <= typ <= high, and the rows add up to the totals (within rounding).
void check_invariants(const Journey& j, const std::string& json) {
  auto near = [](double sum, double total) {
    return std::abs(sum - total) <= 1e-9 * std::max(1.0, std::abs(total));
  };
  double ns = 0, low = 0, high = 0, cycles = 0, on_cpu = 0, blocked = 0;
  for (const auto& st : j.stages) {
    fuzz::check(st.ns >= 0 && st.cycles >= 0 && st.low_ns >= 0 && st.tax_ns >= 0 && st.vm_ns >= 0,
                "a stage's ns and cycles are not negative", json);
    fuzz::check(st.low_ns <= st.ns * (1 + 1e-12) && st.ns <= st.high_ns * (1 + 1e-12),
                "a stage's low <= typ <= high", json);
    ns += st.ns, low += st.low_ns, high += st.high_ns, cycles += st.cycles;
    (st.stage->on_cpu ? on_cpu : blocked) += st.ns;
  }
  const Totals& t = j.totals;
  fuzz::check(t.stages == int(j.stages.size()), "totals count every stage", json);
  fuzz::check(
      near(ns, t.ns) && near(low, t.low_ns) && near(high, t.high_ns) && near(cycles, t.cycles),
      "the rows add up to the totals", json);
  fuzz::check(near(on_cpu + blocked, t.ns), "on-CPU and blocked time add up to the total", json);
  fuzz::check(t.low_ns <= t.ns * (1 + 1e-12) && t.ns <= t.high_ns * (1 + 1e-12),
              "the total's low <= typ <= high", json);
}

void run_scenario(const Scenario& s) {
  auto j = run_journey(model(), s);
  if (!j) {
    fuzz::check_error(j.error());
    return;
  }
  std::string json = journey_json(*j);
  fuzz::check(fuzz::is_json(json), "journey_json is JSON", json);
  check_invariants(*j, json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.rfind("run?", 0) == 0) {
    check_response(api().run(decode_query(text.substr(4))));
  } else if (text.rfind("compare?", 0) == 0) {
    check_response(api().compare(decode_query(text.substr(8))));
  } else {
    auto s = parse_scenario(text, model());
    if (s)
      run_scenario(*s);
    else
      fuzz::check_error(s.error());
    auto eq = text.find('=');
    Scenario flag;
    auto r = eq == std::string::npos
                 ? set_option(flag, text, "", model())
                 : set_option(flag, text.substr(0, eq), text.substr(eq + 1), model());
    if (r)
      run_scenario(flag);
    else
      fuzz::check_error(r.error());
  }
  return 0;
}
