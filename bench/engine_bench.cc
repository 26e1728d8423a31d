// Engine speed: evaluating a journey, loading the model, rendering JSON.
// Targets (issue 2): a journey <= 2 us; loading and validating the model <= 5 ms.
#include <benchmark/benchmark.h>

#include "core/builtin_model.h"
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
BENCHMARK_CAPTURE(BM_RunJourney, io_uring_miss_strace, "cache=miss,api=io_uring,batch=32,tracer=strace");

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

}  // namespace
}  // namespace sysjourney

BENCHMARK_MAIN();
