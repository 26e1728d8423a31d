// The sysjourney.measure/1 JSON for host facts and probe results (design.md, "JSON contracts").
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

// {"id": "syscall_getppid", "median_ns": 1090, "p99_ns": 1400, "iterations": 200000, ...};
// a skipped probe has "skipped": "<reason>" instead of the numbers.
nlohmann::json to_json(const ProbeResult& probe);

// {"schema": "sysjourney.measure/1", "host": {...}, "probes": [...]}
nlohmann::json measure_json(const HostFacts& host, const std::vector<ProbeResult>& probes);

}  // namespace sysjourney::measure
