// The kernel functions one call really ran, from the function tracer's text output, mapped to
// the model's stages (`sysjourney measure --path`). Pure: no OS calls; path_run.* drives tracefs.
//
// A function goes to the stage whose `functions` name it (stages.toml). Names are compared without
// the compiler's suffixes (".isra.0", ".constprop.0", ".part.0", ".cold"). A function named by
// several stages goes to the one on the scenario's path, preferring the stage the call is in
// at the moment (the stage of the last mapped function), then the first one after it, then the
// nearest one before it. A function no stage on the path names is "unnamed": its calls count for
// the nearest preceding mapped stage in call order. Entries in interrupt context (hardirq, softirq,
// NMI) are counted apart: they hit during the call but are not its path.
//
// Where the function tracer cannot be used, tracepoint events stand in: each event is mapped by
// the kernel function it fires in (event_functions()), which shows that the function ran, but
// not how many function calls were made.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace sysjourney::measure {

// One line of a tracefs `trace` file, e.g.
//   "  sysjourney-1234  [001] .....  123.456789: vfs_read <-ksys_read"      (function)
//   "  sysjourney-1234  [001] .....  123.456790: tracing_mark_write: begin"  (marker)
//   "  sysjourney-1234  [001] d..2.  123.456791: sched_switch: prev_comm=…"  (event)
struct FtraceLine {
  enum class Kind { function, marker, event };
  Kind kind = Kind::function;
  std::string task;
  int pid = 0;
  int cpu = 0;
  std::string flags;   // "d.h1." etc.; "" when the irq-info option is off
  double ts = 0;       // seconds (or the clock's raw count)
  std::string name;    // function, or event name ("sched_switch"); "" for a marker
  std::string parent;  // function lines: the caller, from "<-parent"
  std::string text;    // marker text, or the event's arguments
  bool irq = false;    // flags say hardirq, softirq or NMI context
};

struct FtraceParse {
  std::vector<FtraceLine> lines;
  int malformed = 0;            // non-comment lines that did not parse
  std::string first_malformed;  // the first of them, for messages
  bool lost_events = false;     // a "[LOST n EVENTS]" line: the buffer overflowed
};

// Every line; "#" comments, blank lines and "##### CPU n buffer started ####" are skipped.
FtraceParse parse_ftrace(std::string_view text);

// The syscall name a dispatch function stands for: "x64_sys_call" -> "" (the table, not a
// syscall), "__x64_sys_pread64" / "ksys_pread64" / "__do_sys_io_uring_enter" -> "pread64" /
// "io_uring_enter"; nullopt for any other function.
std::optional<std::string> dispatch_syscall(std::string_view function, std::string_view parent);

// The lines of one call, from the function tracer's lines of task `pid`: after the last marker
// `begin` and before the next marker `end`, split into system calls at their dispatch functions
// (x64_sys_call, __x64_sys_*, ...), keeping only the calls of `syscall` ("pread64", "read",
// "getppid", "io_uring_enter"; "" keeps every call). What runs after the begin marker until the
// first dispatch is the rest of the marker's own write and is dropped. Errors: no begin or end
// marker, or no call of `syscall` between them.
struct CallWindow {
  std::vector<FtraceLine> lines;      // the call's function entries and events, in order
  std::vector<std::string> syscalls;  // every syscall seen in the window, in order
  bool delimited = true;              // false: no dispatch function, the whole window was kept
};
Result<CallWindow> call_window(const std::vector<FtraceLine>& lines, int pid,
                               std::string_view begin, std::string_view end,
                               std::string_view syscall);

// One function (or, with tracepoints, one event) in order of first call.
struct PathFunction {
  std::string name;
  int calls = 0;
  std::optional<std::string> stage;  // the stage naming it (on the path if one there does)
  bool on_path = true;               // false: only stages off the scenario's path name it
  bool irq = false;                  // entered only in interrupt context
  std::vector<std::pair<std::string, int>> near;  // unnamed: path stage -> calls counted there
  std::string event;  // tracepoints: the event, e.g. "filemap:mm_filemap_get_pages"
};

struct PathStage {
  std::string id, title;
  std::string lane;                   // "user", "kernel", "hardware"
  bool ftrace_visible = false;        // the model lists ftrace in visible_to
  std::vector<std::string> named;     // the model's function names for the stage
  std::vector<std::string> seen;      // named and called, in order of first call
  std::vector<std::string> not_seen;  // named and not called
  std::vector<std::string> unnamed;   // called, named by no stage on the path, counted here
  int calls = 0;                      // every function entry counted for the stage
  int named_calls = 0, unnamed_calls = 0;
  int events = 0;  // tracepoints only: events mapped here
};

struct PathMapping {
  std::string tracer;  // "function" or "tracepoints"
  std::vector<PathFunction> functions;
  std::vector<PathStage> stages;  // the path's stages, in path order
  int calls = 0;                  // every function entry of the call (irq ones included)
  int irq_calls = 0;              // of calls: in interrupt context
  int unattributed_calls = 0;     // before any mapped function (counted for no stage)
};

// Maps the function entries of one call (call_window().lines) to the path's stages.
// `path` is the scenario's stage ids in order (run_journey); every id must be in the model.
PathMapping map_functions(const std::vector<FtraceLine>& call, const Model& model,
                          const std::vector<std::string>& path);

// The kernel functions a tracepoint event fires in, most specific first: "mm_filemap_get_pages"
// -> {"filemap_get_pages"}. Empty for events this table does not know.
std::vector<std::string> event_functions(std::string_view event);
// The events above, as "system:event" for tracefs.
const std::vector<std::string>& path_events();

// The same mapping from tracepoint events: `seen` lists functions proven to run, `not_seen` and
// the call counts stay empty (events do not count function calls).
PathMapping map_events(const std::vector<FtraceLine>& call, const Model& model,
                       const std::vector<std::string>& path);

}  // namespace sysjourney::measure
