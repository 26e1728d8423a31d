// POST /api/measure: one measurement at a time on the machine the server runs on.
#pragma once
#include <atomic>
#include <functional>
#include <memory>

#include "core/model.h"
#include "measure/os.h"
#include "measure/probes.h"
#include "server/api.h"

namespace sysjourney {

// Wraps `work` so that a second call while one runs answers 429 at once instead of queueing
// (two measurements at once would disturb each other's timings).
std::function<ApiResponse()> one_at_a_time(std::function<ApiResponse()> work);

// Runs `sysjourney measure --quick` in the server and answers sysjourney.measure/1.
std::function<ApiResponse()> measure_endpoint(const Model& model);

// The same handler on the Os that `make_os` gives for each measurement, with `options` (tests: a
// FakeOs and few samples). A failed measurement is a 500 in the error contract.
using MakeOs = std::function<std::unique_ptr<measure::Os>()>;
std::function<ApiResponse()> measure_endpoint(const Model& model, MakeOs make_os,
                                              measure::ProbeOptions options);

// True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

}  // namespace sysjourney
