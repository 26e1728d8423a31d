#include "measure/trace_events.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <optional>
#include <string>

#include "measure/trace_testdata.h"

namespace sysjourney::measure {
namespace {

// --- Parsing ---

// The fields of an event that a test states (the others are not checked).
struct Want {
  std::optional<std::string> task{};
  std::optional<int> pid{}, cpu{};
  std::optional<int64_t> ts{};
  std::optional<bool> ts_in_ns{};
  std::optional<std::string> name{}, args{};
};
template <class T>
void expect_if_stated(const T& got, const std::optional<T>& want, const char* field) {
  if (want) {
    EXPECT_EQ(got, *want) << field;
  }
}
void expect_event(const TraceEvent& e, const Want& want) {
  expect_if_stated(e.task, want.task, "task");
  expect_if_stated(e.pid, want.pid, "pid");
  expect_if_stated(e.cpu, want.cpu, "cpu");
  expect_if_stated(e.ts, want.ts, "ts");
  expect_if_stated(e.ts_in_ns, want.ts_in_ns, "ts_in_ns");
  expect_if_stated(e.name, want.name, "name");
  expect_if_stated(e.args, want.args, "args");
}

TEST(ParseTrace, ReadsARealCaptureWithRawTicks) {
  const auto events = parse_trace(testdata("trace_cold_read_tsc.txt"));
  ASSERT_EQ(events.size(), 13u);
  expect_event(events[0], {.task = "python3",
                           .pid = kTid,
                           .cpu = 0,
                           .ts = kEnter,
                           .ts_in_ns = false,
                           .name = "sys_enter",
                           .args = "NR 17 (3, 7f901a619f50, 10, 0, 0, 0)"});
  // An interrupt on another CPU, in another task's context ("clang++-14" has a dash).
  expect_event(events[8], {.task = "clang++-14",
                           .pid = 31599,
                           .cpu = 1,
                           .name = "irq_handler_entry",
                           .args = "irq=36 name=virtio1-req.0"});
  expect_event(events[12], {.ts = kExit, .name = "sys_exit"});
}

TEST(ParseTrace, ClocksInNanosecondsPrintMicroseconds) {
  const auto events = parse_trace(testdata("trace_cold_read_mono.txt"));
  ASSERT_EQ(events.size(), 13u);
  EXPECT_TRUE(events[0].ts_in_ns);
  EXPECT_EQ(events[0].ts, 2862556162000);
  EXPECT_EQ(events[0].pid, 31829);
}

TEST(ParseTrace, OddTaskNamesMissingFlagsAndJunk) {
  const auto events = parse_trace(
      "# tracer: nop\n"
      "\n"
      "           <...>-123     [001] d..2.   5.000001: sched_wakeup: comm=a pid=9 prio=120\r\n"
      "  my task-x-77 [000] 42: block_plug: [my task-x]\n"
      "  kworker/u4:1-45 [003] ..... 7: mm_filemap_add_to_page_cache: dev 254:0 order=2\n"
      "this line is not an event\n"
      "  a-1 [000] ..... notastamp: sys_exit: NR 17 = 16\n"
      "  b-2 [0x1] ..... 9: sys_exit: NR 17 = 16\n");
  ASSERT_EQ(events.size(), 3u);
  expect_event(events[0],
               {.task = "<...>", .pid = 123, .ts = 5'000'001'000, .args = "comm=a pid=9 prio=120"});
  expect_event(events[1], {.task = "my task-x", .pid = 77, .ts = 42, .name = "block_plug"});
  expect_event(events[2], {.task = "kworker/u4:1", .cpu = 3});
}

// --- One read's marks ---

TEST(ReadTimeline, MarksOfARealRead) {
  auto t = read_timeline(parse_trace(testdata("trace_cold_read_tsc.txt")), kTid, 17, kGhz);
  ASSERT_TRUE(t.ok()) << t.error().message;
  const std::pair<Mark, int64_t> want[] = {
      {Mark::sys_enter, kEnter}, {Mark::page_cache_add, kLastAdd},
      {Mark::bio_queue, kBio},   {Mark::rq_issue, kIssue},
      {Mark::irq, kIrq},         {Mark::rq_complete, kComplete},
      {Mark::wakeup, kWakeup},   {Mark::switch_in, kSwitchIn},
      {Mark::sys_exit, kExit},
  };
  for (const auto& [mark, ticks] : want) {
    ASSERT_TRUE((*t)[mark].has_value()) << mark_id(mark);
    EXPECT_DOUBLE_EQ(*(*t)[mark], ticks_ns(ticks)) << mark_id(mark);
  }
  EXPECT_FALSE((*t)[Mark::call].has_value());  // user space is the caller's
  EXPECT_EQ(t->pages_added, 4);
  EXPECT_EQ(t->irq, "virtio1-req.0");
  ASSERT_TRUE(t->off_cpu_ns.has_value());
  EXPECT_DOUBLE_EQ(*t->off_cpu_ns, ticks_ns(kSwitchIn) - ticks_ns(kSwitchOut));
}

TEST(ReadTimeline, MicrosecondStampsNeedNoRate) {
  auto t = read_timeline(parse_trace(testdata("trace_cold_read_mono.txt")), 31829, 17, 1);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_DOUBLE_EQ(*(*t)[Mark::sys_exit] - *(*t)[Mark::sys_enter], 195'000);
  EXPECT_DOUBLE_EQ(*(*t)[Mark::rq_complete] - *(*t)[Mark::rq_issue], 134'000);
}

TEST(ReadTimeline, AnotherTaskOrSyscallIsNotOurRead) {
  const auto events = parse_trace(testdata("trace_cold_read_tsc.txt"));
  auto wrong_task = read_timeline(events, 1, 17, kGhz);
  ASSERT_FALSE(wrong_task.ok());
  EXPECT_NE(wrong_task.error().message.find("no sys_enter"), std::string::npos);
  EXPECT_FALSE(read_timeline(events, kTid, 0, kGhz).ok());
  std::string text = testdata("trace_cold_read_tsc.txt");
  text.resize(text.find("python3-31784   [000] ..... 6010669809096"));  // lose the sys_exit
  auto no_exit = read_timeline(parse_trace(text), kTid, 17, kGhz);
  ASSERT_FALSE(no_exit.ok());
  EXPECT_NE(no_exit.error().message.find("no sys_exit"), std::string::npos);
}

TEST(ReadTimeline, TakesTheNewestReadInTheBuffer) {
  const std::string one = testdata("trace_cold_read_tsc.txt");
  const int64_t later = 1'000'000;
  auto t = read_timeline(parse_trace(one + shift_stamps(one, later)), kTid, 17, kGhz);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_DOUBLE_EQ(*(*t)[Mark::sys_enter], ticks_ns(kEnter + later));
  EXPECT_DOUBLE_EQ(*(*t)[Mark::rq_issue], ticks_ns(kIssue + later));
  EXPECT_EQ(t->pages_added, 4);
}

TEST(ReadTimeline, PicksTheRequestHoldingTheBioAndTheCompletingCpusInterrupt) {
  const std::string text =
      "  t-5 [000] ..... 100: sys_enter: NR 17 (3, 0, 10, 0, 0, 0)\n"
      "  t-5 [000] ..... 110: block_bio_queue: 8,0 RA 1000 + 8 [t]\n"
      "  w-6 [001] ..... 115: block_rq_issue: 8,0 W 4096 () 5000 + 8 be,0,4 [w]\n"   // a write
      "  o-7 [001] ..... 116: block_rq_issue: 8,0 R 4096 () 9000 + 8 be,0,4 [o]\n"   // not ours
      "  t-5 [000] ..... 120: block_rq_issue: 8,0 RA 4096 () 996 + 16 be,0,4 [t]\n"  // holds 1000
      "  x-0 [000] d.h.. 130: irq_handler_entry: irq=9 name=other\n"                 // wrong CPU
      "  x-0 [001] d.h.. 131: irq_handler_entry: irq=36 name=virtio1-req.0\n"
      "  x-0 [001] ..s.. 135: block_rq_complete: 8,0 R () 9000 + 8 be,0,4 [0]\n"
      "  x-0 [001] d.h.. 140: irq_handler_entry: irq=36 name=virtio1-req.0\n"
      "  x-0 [001] ..s.. 141: block_rq_complete: 8,0 RA () 996 + 16 be,0,4 [0]\n"
      "  x-0 [001] d.s.. 150: sched_wakeup: comm=t pid=5 prio=120 target_cpu=000\n"
      "  t-5 [000] ..... 170: sys_exit: NR 17 = 16\n";
  auto t = read_timeline(parse_trace(text), 5, 17, 1);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*(*t)[Mark::rq_issue], 120);
  EXPECT_EQ(*(*t)[Mark::irq], 140);
  EXPECT_EQ(*(*t)[Mark::rq_complete], 141);
  EXPECT_EQ(*(*t)[Mark::wakeup], 150);
  EXPECT_FALSE((*t)[Mark::switch_in].has_value());
  EXPECT_FALSE((*t)[Mark::page_cache_add].has_value());
  EXPECT_FALSE(t->off_cpu_ns.has_value());
}

// --- Segments ---

ReadTimeline real_read() {
  auto t = read_timeline(parse_trace(testdata("trace_cold_read_tsc.txt")), kTid, 17, kGhz);
  EXPECT_TRUE(t.ok());
  (*t)[Mark::call] = ticks_ns(kEnter - 300);
  (*t)[Mark::ret] = ticks_ns(kExit + 600);
  return *t;
}

TEST(SummarizeTrace, SegmentsRunMarkToMarkAndCarryTheModelsStages) {
  const Journey j = journey_of("fd=file,cache=miss,api=pread,device=virtio");
  auto r = summarize_trace({real_read()}, &j);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(segment_names(*r),
            (std::vector<std::string>{"call>sys_enter", "sys_enter>page_cache_add",
                                      "page_cache_add>bio_queue", "bio_queue>rq_issue",
                                      "rq_issue>irq", "irq>rq_complete", "rq_complete>wakeup",
                                      "wakeup>switch_in", "switch_in>sys_exit", "sys_exit>ret"}));
  const TraceSegment& device = r->segments[4];
  EXPECT_EQ(device.stages,
            (std::vector<std::string>{"virtio_queue_rq", "io_schedule", "device_read"}));
  EXPECT_NEAR(device.measured_ns, ticks_ns(kIrq - kIssue), 0.01);
  ASSERT_TRUE(device.model_ns.has_value());
  EXPECT_DOUBLE_EQ(*device.model_ns, model_ns(j, device.stages));
  EXPECT_EQ(
      r->segments[1].stages,
      (std::vector<std::string>{"dispatch_pread", "fd_lookup", "vfs_read_checks", "read_iter_call",
                                "ext4_file_read_iter", "page_cache_lookup", "readahead_alloc"}));
  // Stages not on the model's path (kpti_enter without KPTI, nvme_irq on virtio) are left out.
  EXPECT_EQ(r->segments[5].stages, (std::vector<std::string>{"virtio_irq"}));
  EXPECT_NEAR(r->total_ns, ticks_ns(kExit + 600 - (kEnter - 300)), 0.01);
  // The segments cover the model's whole path: its total is the model's total.
  ASSERT_TRUE(r->model_total_ns.has_value());
  EXPECT_NEAR(*r->model_total_ns, j.totals.ns, 1e-6);
  ASSERT_EQ(r->samples.size(), 1u);
  const auto& s = r->samples[0].segment_ns;
  EXPECT_NEAR(std::accumulate(s.begin(), s.end(), 0.0), r->samples[0].total_ns, 1e-6);
  EXPECT_EQ(r->samples[0].irq, "virtio1-req.0");
  EXPECT_EQ(r->samples[0].pages_added, 4);
}

TEST(SummarizeTrace, AMarkMissingFromAnyReadMergesItsSegments) {
  const Journey j = journey_of("fd=file,cache=miss,api=pread,device=virtio");
  ReadTimeline a = real_read(), b = real_read();
  b[Mark::irq].reset();
  a[Mark::call].reset();
  b[Mark::call].reset();
  auto r = summarize_trace({a, b}, &j);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->segments.size(), 8u);
  EXPECT_EQ(r->segments[0].from, "sys_enter");
  const TraceSegment& merged = r->segments[3];
  EXPECT_EQ(merged.from + ">" + merged.to, "rq_issue>rq_complete");
  EXPECT_EQ(merged.stages, (std::vector<std::string>{"virtio_queue_rq", "io_schedule",
                                                     "device_read", "virtio_irq"}));
  EXPECT_NEAR(merged.measured_ns, ticks_ns(kComplete - kIssue), 0.01);
  bool noted = false;
  for (const std::string& n : r->notes)
    noted |= n.starts_with("the irq mark was missing from 1 of 2");
  EXPECT_TRUE(noted);
  // The model's stages before sys_enter and the exit path are named as outside the window.
  bool outside = false;
  for (const std::string& n : r->notes) outside |= n.find("libc_wrapper") != std::string::npos;
  EXPECT_TRUE(outside);
  EXPECT_LT(*r->model_total_ns, j.totals.ns);
}

TEST(SummarizeTrace, EachSegmentIsAMedianOverReads) {
  std::vector<ReadTimeline> reads(3);
  const double device[] = {50'000, 10'000, 30'000};
  for (int i = 0; i < 3; ++i) {
    reads[i][Mark::sys_enter] = 1000.0 * i;
    reads[i][Mark::rq_issue] = 1000.0 * i + 5'000;
    reads[i][Mark::rq_complete] = 1000.0 * i + 5'000 + device[i];
    reads[i][Mark::sys_exit] = 1000.0 * i + 5'000 + device[i] + 2'000 + 100 * i;
  }
  auto r = summarize_trace(reads, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->segments.size(), 3u);
  EXPECT_EQ(r->segments[1].measured_ns, 30'000);
  EXPECT_EQ(r->segments[2].measured_ns, 2'100);
  EXPECT_EQ(r->total_ns, 37'200);  // the median read: 5 + 30 + 2.2 µs
  EXPECT_FALSE(r->segments[1].model_ns.has_value());
  EXPECT_FALSE(r->model_total_ns.has_value());
  // Without a model every candidate stage is named.
  EXPECT_EQ(r->segments[1].stages.size(), 8u);
}

TEST(SummarizeTrace, NeedsTwoCommonMarks) {
  EXPECT_FALSE(summarize_trace({}, nullptr).ok());
  ReadTimeline only_enter;
  only_enter[Mark::sys_enter] = 1;
  EXPECT_FALSE(summarize_trace({only_enter}, nullptr).ok());
}

TEST(TraceStages, EveryStageTheMarksNameIsInTheModel) {
  EXPECT_EQ(trace_stages_missing(test_model()), std::vector<std::string>{});
}

}  // namespace
}  // namespace sysjourney::measure
