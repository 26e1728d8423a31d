#include "server/measure_endpoint.h"

#include "measure/os_linux.h"
#include "measure/session.h"

namespace sysjourney {

std::function<ApiResponse()> one_at_a_time(std::function<ApiResponse()> work) {
  auto busy = std::make_shared<std::atomic<bool>>(false);
  return [busy, work = std::move(work)] {
    if (busy->exchange(true)) {
      return Api::error(429,
                        "a measurement is already running on this machine; try again when it ends");
    }
    struct Release {
      std::atomic<bool>& flag;
      ~Release() { flag = false; }
    } release{*busy};
    return work();
  };
}

std::function<ApiResponse()> measure_endpoint(const Model& model) {
  measure::ProbeOptions options;
  options.quick = true;
  return measure_endpoint(
      model, [] { return std::make_unique<measure::LinuxOs>(); }, std::move(options));
}

std::function<ApiResponse()> measure_endpoint(const Model& model, MakeOs make_os,
                                              measure::ProbeOptions options) {
  return one_at_a_time([&model, make_os = std::move(make_os), options = std::move(options)] {
    std::unique_ptr<measure::Os> os = make_os();
    auto m = measure::measure_machine(*os, model, options);
    if (!m)
      return Api::error(500, "measurement failed: " + m.error().message, m.error().field,
                        m.error().value);
    return ApiResponse{200, "application/json",
                       measure::calibration_json(m->host, m->calibration).dump()};
  });
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace sysjourney
