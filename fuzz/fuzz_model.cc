// Fuzz target: the model loader, load_model(), on TOML text.
// The input is one or more model files: a line "#file: NAME" starts a new file, so a whole model
// (fuzz/corpus/model/whole_model.toml) or a single real file can be one input. Text before any
// such line is the file "fuzz.toml". A model that loads must also serve: its JSON and the
// journeys of a few scenarios are valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/journey.h"
#include "core/model.h"
#include "fuzz/check.h"

using namespace sysjourney;

namespace {

std::vector<ModelFile> split_files(const std::string& text) {
  std::vector<ModelFile> files;
  std::string name = "fuzz.toml";
  std::size_t start = 0, pos = 0;
  auto flush = [&](std::size_t end) {
    if (end > start || files.empty()) files.push_back({name, text.substr(start, end - start)});
  };
  const std::string marker = "#file: ";
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    if (text.compare(pos, marker.size(), marker) == 0) {
      if (pos > start) flush(pos);
      name = text.substr(pos + marker.size(), eol - pos - marker.size());
      start = eol < text.size() ? eol + 1 : eol;
    }
    pos = eol + 1;
  }
  flush(text.size());
  return files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto model = load_model(split_files(text));
  if (!model) {
    fuzz::check_error(model.error());
    return 0;
  }
  const Model& m = *model;
  fuzz::check(!m.cpus.empty() && !m.paths.empty() && m.find_cpu(m.default_cpu),
              "a loaded model is complete");
  fuzz::check(fuzz::is_json(model_json(m, "fuzz").dump()), "model_json is JSON");
  // A few scenarios on the first presets: a hit, a large miss, warm repeats, an io_uring batch.
  std::vector<Scenario> scenarios(4);
  scenarios[0].cache = "hit";
  scenarios[1].bytes = 1 << 20;
  scenarios[2].cache = "hit";
  scenarios[2].warm = true;
  scenarios[2].bytes = 64 << 10;
  scenarios[3].api = "io_uring";
  scenarios[3].batch = 8;
  std::size_t presets = 0;
  for (const auto& cpu : m.cpus) {
    if (++presets > 2) break;
    for (Scenario s : scenarios) {
      s.cpu = cpu.id;
      auto j = run_journey(m, s);
      if (!j) {
        fuzz::check_error(j.error());
        continue;
      }
      std::string json = journey_json(*j, sample_totals(*j, 8, 1));
      fuzz::check(fuzz::is_json(json), "journey_json is JSON", json);
      fuzz::check(fuzz::is_json(compare_json(*j, *j)), "compare_json is JSON");
      (void)journey_csv(*j);
      (void)journey_trace_event(*j).dump();
    }
  }
  return 0;
}
