// The JSON API, independent of the HTTP library so it can be tested without sockets.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model.h"

namespace sysjourney {

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Query parameters as the HTTP layer decoded them, in order, repeats kept.
using Params = std::vector<std::pair<std::string, std::string>>;

class Api {
 public:
  Api(const Model& model, std::string version);

  // The whole model, or with view=page the part the page reads (no stages, no paths).
  ApiResponse model(const Params& params = {}) const;
  ApiResponse run(const Params& params) const;
  ApiResponse compare(const Params& params) const;
  // A sysjourney.measure/1 document in, the fit out (POST /api/fit; the page's "drop a measure
  // file"): preset, model/calibrated/predicted per probe, parameters, profile, verdict.
  ApiResponse fit(const std::string& body) const;
  ApiResponse health() const;

  // A 4xx answer in the error contract: {"error", "field", "value", "allowed"}.
  static ApiResponse error(int status, const std::string& message, const std::string& field = "",
                           const std::string& value = "", const std::string& allowed = "",
                           const std::string& errno_name = "");

 private:
  const Model& model_;
  std::string version_;
  std::string model_json_;  // built once: the model does not change while serving
  std::string page_model_json_;
};

}  // namespace sysjourney
