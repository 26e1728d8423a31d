// The pure half of `sysjourney measure --trace`: tracefs `trace` text in, one read's marks and
// the segments between them out. No system calls here (measure/trace.h drives tracefs); the
// terminal table and the JSON are cli/trace_view.h's.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/journey.h"
#include "core/model.h"
#include "core/result.h"

namespace sysjourney::measure {

// One line of a tracefs `trace` file:
//   "  python3-24753   [000] ..... 5552804322850: sys_enter: NR 17 (3, 7f3c, 10, 0, 0, 0)"
// `ts` is nanoseconds when the stamp has a decimal point (clocks in ns print "secs.usecs"), else
// the clock's raw count (x86-tsc ticks).
struct TraceEvent {
  std::string task;
  int pid = 0;
  int cpu = 0;
  int64_t ts = 0;
  bool ts_in_ns = false;
  std::string name;  // "sys_enter"
  std::string args;  // the rest of the line
};

// Every event line; headers, comments and lines that do not parse are skipped.
std::vector<TraceEvent> parse_trace(std::string_view text);

// The points a read passes, in order. A segment runs from one mark to the next one present.
enum class Mark {
  call,            // pread called (user space, rdtsc; only with the x86-tsc clock)
  sys_enter,       // raw_syscalls:sys_enter
  page_cache_add,  // the last folio readahead added before the bio (filemap)
  bio_queue,       // block:block_bio_queue of the read's first bio
  rq_issue,        // block:block_rq_issue of the request holding it
  irq,             // irq:irq_handler_entry on the CPU that completed the request
  rq_complete,     // block:block_rq_complete
  wakeup,          // sched:sched_wakeup of the task
  switch_in,       // sched:sched_switch to the task
  sys_exit,        // raw_syscalls:sys_exit
  ret,             // pread returned (user space)
};
constexpr int kMarkCount = 11;
std::string_view mark_id(Mark m);

// One read's marks in nanoseconds (any common origin).
struct ReadTimeline {
  std::array<std::optional<double>, kMarkCount> at_ns{};
  int pages_added = 0;
  std::string irq;
  std::optional<double> off_cpu_ns;
  std::optional<double>& operator[](Mark m) { return at_ns[static_cast<int>(m)]; }
  const std::optional<double>& operator[](Mark m) const { return at_ns[static_cast<int>(m)]; }
};

// Finds the newest call of syscall `nr` by task `tid` in the events and its marks; raw stamps
// are divided by `ticks_per_ns` (stamps already in ns are not). The user-space marks are the
// caller's.
Result<ReadTimeline> read_timeline(const std::vector<TraceEvent>& events, int tid, long nr,
                                   double ticks_per_ns);

// One stretch of the read between two consecutive marks.
struct TraceSegment {
  std::string from, to;             // mark ids, e.g. "rq_issue", "irq"
  std::string what;                 // what the kernel does in it, for people
  std::vector<std::string> stages;  // the model's stage ids it covers (those on the model's path)
  double measured_ns = 0;           // median over the traced reads
  std::optional<double> model_ns;   // the same stages in the model; nullopt without a journey
};

// One traced read: its segments (same order as TraceReport::segments) and total.
struct TraceSample {
  std::vector<double> segment_ns;
  double total_ns = 0;  // last mark - first mark = the sum of segment_ns
  int pages_added = 0;  // pages readahead put in the page cache
  std::string irq;      // the interrupt that completed the request, e.g. "virtio1-req.0"
  std::optional<double> off_cpu_ns;  // from the task's switch-out to its switch-in
};

struct TraceReport {
  std::string tracefs;              // where tracefs was, e.g. "/sys/kernel/tracing"
  bool mounted = false;             // mounted for this run (and unmounted after)
  std::string clock;                // trace_clock used: "x86-tsc", "mono", or "local"
  double resolution_ns = 0;         // of the timestamps
  std::string scenario;             // the model's scenario, as text
  bool profiled = false;            // the model used a fitted host profile
  std::vector<std::string> events;  // "system:event", as enabled
  std::vector<TraceSegment> segments;
  double total_ns = 0;                   // median of the samples' totals
  std::optional<double> model_total_ns;  // the model's stages the segments cover
  // The same cold pread with no events on (CLOCK_MONOTONIC around the call, median): set against
  // a total from `call` to `ret` it shows what the tracepoints themselves cost.
  std::optional<double> untraced_ns;
  std::vector<TraceSample> samples;
  std::vector<std::string> notes;  // events missing, marks left out, stages outside the window
};

// The model stages the marks' table names that `model` does not define. A renamed stage would
// otherwise drop out of every segment without a word; trace_cold_read refuses to run with any.
std::vector<std::string> trace_stages_missing(const Model& model);

// Segments from the marks present in every read, their medians, and the model's value for the
// stages each covers (`model` may be null). Fills segments, samples, totals and notes.
Result<TraceReport> summarize_trace(const std::vector<ReadTimeline>& reads, const Journey* model);

}  // namespace sysjourney::measure
