#include "api.h"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "core/fit.h"
#include "core/format.h"
#include "core/journey.h"
#include "core/profile.h"
#include "core/request.h"
#include "core/text.h"

namespace sysjourney {

namespace {

ApiResponse from_error(const Error& e) {
  return Api::error(400, e.message, e.field, e.value, e.allowed, e.errno_name);
}

// Rejects repeated keys: "?cache=hit&cache=miss" has no single meaning.
std::optional<Error> repeated(const Params& params) {
  std::set<std::string_view> seen;
  for (const auto& [key, value] : params) {
    if (!seen.insert(key).second) {
      return Error{fmt::format("parameter '{}' is given more than once", key), key, value,
                   "each parameter once", ""};
    }
  }
  return std::nullopt;
}

std::optional<long long> whole_number(const std::string& v, long long min, long long max) {
  auto n = parse_number<long long>(v);
  if (!n || *n < min || *n > max) return std::nullopt;
  return n;
}

// The page builds its form, links and labels from the model but learns each stage from the
// journey that runs it: `stages` and `paths` are four fifths of the model's bytes, which the
// page would fetch and parse while it starts and never read.
nlohmann::json page_view(nlohmann::json model) {
  model.erase("stages");
  model.erase("paths");
  return model;
}

}  // namespace

Api::Api(const Model& model, std::string version) : model_(model), version_(std::move(version)) {
  auto j = model_json(model, version_);
  model_json_ = j.dump();
  page_model_json_ = page_view(std::move(j)).dump();
}

ApiResponse Api::model(const Params& params) const {
  if (auto e = repeated(params)) return from_error(*e);
  for (const auto& [key, value] : params) {
    if (key != "view") {
      return error(400, fmt::format("unknown parameter '{}' for model", key), "option", key,
                   "view");
    }
    if (value != "page") {
      return error(400, fmt::format("invalid value '{}' for view", value), "view", value, "page");
    }
  }
  return {200, "application/json", params.empty() ? model_json_ : page_model_json_};
}

ApiResponse Api::error(int status, const std::string& message, const std::string& field,
                       const std::string& value, const std::string& allowed,
                       const std::string& errno_name) {
  nlohmann::json j = {{"error", message}, {"field", field}, {"value", value}, {"allowed", allowed}};
  if (!errno_name.empty()) j["errno"] = errno_name;  // the call itself fails this way
  // Values come from the request and may hold invalid UTF-8: replace rather than throw.
  return {status, "application/json",
          j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ApiResponse Api::health() const {
  return {200, "application/json",
          nlohmann::json({{"status", "ok"}, {"version", version_}}).dump()};
}

ApiResponse Api::run(const Params& params) const {
  if (auto e = repeated(params)) return from_error(*e);
  Scenario s;
  std::string format = "json";
  int samples = 0;
  std::uint64_t seed = 1;
  std::optional<Profile> profile;
  for (const auto& [key, value] : params) {
    if (key == "format") {
      if (value != "json" && value != "csv" && value != "trace-event") {
        return error(400, fmt::format("invalid value '{}' for format", value), "format", value,
                     "json, csv, trace-event");
      }
      format = value;
    } else if (key == "samples") {
      auto n = whole_number(value, 0, kMaxSamples);
      if (!n)
        return error(400, fmt::format("invalid value '{}' for samples", value), "samples", value,
                     fmt::format("0 to {}", kMaxSamples));
      samples = int(*n);
    } else if (key == "seed") {
      auto n = whole_number(value, 0, (1LL << 53));
      if (!n)
        return error(400, fmt::format("invalid value '{}' for seed", value), "seed", value,
                     "0 to 2^53");
      seed = std::uint64_t(*n);
    } else if (key == "profile") {
      // A host profile (from a fit) as JSON: the journey on that machine.
      auto p = parse_profile(value);
      if (!p) {
        Error e = p.error();
        e.message = "profile: " + e.message;
        return from_error(e);
      }
      profile = *p;
    } else {
      auto r = set_option(s, key, value, model_);
      if (!r) return from_error(r.error());
    }
  }
  auto j = run_journey(model_, s, profile ? &*profile : nullptr);
  if (!j) return from_error(j.error());
  if (format == "csv") return {200, "text/csv; charset=utf-8", journey_csv(*j)};
  if (format == "trace-event") return {200, "application/json", journey_trace_event(*j).dump()};
  std::optional<Percentiles> p;
  if (samples > 0) p = sample_totals(*j, samples, seed);
  return {200, "application/json", journey_json(*j, p)};
}

ApiResponse Api::compare(const Params& params) const {
  if (auto e = repeated(params)) return from_error(*e);
  std::array<std::string, 2> texts;
  bool seen[2] = {false, false};
  for (const auto& [key, value] : params) {
    if (key == "a" || key == "b") {
      texts[key == "b"] = value;
      seen[key == "b"] = true;
    } else {
      return error(400, fmt::format("unknown parameter '{}' for compare", key), "option", key,
                   "a, b");
    }
  }
  for (int i = 0; i < 2; ++i) {
    const char* name = i ? "b" : "a";
    if (!seen[i])
      return error(400, fmt::format("missing parameter '{}'", name), name, "",
                   "a scenario query, e.g. cache=hit");
  }
  auto sides = run_compare(model_, Scenario{}, texts, {"a", "b"});
  if (!sides) return from_error(sides.error());
  return {200, "application/json", compare_json((*sides)[0], (*sides)[1])};
}

ApiResponse Api::fit(const std::string& body) const {
  auto doc = parse_measure_doc(body);
  if (!doc) return from_error(doc.error());
  auto f = sysjourney::fit(model_, *doc);
  if (!f) return from_error(f.error());
  return {200, "application/json",
          fit_json(*doc, *f).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace sysjourney
