// Engine speed: evaluating a journey, loading the model, rendering JSON, fitting a measure file.
// Targets: a journey <= 2 us; loading and validating the model <= 5 ms (issue 2); the fit of
// one measure document with its leave-one-out refits <= 50 ms (issue 9).
#include <benchmark/benchmark.h>

#include "core/builtin_model.h"
#include "core/fit.h"
#include "core/format.h"
#include "core/journey.h"

namespace sysjourney {
namespace {

void BM_RunJourney(benchmark::State& state, const char* text) {
  const Model& m = *builtin_model();
  Scenario s = *parse_scenario(text, m);
  for (auto _ : state) {
    auto j = run_journey(m, s);
    benchmark::DoNotOptimize(j);
  }
}
BENCHMARK_CAPTURE(BM_RunJourney, file_miss, "cache=miss");
BENCHMARK_CAPTURE(BM_RunJourney, file_hit, "cache=hit");
BENCHMARK_CAPTURE(BM_RunJourney, io_uring_miss_strace,
                  "cache=miss,api=io_uring,batch=32,tracer=strace");
// The longest write path: two system calls under strace with KPTI, the journal commit on a disk.
BENCHMARK_CAPTURE(BM_RunJourney, fsync_strace_kpti,
                  "op=fsync,device=hdd,tracer=strace,kpti=on,pcid=off");

void BM_ParseAndRun(benchmark::State& state) {
  const Model& m = *builtin_model();
  for (auto _ : state) {
    auto s = parse_scenario("fd=file&cache=miss&device=nvme&kpti=on&bytes=16", m);
    auto j = run_journey(m, *s);
    benchmark::DoNotOptimize(j);
  }
}
BENCHMARK(BM_ParseAndRun);

void BM_LoadModel(benchmark::State& state) {
  auto files = builtin_model_files();
  for (auto _ : state) {
    auto m = load_model(files);
    benchmark::DoNotOptimize(m);
  }
  state.SetLabel("parse + validate every model file");
}
BENCHMARK(BM_LoadModel)->Unit(benchmark::kMillisecond);

void BM_JourneyJson(benchmark::State& state) {
  const Model& m = *builtin_model();
  auto j = *run_journey(m, *parse_scenario("cache=miss", m));
  for (auto _ : state) {
    auto text = journey_json(j);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_JourneyJson);

// A document shaped like a real one: every probe, medians as a Xeon guest measured them.
void BM_Fit(benchmark::State& state) {
  const Model& m = *builtin_model();
  const std::pair<const char*, double> medians[] = {
      {"function_call", 1.6},     {"vdso_clock_gettime", 37},
      {"syscall_getppid", 108},   {"syscall_clock_gettime", 168},
      {"read_file_hit", 261},     {"read_file_cold", 31000},
      {"read_direct", 24700},     {"read_pipe", 219},
      {"read_unix", 294},         {"read_tcp", 321},
      {"io_uring_batch_1", 432},  {"io_uring_batch_8", 218},
      {"io_uring_batch_32", 190}, {"io_uring_batch_128", 184},
      {"read_ptraced", 6540},     {"pipe_wakeup", 1280},
      {"pipe_pingpong_rtt", 2650}};
  nlohmann::json doc = {
      {"schema", "sysjourney.measure/1"},
      {"host",
       {{"cpu_model", "Intel(R) Xeon(R) Processor"},
        {"ghz", 2.1},
        {"virtualized", true},
        {"device", "virtio"},
        {"mitigations", {{"spectre_v2", "Mitigation: Enhanced / Automatic IBRS"}}}}},
      {"probes", nlohmann::json::array()}};
  for (const auto& [id, ns] : medians) doc["probes"].push_back({{"id", id}, {"median_ns", ns}});
  const std::string text = doc.dump();
  for (auto _ : state) {
    auto d = parse_measure_doc(text);
    auto f = fit(m, *d);
    auto out = fit_json(*d, *f).dump();
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel("parse, fit on all probes, 17 leave-one-out refits, JSON");
}
BENCHMARK(BM_Fit)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sysjourney

BENCHMARK_MAIN();
