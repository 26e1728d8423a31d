// Fuzz target: the host profile loader, parse_profile(), on JSON text (`run --profile FILE`).
// Promises: a profile that parses writes back to JSON that parses to the same profile, and
// applying it to a journey either works (valid JSON out) or is refused with a reason.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/builtin_model.h"
#include "core/format.h"
#include "core/journey.h"
#include "core/profile.h"
#include "fuzz/check.h"

using namespace sysjourney;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto p = parse_profile(text);
  if (!p) {
    fuzz::check_error(p.error());
    return 0;
  }
  const std::string written = profile_to_json(*p);
  auto back = parse_profile(written);
  fuzz::check(back.ok(), "a written profile parses", written);
  fuzz::check(back->host == p->host && back->ghz == p->ghz && back->kpti == p->kpti &&
                  back->pcid == p->pcid && back->cpu == p->cpu && back->device == p->device &&
                  back->scales == p->scales && back->device_ns == p->device_ns,
              "a profile round-trips", written);
  const Model& model = *builtin_model();
  for (const char* cache : {"hit", "miss"}) {
    Scenario s;
    s.cache = cache;
    auto j = run_journey(model, s, &*p);
    if (!j) {
      fuzz::check_error(j.error());
      continue;
    }
    std::string json = journey_json(*j);
    fuzz::check(fuzz::is_json(json), "journey_json is JSON", json);
  }
  return 0;
}
