// What measure/trace_events_test.cc, measure/trace_test.cc and cli/trace_view_test.cc share:
// the real captures in measure/testdata/ and the facts of the read they hold.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/builtin_model.h"
#include "core/journey.h"
#include "core/scenario.h"
#include "measure/testdata.h"
#include "measure/trace_events.h"

namespace sysjourney::measure {

// The real capture in testdata/trace_cold_read_tsc.txt: task 31784, x86-tsc ticks at 2.1 GHz.
inline constexpr int kTid = 31784;
inline constexpr double kGhz = 2.1;
inline constexpr int64_t kEnter = 6010669391530, kLastAdd = 6010669411540, kBio = 6010669427172,
                         kIssue = 6010669456154, kSwitchOut = 6010669488454, kIrq = 6010669754188,
                         kComplete = 6010669773868, kWakeup = 6010669787244,
                         kSwitchIn = 6010669792620, kExit = 6010669809096;

// Moves every raw stamp of a capture by `delta` ticks.
inline std::string shift_stamps(const std::string& text, int64_t delta) {
  static const std::regex stamp(R"((\s)(\d{10,}):)");
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), stamp), end; it != end; ++it) {
    out.append(last, (*it)[0].first);
    out += (*it)[1].str() + std::to_string(std::stoll((*it)[2].str()) + delta) + ":";
    last = (*it)[0].second;
  }
  out.append(last, text.cend());
  return out;
}

inline double ticks_ns(int64_t ticks) { return static_cast<double>(ticks) / kGhz; }

inline Journey journey_of(const std::string& text) {
  auto s = parse_scenario(text, test_model());
  EXPECT_TRUE(s.ok()) << text;
  auto j = run_journey(test_model(), *s);
  EXPECT_TRUE(j.ok()) << text;
  return *j;
}

inline double model_ns(const Journey& j, const std::vector<std::string>& ids) {
  double sum = 0;
  for (const JourneyStage& js : j.stages)
    if (std::ranges::find(ids, js.stage->id) != ids.end()) sum += js.ns;
  return sum;
}

inline std::vector<std::string> segment_names(const TraceReport& r) {
  std::vector<std::string> names;
  for (const TraceSegment& s : r.segments) names.push_back(s.from + ">" + s.to);
  return names;
}

inline const TraceSegment* segment_with(const TraceReport& r, const std::string& stage) {
  for (const TraceSegment& s : r.segments)
    if (std::ranges::find(s.stages, stage) != s.stages.end()) return &s;
  return nullptr;
}

}  // namespace sysjourney::measure
