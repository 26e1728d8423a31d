#include "cli/trace_view.h"

#include <gtest/gtest.h>

#include "measure/trace_testdata.h"

namespace sysjourney {
namespace {

using measure::TraceReport;

// The real capture's read, summarised against the virtio model, with the facts trace_cold_read
// adds around it.
TraceReport captured_report() {
  const Journey j = measure::journey_of("fd=file,cache=miss,api=pread,device=virtio");
  auto t =
      measure::read_timeline(measure::parse_trace(measure::testdata("trace_cold_read_tsc.txt")),
                             measure::kTid, 17, measure::kGhz);
  EXPECT_TRUE(t.ok());
  auto r = measure::summarize_trace({*t}, &j);
  EXPECT_TRUE(r.ok());
  r->tracefs = "/sys/kernel/tracing";
  r->mounted = true;
  r->clock = "x86-tsc";
  r->resolution_ns = 1 / measure::kGhz;
  r->scenario = "fd=file,cache=miss,api=pread,device=virtio";
  r->untraced_ns = 150'000;
  return *r;
}

TEST(TraceView, TableHasEverySegmentItsStagesAndTheTotal) {
  const TraceReport r = captured_report();
  const std::string plain = render_trace(r, false);
  for (const measure::TraceSegment& s : r.segments)
    EXPECT_NE(plain.find(s.from + " → " + s.to), std::string::npos) << s.from << plain;
  EXPECT_NE(plain.find("rq_issue → irq"), std::string::npos) << plain;
  EXPECT_NE(plain.find("virtio_queue_rq io_schedule device_read"), std::string::npos) << plain;
  EXPECT_NE(plain.find("total"), std::string::npos);
  EXPECT_NE(plain.find("mounted for this run"), std::string::npos);
  EXPECT_NE(plain.find("untraced pread"), std::string::npos);
  for (const std::string& n : r.notes) EXPECT_NE(plain.find("note: " + n), std::string::npos);
  EXPECT_EQ(plain.find("\033["), std::string::npos);
  EXPECT_NE(render_trace(r, true).find("\033["), std::string::npos);
}

TEST(TraceView, JsonCarriesTheReportsFigures) {
  const TraceReport r = captured_report();
  const nlohmann::json j = trace_json(r);
  EXPECT_EQ(j["schema"], "sysjourney.trace/1");
  ASSERT_EQ(j["segments"].size(), r.segments.size());
  for (size_t i = 0; i < r.segments.size(); ++i) {
    EXPECT_EQ(j["segments"][i]["from"], r.segments[i].from);
    EXPECT_NEAR(j["segments"][i]["measured_ns"].get<double>(), r.segments[i].measured_ns, 0.05);
    ASSERT_TRUE(r.segments[i].model_ns.has_value());
    EXPECT_NEAR(j["segments"][i]["model_ns"].get<double>(), *r.segments[i].model_ns, 0.05);
  }
  // The device's segment: its ratio is measured over model, to two places.
  size_t device = 0;
  while (device < r.segments.size() && r.segments[device].from != "rq_issue") ++device;
  ASSERT_LT(device, r.segments.size());
  EXPECT_EQ(j["segments"][device]["to"], "irq");
  EXPECT_NEAR(j["segments"][device]["ratio"].get<double>(),
              r.segments[device].measured_ns / *r.segments[device].model_ns, 0.005);
  EXPECT_EQ(j["samples"][0]["irq"], "virtio1-req.0");
  EXPECT_EQ(j["samples"][0]["segments_ns"].size(), r.segments.size());
  EXPECT_EQ(j["untraced_ns"], 150'000);
  EXPECT_EQ(j["mounted"], true);
  EXPECT_EQ(j["notes"].size(), r.notes.size());
}

}  // namespace
}  // namespace sysjourney
