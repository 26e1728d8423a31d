// The sysjourney.measure/1 JSON for host facts and probe results (docs/contracts.md).
// Calibration fields (model_ns, calibrated_ns, fitted) are added by the caller.
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "measure/host.h"
#include "measure/probes.h"

namespace sysjourney::measure {

// {"cpu_model": "...", "ghz": 2.1, "kernel": "...", "kpti": true, "pcid": false,
//  "virtualized": true, "fs": "ext4", "device": "virtio", "block_device": "vda",
//  "rotational": true, "scheduler": "mq-deadline", "mitigations": {...}, ...}
// Unknown numbers and flags are null.
nlohmann::json to_json(const HostFacts& host);

// {"id": "syscall_getppid", "median_ns": 1090, "p99_ns": 1400, "p99_of": "batch_means",
//  "rounds": 5, "spread": 1.03, "p50_call_ns": null, ...}; a skipped probe has
// "skipped": "<reason>" instead of the numbers.
nlohmann::json to_json(const ProbeResult& probe);

// {"busy": true, "reason": "...", "steal_pct": 0.4, "run_queue": 2.5, "cpu": 1, "rounds": 5, ...};
// "busy" is null when the load could not be read.
nlohmann::json to_json(const MachineLoad& load);

// {"schema": "sysjourney.measure/1", "host": {...}, "load": {...}, "probes": [...]}; "load"
// (from host.load) only when probes ran here.
nlohmann::json measure_json(const HostFacts& host, const std::vector<ProbeResult>& probes);

}  // namespace sysjourney::measure
