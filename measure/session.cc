#include "measure/session.h"

namespace sysjourney::measure {

Result<Measurement> measure_machine(Os& os, const Model& model, const ProbeOptions& options) {
  Measurement m;
  int64_t start = os.monotonic_ns();
  HostOptions host_options;
  host_options.dir = options.dir;
  m.host = read_host_facts(os, host_options);
  auto run = run_probes(os, options);
  if (!run) return run.error();
  // In the host facts, so that measure_json() reports it wherever the document is written.
  m.host.load = run->load;
  auto c = calibrate(model, m.host, run->probes);
  if (!c) return c.error();
  m.calibration = *c;
  m.seconds = double(os.monotonic_ns() - start) / 1e9;
  return m;
}

}  // namespace sysjourney::measure
