// One whole measurement: host facts, every probe, and the calibration on top.
#pragma once
#include "core/model.h"
#include "measure/calibrate.h"
#include "measure/host.h"
#include "measure/os.h"
#include "measure/probes.h"

namespace sysjourney::measure {

struct Measurement {
  HostFacts host;  // host.load: how busy the machine was during the probes
  Calibration calibration;
  double seconds = 0;  // wall time of the whole run
};

Result<Measurement> measure_machine(Os& os, const Model& model, const ProbeOptions& options);

}  // namespace sysjourney::measure
