#include "measure/session.h"

namespace sysjourney::measure {

Result<Measurement> measure_machine(Os& os, const Model& model, const ProbeOptions& options) {
  Measurement m;
  int64_t start = os.monotonic_ns();
  HostOptions host_options;
  host_options.dir = options.dir;
  m.host = read_host_facts(os, host_options);
  auto probes = run_probes(os, options);
  if (!probes) return probes.error();
  auto c = calibrate(model, m.host, *probes);
  if (!c) return c.error();
  m.calibration = *c;
  m.seconds = double(os.monotonic_ns() - start) / 1e9;
  return m;
}

}  // namespace sysjourney::measure
