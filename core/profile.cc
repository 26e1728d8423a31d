#include "profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "bounds.h"
#include "model.h"
#include "scenario.h"

namespace sysjourney {

namespace {
const char* kSchema = "sysjourney.profile/1";
}

Result<Profile> parse_profile(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Error{"profile is not valid JSON", "profile", "", "sysjourney.profile/1 JSON", ""};
  if (!j.is_object()) return Error{"profile must be a JSON object", "profile", "", "an object", ""};
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string() || schema->get<std::string>() != kSchema) {
    std::string got = schema != j.end() && schema->is_string() ? schema->get<std::string>() : "";
    return Error{fmt::format("profile schema '{}' is not {}", got, kSchema), "schema", got, kSchema,
                 ""};
  }
  Profile p;
  auto str = [&](const char* key, std::string& dst) -> std::optional<Error> {
    auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (!it->is_string())
      return Error{fmt::format("profile field '{}' must be a string", key), key, "", "a string",
                   ""};
    dst = it->get<std::string>();
    return std::nullopt;
  };
  auto boolean = [&](const char* key, std::optional<bool>& dst) -> std::optional<Error> {
    auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (!it->is_boolean())
      return Error{fmt::format("profile field '{}' must be true or false", key), key, "",
                   "true, false", ""};
    dst = it->get<bool>();
    return std::nullopt;
  };
  auto number = [&](const nlohmann::json& obj, const std::string& key, double min,
                    double max) -> Result<std::optional<double>> {
    auto it = obj.find(key);
    if (it == obj.end()) return std::optional<double>();
    std::string allowed = fmt::format("a number from {} to {}", min, max);
    if (!it->is_number())
      return Error{fmt::format("profile field '{}' must be a number", key), key, it->dump(),
                   allowed, ""};
    double d = it->get<double>();
    if (!std::isfinite(d) || d < min || d > max) {
      return Error{fmt::format("profile field '{}' is {}: allowed {}", key, d, allowed), key,
                   fmt::format("{}", d), allowed, ""};
    }
    return std::optional<double>(d);
  };
  for (auto e : {str("host", p.host), str("cpu", p.cpu), str("device", p.device)})
    if (e) return *e;
  for (auto e :
       {boolean("kpti", p.kpti), boolean("pcid", p.pcid), boolean("virtualized", p.virtualized)}) {
    if (e) return *e;
  }
  if (auto it = j.find("mitigations"); it != j.end()) {
    if (!it->is_array())
      return Error{"profile field 'mitigations' must be a list of ids", "mitigations", "",
                   "a list of strings", ""};
    std::vector<std::string> ids;
    for (const auto& v : *it) {
      if (!v.is_string())
        return Error{"profile field 'mitigations' holds a non-string", "mitigations", v.dump(),
                     "strings", ""};
      ids.push_back(v.get<std::string>());
    }
    p.mitigations = ids;
  }
  auto ghz = number(j, "ghz", bounds::kGhzMin, bounds::kGhzMax);
  if (!ghz) return ghz.error();
  p.ghz = *ghz;
  auto dev = number(j, "device_ns", 1, 1e9);
  if (!dev) return dev.error();
  p.device_ns = *dev;
  if (auto it = j.find("scales"); it != j.end()) {
    if (!it->is_object())
      return Error{"profile field 'scales' must be an object", "scales", "", "class: factor", ""};
    // Every class of the model, "none" included: `measure --save` writes them all.
    const auto& classes = profile_scales();
    for (const auto& [k, v] : it->items()) {
      if (std::find(classes.begin(), classes.end(), k) == classes.end()) {
        return Error{fmt::format("unknown scale class '{}' in profile", k), "scales", k,
                     join(classes, ", "), ""};
      }
      auto f = number(*it, k, bounds::kScaleMin, bounds::kScaleMax);
      if (!f) return f.error();
      p.scales[k] = **f;
    }
  }
  return p;
}

std::string profile_to_json(const Profile& p) {
  nlohmann::json j;
  j["schema"] = kSchema;
  j["host"] = p.host;
  if (!p.cpu.empty()) j["cpu"] = p.cpu;
  if (!p.device.empty()) j["device"] = p.device;
  if (p.ghz) j["ghz"] = *p.ghz;
  if (p.kpti) j["kpti"] = *p.kpti;
  if (p.pcid) j["pcid"] = *p.pcid;
  if (p.device_ns) j["device_ns"] = *p.device_ns;
  if (p.virtualized) j["virtualized"] = *p.virtualized;
  if (p.mitigations) j["mitigations"] = *p.mitigations;
  j["scales"] = p.scales;
  return j.dump(2) + "\n";
}

}  // namespace sysjourney
