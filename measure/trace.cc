#include "measure/trace.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <utility>

#include "core/scenario.h"
#include "core/text.h"
#include "core/units.h"
#include "measure/calibrate.h"
#include "measure/host.h"
#include "measure/probe_dir.h"
#include "measure/stats.h"
#include "measure/tracefs.h"

namespace sysjourney::measure {
namespace {

constexpr size_t kReadBytes = 16;  // read(fd, buf, 16): the call the whole project follows
constexpr int kEvictAttempts = 3;
constexpr std::string_view kBufferKb = "512";  // per CPU; a traced read leaves a few dozen events
#ifdef SYS_pread64
constexpr long kPreadNr = SYS_pread64;
#else
constexpr long kPreadNr = SYS_pread;
#endif

constexpr std::string_view kNotRoot = "--trace needs root: run it with sudo";

// --- The clock and the events
// ---------------------------------------------------------------------

struct Clock {
  std::string name;
  double ticks_per_ns = 1;  // raw stamps per ns; 1 for clocks that print ns
  double resolution_ns = 1000;
  bool user_marks = false;  // user space can read the same clock (rdtsc)
};

struct EventSpec {
  std::string event;  // "raw_syscalls:sys_enter"
  bool required = false;
  std::string filter;  // "" traces it unfiltered
  std::string_view gives;
};

// Filters keep the buffer to our task; completions run in interrupts on any task, so block
// requests are filtered by disk and interrupts by the disk's name, when known.
std::vector<EventSpec> event_specs(int tid, const std::string& disk_dev, const std::string& irq) {
  const std::string task = "common_pid == " + std::to_string(tid);
  const std::string syscall = task + " && id == " + std::to_string(kPreadNr);
  const std::string dev = disk_dev.empty() ? "" : "dev == " + disk_dev;
  return {
      {"raw_syscalls:sys_enter", true, syscall, "the syscall"},
      {"raw_syscalls:sys_exit", true, syscall, "the syscall"},
      {"filemap:mm_filemap_add_to_page_cache", false, task, "the page_cache_add mark"},
      {"block:block_bio_queue", false, task, "the bio_queue mark"},
      {"block:block_rq_issue", false, dev, "the rq_issue mark and the device time"},
      {"block:block_rq_complete", false, dev, "the rq_complete mark and the device time"},
      {"irq:irq_handler_entry", false, irq.empty() ? "" : "name ~ \"" + irq + "*\"",
       "the irq mark"},
      {"sched:sched_wakeup", false, "pid == " + std::to_string(tid), "the wakeup mark"},
      {"sched:sched_switch", false,
       "prev_pid == " + std::to_string(tid) + " || next_pid == " + std::to_string(tid),
       "the switch_in mark"},
  };
}

// The disk's dev_t as the kernel's block events print and filter it (major << 20 | minor), and
// the prefix of its interrupts' names ("virtio1", "nvme0"), from /sys/block/<disk>.
std::pair<std::string, std::string> disk_ids(Os& os, const std::string& disk) {
  if (disk.empty()) return {};
  std::string dev, irq;
  if (auto text = os.read_file("/sys/block/" + disk + "/dev")) {
    const std::string_view t = trim(*text);
    const size_t colon = t.find(':');
    auto major = parse_number<uint64_t>(t.substr(0, colon));
    auto minor = colon == std::string_view::npos ? std::nullopt
                                                 : parse_number<uint64_t>(t.substr(colon + 1));
    if (major && minor) dev = std::to_string((*major << 20) | *minor);
  }
  if (auto link = os.readlink("/sys/block/" + disk + "/device")) {
    const std::string base = link->substr(link->rfind('/') + 1);
    if (base.starts_with("virtio") || base.starts_with("nvme")) irq = base;
  }
  return {dev, irq};
}

bool sets_key(const std::string& scenario, std::string_view key) {
  for (size_t pos = scenario.find(key); pos != std::string::npos;
       pos = scenario.find(key, pos + 1)) {
    const bool starts = pos == 0 || scenario[pos - 1] == ',' || scenario[pos - 1] == '&';
    if (starts && pos + key.size() < scenario.size() && scenario[pos + key.size()] == '=')
      return true;
  }
  return false;
}

Status evict(Os& os, int fd, size_t bytes) {
  for (int attempt = 0; attempt < kEvictAttempts; ++attempt) {
    if (auto d = os.drop_cached_pages(fd); !d) return d.error();
    auto resident = os.resident_pages(fd, bytes);
    if (!resident) return resident.error();
    if (*resident == 0) return Done{};
    if (attempt + 1 == kEvictAttempts)
      return failure("pages stay in the page cache after POSIX_FADV_DONTNEED (" +
                     std::to_string(*resident) + " resident): no read here can be cold");
  }
  return Done{};
}

// One cold read with tracing off, timed from user space: the baseline for the tracer's cost.
Result<double> time_untraced(Os& os, const std::string& file, size_t bytes) {
  auto fd = os.open(file, O_RDONLY);
  if (!fd) return fd.error();
  OsFd guard(os, *fd);
  if (auto e = evict(os, *fd, bytes); !e) return e.error();
  char buf[kReadBytes];
  const int64_t t0 = os.monotonic_ns();
  auto n = os.pread(*fd, buf, sizeof buf, 0);
  const int64_t t1 = os.monotonic_ns();
  if (!n) return n.error();
  return static_cast<double>(t1 - t0);
}

// One cold read under the tracer: evict, trace the pread, read the buffer. The buffer is not
// cleared between reads: clearing it waits for an RCU grace period and resets every CPU's
// buffer, which slowed the next cold read here from ~35 µs to 165-800 µs. read_timeline() takes
// the newest read instead.
Result<ReadTimeline> trace_one(Os& os, TraceInstance& inst, const std::string& file, size_t bytes,
                               const Clock& clock, int tid) {
  auto fd = os.open(file, O_RDONLY);  // fresh: no readahead state from the last read
  if (!fd) return fd.error();
  OsFd guard(os, *fd);
  if (auto e = evict(os, *fd, bytes); !e) return e.error();
  if (auto s = inst.write("tracing_on", "1"); !s) return s.error();
  char buf[kReadBytes];
  const std::optional<uint64_t> t0 = clock.user_marks ? os.read_tsc() : std::nullopt;
  auto n = os.pread(*fd, buf, sizeof buf, 0);
  const std::optional<uint64_t> t1 = clock.user_marks ? os.read_tsc() : std::nullopt;
  auto off = inst.write("tracing_on", "0");
  if (!n) return n.error();
  if (*n != sizeof buf)
    return failure("short read: " + std::to_string(*n) + " of " + std::to_string(sizeof buf));
  if (!off) return off.error();
  auto text = inst.read("trace");
  if (!text) return text.error();
  auto t = read_timeline(parse_trace(*text), tid, kPreadNr, clock.ticks_per_ns);
  if (!t) return t.error();
  if (t0 && t1) {
    (*t)[Mark::call] = static_cast<double>(*t0) / clock.ticks_per_ns;
    (*t)[Mark::ret] = static_cast<double>(*t1) / clock.ticks_per_ns;
  }
  return t;
}

// The scenario the model prices: the options', with this host's closest preset and its probe
// directory's device unless the text sets them (or a fitted profile stands for the host).
std::string model_scenario(const Model& model, const TraceOptions& options, const HostFacts& host) {
  std::string scenario = options.scenario;
  if (!options.profile) {
    if (!sets_key(scenario, "cpu")) scenario += ",cpu=" + closest_preset(model, host);
    if (!sets_key(scenario, "device") && model.find_device(host.device))
      scenario += ",device=" + host.device;
  }
  return scenario;
}

// The model's journey for `scenario`, or nothing (with a note): the trace is still worth having.
std::optional<Journey> model_journey(const Model& model, const std::string& scenario,
                                     const Profile* profile, std::vector<std::string>& notes) {
  auto s = parse_scenario(scenario, model);
  if (!s) {
    notes.push_back("no model values: " + describe(s.error()));
    return std::nullopt;
  }
  auto j = run_journey(model, *s, profile);
  if (!j) {
    notes.push_back("no model values: " + describe(j.error()));
    return std::nullopt;
  }
  return std::move(*j);
}

// The instance's clock. x86-tsc prints raw ticks (the others print microseconds) and user space
// can read it with rdtsc, so the marks around the call come from the same clock.
Result<Clock> choose_clock(Os& os, TraceInstance& inst, const HostFacts& host,
                           std::vector<std::string>& notes) {
  Clock clock;
  std::set<std::string, std::less<>> clocks;
  std::string current_clock;  // trace_clock brackets it: "local [mono] x86-tsc"
  if (auto text = inst.read("trace_clock")) {
    for (std::string word : words_of(*text)) {
      if (word.starts_with('[') && word.ends_with(']')) {
        word = word.substr(1, word.size() - 2);
        current_clock = word;
      }
      clocks.insert(word);
    }
  }
  const double tsc_ghz = host.ghz_source == "tsc" ? host.ghz : 0;
  if (clocks.count("x86-tsc") && tsc_ghz > 0 && os.read_tsc()) {
    clock = Clock{.name = "x86-tsc",
                  .ticks_per_ns = tsc_ghz,
                  .resolution_ns = 1 / tsc_ghz,
                  .user_marks = true};
  } else if (clocks.count("mono")) {
    clock = Clock{.name = "mono"};
    notes.push_back(
        "no x86-tsc trace clock here: timestamps have 1 µs resolution and the "
        "user-space part of the call is not measured");
  } else {
    clock = Clock{.name = current_clock.empty() ? "local" : current_clock};
    notes.push_back("trace clock " + clock.name +
                    ": timestamps have 1 µs resolution and the user-space part of the call is "
                    "not measured");
  }
  if (clock.name != current_clock)
    if (auto s = inst.write("trace_clock", clock.name); !s) return s.error();
  return clock;
}

// Filters and enables each event the kernel has; returns those enabled. A required one missing
// is an error, an optional one a note saying which mark is lost.
Result<std::vector<std::string>> enable_events(TraceInstance& inst,
                                               const std::vector<EventSpec>& specs,
                                               const std::set<std::string, std::less<>>& available,
                                               const std::string& tracefs,
                                               std::vector<std::string>& notes) {
  std::vector<std::string> enabled;
  for (const EventSpec& spec : specs) {
    if (!available.count(spec.event)) {
      if (spec.required)
        return failure(spec.event + " is not in " + tracefs +
                       "/available_events: the kernel cannot trace system calls");
      notes.push_back(spec.event + " is not available here: no " + std::string(spec.gives));
      continue;
    }
    const std::string dir = event_dir(spec.event);
    if (!spec.filter.empty())
      if (auto f = inst.write(dir + "/filter", spec.filter); !f)
        notes.push_back(spec.event + " traced unfiltered: " + f.error().message);
    if (auto e = inst.enable(dir); !e) {
      if (spec.required) return e.error();
      notes.push_back(spec.event + " could not be enabled (" + e.error().message + "): no " +
                      std::string(spec.gives));
      continue;
    }
    enabled.push_back(spec.event);
  }
  return enabled;
}

}  // namespace

Result<TraceReport> trace_cold_read(Os& os, const Model& model, const TraceOptions& options) {
  if (auto missing = trace_stages_missing(model); !missing.empty()) {
    return failure(
        fmt::format("the trace's segments name stages the model does not define ({}): "
                    "rename them in measure/trace_events.cc's mark table too",
                    join(missing, ", ")));
  }
  if (os.effective_uid() != 0) return failure(std::string(kNotRoot));
  if (options.repetitions < 1) return failure("--trace needs at least one read to trace");
  std::vector<std::string> notes;

  // The probe directory must be on a disk: a cold read is one whose page left memory.
  const std::string parent = choose_probe_parent(os, options.dir);
  auto magic = os.fs_magic(parent);
  if (!magic) return magic.error();
  if (memory_backed(*magic))
    return failure("the probe directory " + parent + " is on " + fs_name(*magic) +
                   ", whose pages cannot be evicted, so no read there is cold: give --dir a "
                   "directory on a disk");
  HostOptions host_options;
  host_options.dir = parent;
  const HostFacts host = read_host_facts(os, host_options);

  // The model's side of the same read.
  std::string scenario = model_scenario(model, options, host);
  std::optional<Journey> journey = model_journey(model, scenario, options.profile, notes);

  auto tracefs = find_tracefs(os);
  if (!tracefs) return tracefs.error();
  MountGuard mount_guard(os, tracefs->path, tracefs->mounted);

  auto available_text = os.read_file(tracefs->path + "/available_events");
  if (!available_text)
    return failure("tracefs is not available: " + available_text.error().message);
  const auto available = words_of(*available_text);

  const int tid = os.thread_id();
  auto made = TraceInstance::make(os, tracefs->path, "sysjourney-", tid, notes);
  if (!made) return made.error();
  TraceInstance& inst = *made;
  if (auto s = inst.write("tracing_on", "0"); !s) return s.error();

  auto clock = choose_clock(os, inst, host, notes);
  if (!clock) return clock.error();
  if (auto s = inst.write("buffer_size_kb", kBufferKb); !s)
    notes.push_back("buffer size left as it was: " + s.error().message);

  const auto [disk_dev, irq_prefix] = disk_ids(os, host.block_device);
  auto enabled =
      enable_events(inst, event_specs(tid, disk_dev, irq_prefix), available, tracefs->path, notes);
  if (!enabled) return enabled.error();
  const bool expect_device =
      contains(*enabled, "block:block_rq_issue") && contains(*enabled, "block:block_rq_complete");

  auto dir = ProbeDir::create(os, parent);
  if (!dir) return dir.error();
  auto file = dir->add_file("trace.dat", options.file_bytes);
  if (!file) return file.error();

  // Each traced read follows an untraced one, which also warms the path's code and data.
  // Reads that never reached the device (the page came back some other way) are retraced.
  std::vector<ReadTimeline> reads;
  std::vector<double> untraced;
  for (int attempt = 0;
       attempt < 2 * options.repetitions && static_cast<int>(reads.size()) < options.repetitions;
       ++attempt) {
    auto plain = time_untraced(os, *file, options.file_bytes);
    if (!plain) return plain.error();
    untraced.push_back(*plain);
    auto t = trace_one(os, inst, *file, options.file_bytes, *clock, tid);
    if (!t) return t.error();
    if (expect_device && (!(*t)[Mark::rq_issue] || !(*t)[Mark::rq_complete])) {
      notes.push_back(
          fmt::format("read {} found no block request of its own in the trace and "
                      "was traced again",
                      attempt + 1));
      continue;
    }
    reads.push_back(std::move(*t));
  }

  // Leave tracefs as it was: the instance goes, then the mount if it was ours.
  if (auto s = inst.remove(); !s)
    notes.push_back("the tracing instance could not be removed (its events are off): " +
                    s.error().message);
  if (auto s = mount_guard.release(); !s)
    notes.push_back("tracefs could not be unmounted: " + s.error().message);

  auto report = summarize_trace(reads, journey ? &*journey : nullptr);
  if (!report) return report.error();
  report->tracefs = tracefs->path;
  report->mounted = tracefs->mounted;
  report->clock = clock->name;
  report->resolution_ns = clock->resolution_ns;
  report->scenario = scenario;
  report->profiled = options.profile != nullptr;
  report->events = *enabled;
  if (!untraced.empty()) report->untraced_ns = summarize(untraced).median;
  report->notes.insert(report->notes.begin(), notes.begin(), notes.end());
  return report;
}

}  // namespace sysjourney::measure
