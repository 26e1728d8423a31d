#include "measure/path_run.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <utility>

#include "core/journey.h"
#include "core/text.h"
#include "measure/calibrate.h"
#include "measure/probe_dir.h"
#include "measure/tracefs.h"

namespace sysjourney::measure {
namespace {

constexpr const char* kInstancePrefix = "sysjourney-path-";
// Per CPU. One cold read is about 1,000 function entries; the marker writes add a few hundred.
constexpr const char* kBufferKb = "4096";
constexpr int kMaxBatch = 64;

Error usage(std::string message, std::string value = "") {
  return Error{std::move(message), "scenario", std::move(value), "", ""};
}

// What the traced call is: the syscall's name in the trace and how to make one.
enum class Kind { pread, read_file, io_uring, channel, getppid, pwrite, fsync, fdatasync };

Kind kind_of(const Scenario& s) {
  if (s.op == "getppid") return Kind::getppid;
  if (s.op == "write") return Kind::pwrite;
  if (s.op == "fsync") return Kind::fsync;
  if (s.op == "fdatasync") return Kind::fdatasync;
  if (s.fd != "file") return Kind::channel;
  if (s.api == "pread") return Kind::pread;
  if (s.api == "io_uring") return Kind::io_uring;
  return Kind::read_file;
}

std::string syscall_of(Kind k) {
  switch (k) {
    case Kind::pread:
      return "pread64";
    case Kind::io_uring:
      return "io_uring_enter";
    case Kind::getppid:
      return "getppid";
    case Kind::pwrite:
      return "pwrite64";
    case Kind::fsync:
      return "fsync";
    case Kind::fdatasync:
      return "fdatasync";
    default:
      return "read";
  }
}

// Runs `undo` on every way out unless released first.
class Undo {
 public:
  explicit Undo(std::function<void()> undo) : undo_(std::move(undo)) {}
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  ~Undo() {
    if (undo_) undo_();
  }
  void now() {
    if (auto u = std::exchange(undo_, nullptr)) u();
  }

 private:
  std::function<void()> undo_;
};

// The model's side: the scenario as given, with this machine's CPU preset, device and KPTI
// where the user left them open, so the path is the one this machine takes.
Scenario for_host(const Model& model, Scenario s, const HostFacts& host) {
  if (s.cpu.empty()) {
    const std::string preset = closest_preset(model, host);
    if (model.find_cpu(preset)) s.cpu = preset;
  }
  if (s.device.empty() && model.find_device(host.device)) s.device = host.device;
  if (!s.kpti && !host.kernel.empty()) s.kpti = host.kpti;
  return s;
}

// The resources of one scenario and its call.
class Call {
 public:
  Call(Os& os, Kind kind, const Scenario& s) : os_(os), kind_(kind), s_(s) {}
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  ~Call() {
    if (ring_ >= 0) os_.uring_close(ring_);
    for (int fd : fds_) (void)os_.close(fd);
  }

  Status open(const std::string& parent, size_t file_bytes, std::vector<std::string>& notes) {
    if (kind_ == Kind::getppid) return Done{};
    if (kind_ == Kind::channel) {
      const Channel c = s_.fd == "pipe"   ? Channel::pipe
                        : s_.fd == "unix" ? Channel::unix_stream
                                          : Channel::tcp_loopback;
      auto pair = os_.open_channel(c);
      if (!pair) return pair.error();
      fds_.push_back(pair->reader);
      fds_.push_back(pair->writer);
      reader_ = pair->reader;
      writer_ = pair->writer;
      return Done{};
    }
    auto dir = ProbeDir::create(os_, parent);
    if (!dir) return dir.error();
    dir_.emplace(std::move(*dir));
    auto file = dir_->add_file("path.dat", file_bytes);
    if (!file) return file.error();
    const bool writes = kind_ == Kind::pwrite || kind_ == Kind::fsync || kind_ == Kind::fdatasync;
    auto fd = os_.open(*file, writes ? O_WRONLY : O_RDONLY);
    if (!fd) return fd.error();
    fds_.push_back(*fd);
    reader_ = *fd;
    if (kind_ == Kind::io_uring) {
      auto ring = os_.uring_open(static_cast<unsigned>(std::max(8, s_.batch)));
      if (!ring) return ring.error();
      ring_ = *ring;
    }
    if (s_.cache == "miss") {
      if (auto d = os_.drop_cached_pages(reader_); !d) return d.error();
      auto resident = os_.resident_pages(reader_, 4096);
      if (resident && *resident > 0)
        return failure(
            "the probe file's pages stay cached after POSIX_FADV_DONTNEED, so no read is a miss: "
            "give --dir a directory on a disk");
      if (!resident)
        notes.push_back("could not check that the page left the cache: " +
                        resident.error().message);
    }
    return Done{};
  }

  // What must hold before the call: the page dropped, or the data waiting.
  Status prepare() {
    if (kind_ == Kind::channel) {
      const char data[16] = "sysjourney-path";
      auto w = os_.write(writer_, data, sizeof data);
      if (!w) return w.error();
      // Loopback TCP hands the bytes over in the writer's own softirq; wait briefly if not yet.
      for (int i = 0; i < 1000; ++i) {
        auto queued = os_.bytes_queued(reader_);
        if (!queued) return queued.error();
        if (*queued >= sizeof data) return Done{};
        os_.sleep_ns(10'000);
      }
      return failure("the 16 bytes written did not arrive at the reader within 10 ms");
    }
    // fsync and fdatasync trace the sync call; the 16-byte write it makes durable runs here,
    // untraced.
    if (kind_ == Kind::fsync || kind_ == Kind::fdatasync) {
      const char data[16] = "sysjourney-path";
      auto w = os_.pwrite(reader_, data, sizeof data, 0);
      if (!w) return w.error();
      return Done{};
    }
    if (s_.cache == "miss" && kind_ != Kind::getppid) return os_.drop_cached_pages(reader_);
    return Done{};
  }

  Status call() {
    char buf[16 * kMaxBatch];
    switch (kind_) {
      case Kind::getppid: {
        auto r = os_.getppid();
        if (!r) return r.error();
        return Done{};
      }
      case Kind::pread: {
        auto r = os_.pread(reader_, buf, 16, 0);
        if (!r) return r.error();
        return Done{};
      }
      case Kind::io_uring:
        return os_.uring_read(ring_, reader_, buf, 16, static_cast<unsigned>(s_.batch));
      case Kind::pwrite: {
        std::memset(buf, 'w', 16);
        auto r = os_.pwrite(reader_, buf, 16, 0);
        if (!r) return r.error();
        return Done{};
      }
      case Kind::fsync:
        return os_.fsync(reader_);
      case Kind::fdatasync:
        return os_.fdatasync(reader_);
      case Kind::read_file:
      case Kind::channel: {
        auto r = os_.read(reader_, buf, 16);
        if (!r) return r.error();
        return Done{};
      }
    }
    return Done{};
  }

 private:
  Os& os_;
  Kind kind_;
  Scenario s_;
  std::optional<ProbeDir> dir_;
  std::vector<int> fds_;
  int reader_ = -1, writer_ = -1, ring_ = -1;
};

// The function tracer for our task when the kernel has it and lets us select it (true), else
// the path's tracepoints (false), each gap said in report.missing.
Result<bool> select_tracer(Os& os, TraceInstance& inst, const std::string& tracefs, int tid,
                           PathReport& report) {
  bool function_tracer = false;
  auto tracers = os.read_file(tracefs + "/available_tracers");
  if (!tracers) {
    report.missing.push_back("available_tracers cannot be read (" + tracers.error().message + ")");
  } else if (!words_of(*tracers).count("function")) {
    report.missing.push_back(
        "the function tracer: the kernel has no CONFIG_FUNCTION_TRACER (tracers here: " +
        std::string(trim(*tracers)) + ")");
  } else {
    if (auto s = inst.write("set_ftrace_pid", std::to_string(tid)); !s)
      report.notes.push_back("set_ftrace_pid: " + s.error().message +
                             "; other tasks are left out when reading");
    if (auto s = inst.write("current_tracer", "function"); !s) {
      report.missing.push_back("the function tracer is there but cannot be selected (" +
                               s.error().message +
                               "): a security policy or lockdown may forbid it");
    } else {
      inst.tracer_set();
      function_tracer = true;
    }
  }
  if (!function_tracer) {
    auto available = os.read_file(tracefs + "/available_events");
    if (!available)
      return failure("no function tracer and no tracepoints: " + available.error().message);
    const auto events = words_of(*available);
    if (auto s = inst.write("set_event_pid", std::to_string(tid)); !s)
      report.notes.push_back("set_event_pid: " + s.error().message +
                             "; other tasks are left out when reading");
    int enabled = 0;
    std::vector<std::string> absent;
    for (const std::string& e : path_events()) {
      if (!events.count(e)) {
        absent.push_back(e);
        continue;
      }
      if (inst.enable(event_dir(e)))
        ++enabled;
      else
        absent.push_back(e);
    }
    if (enabled == 0)
      return failure("neither the function tracer nor any of its tracepoints can be used here");
    report.missing.push_back(
        "without the function tracer only tracepoints are seen: the stages show which functions "
        "are proven to "
        "run (where an event fires), not every function, and no call counts");
    if (!absent.empty()) {
      std::string list;
      for (const std::string& e : absent) list += (list.empty() ? "" : ", ") + e;
      report.missing.push_back("tracepoints not available or not enabled: " + list);
    }
    report.notes.push_back(
        "events of other tasks (interrupt completions, wake-ups from idle) are not in the window");
  }

  return function_tracer;
}

}  // namespace

Scenario path_default_scenario() {
  Scenario s;
  s.op = "read";
  s.fd = "file";
  s.cache = "hit";
  s.api = "pread";
  return s;
}

// The default is a pread of a file; a pipe or socket has no offset, so it is read().
Scenario normalized(Scenario s) {
  if (s.fd != "file" && s.api == "pread") s.api = "read";
  return s;
}

Status check_path_scenario(const Model& model, const Scenario& given) {
  const Scenario s = normalized(given);
  if (auto j = run_journey(model, s); !j) return j.error();
  const bool writes = s.op == "write" || s.op == "fsync" || s.op == "fdatasync";
  if (s.op != "read" && s.op != "getppid" && !writes)
    return usage("--path traces op=read, write, fsync, fdatasync and getppid, not op=" + s.op,
                 s.op);
  if (s.op == "getppid") return Done{};
  if (writes) {
    if (s.fd != "file" || s.direct || s.sync != "none" || s.api == "io_uring" || s.cache != "hit" ||
        s.tracer != "none" || s.bytes != 16)
      return usage("--path traces op=" + s.op +
                       " as a buffered 16-byte write to a cached file (fd=file, no --direct, "
                       "--sync, --cache miss, --api io_uring or --tracer)",
                   s.op);
    return Done{};
  }
  if (s.tracer != "none")
    return usage("--path traces the call itself: leave --tracer at none", s.tracer);
  if (s.direct) return usage("--path does not trace O_DIRECT reads yet", "direct");
  if (s.wait || s.nonblock)
    return usage(
        "--path traces reads with the data already waiting: --wait and --nonblock are not traced",
        "wait");
  if (s.bytes != 16) return usage("--path traces 16-byte reads", std::to_string(s.bytes));
  if (s.fd != "file" && s.api != "read")
    return usage("--path reads a pipe or socket with read(): --api " + s.api + " is for files",
                 s.api);
  if (s.api != "read" && s.api != "pread" && s.api != "io_uring")
    return usage("--path traces --api read, pread or io_uring, not " + s.api, s.api);
  if (s.api == "io_uring" && (s.batch < 1 || s.batch > kMaxBatch))
    return usage("--path traces io_uring batches of 1 to " + std::to_string(kMaxBatch) + " reads",
                 std::to_string(s.batch));
  return Done{};
}

Result<PathReport> trace_path(Os& os, const Model& model, const Scenario& given,
                              const PathOptions& options) {
  if (os.effective_uid() != 0) return failure("--path needs root (tracefs): run it with sudo");
  if (auto ok = check_path_scenario(model, given); !ok) return ok.error();
  const Scenario scenario = normalized(given);
  PathReport report;
  std::vector<std::string>& notes = report.notes;
  if (scenario.api != given.api)
    notes.push_back("--fd " + scenario.fd + " is read with read(): a pipe or socket has no offset");
  const Kind kind = kind_of(scenario);
  report.syscall = syscall_of(kind);

  const std::string parent = choose_probe_parent(os, options.dir);
  if (scenario.cache == "miss" && kind != Kind::channel && kind != Kind::getppid) {
    auto magic = os.fs_magic(parent);
    if (!magic) return magic.error();
    if (memory_backed(*magic))
      return failure("the probe directory " + parent +
                     " is in memory, so no read there misses the page cache: "
                     "give --dir a directory on a disk");
  }
  HostOptions host_options;
  host_options.dir = parent;
  report.host = read_host_facts(os, host_options);

  const Scenario model_scenario = for_host(model, scenario, report.host);
  auto journey = run_journey(model, model_scenario);
  if (!journey) journey = run_journey(model, scenario);  // the host's preset or device may not fit
  if (!journey) return journey.error();
  std::vector<std::string> path;
  for (const JourneyStage& st : journey->stages) path.push_back(st.stage->id);
  report.path_id = journey->path ? journey->path->id : "";
  report.scenario = scenario_pairs(journey->scenario);

  auto tracefs = find_tracefs(os);
  if (!tracefs) return tracefs.error();
  report.tracefs = tracefs->path;
  report.mounted = tracefs->mounted;
  MountGuard unmount(os, tracefs->path, tracefs->mounted);

  const int tid = os.thread_id();
  auto made = TraceInstance::make(os, tracefs->path, kInstancePrefix, tid, notes);
  if (!made) return made.error();
  TraceInstance& inst = *made;
  if (auto s = inst.write("tracing_on", "0"); !s) return s.error();
  if (auto s = inst.write("buffer_size_kb", kBufferKb); !s)
    notes.push_back("buffer size left as it was: " + s.error().message);

  // One CPU: the call stays on it and the tracer records only it. The affinity is put back after.
  auto cpu = os.current_cpu();
  auto affinity = os.thread_affinity();
  Undo unpin([&] {
    if (affinity) (void)os.set_thread_affinity(*affinity);
  });
  if (cpu && affinity && os.set_thread_affinity({*cpu})) {
    char mask[32];
    std::snprintf(mask, sizeof mask, "%llx", 1ULL << (*cpu % 64));
    if (*cpu >= 64 || !inst.write("tracing_cpumask", mask))
      notes.push_back("tracing every CPU: tracing_cpumask could not be set to CPU " +
                      std::to_string(*cpu));
  } else {
    notes.push_back("the call was not pinned to one CPU");
  }

  Call call(os, kind, scenario);
  if (auto s = call.open(parent, options.file_bytes, notes); !s) return s.error();

  auto function_tracer = select_tracer(os, inst, tracefs->path, tid, report);
  if (!function_tracer) return function_tracer.error();

  // Warm up untraced, then one call between the markers.
  for (int i = 0; i < options.warmup; ++i) {
    if (auto s = call.prepare(); !s) return s.error();
    if (auto s = call.call(); !s) return s.error();
  }
  const std::string begin = "sysjourney-path-begin-" + std::to_string(tid);
  const std::string end = "sysjourney-path-end-" + std::to_string(tid);
  if (auto s = call.prepare(); !s) return s.error();
  if (auto s = inst.write("tracing_on", "1"); !s) return s.error();
  const Status marked = inst.write("trace_marker", begin);
  const Status called = marked ? call.call() : Status(Done{});
  const Status ended = marked ? inst.write("trace_marker", end) : Status(Done{});
  (void)inst.write("tracing_on", "0");
  if (!marked) return failure("cannot write trace_marker: " + marked.error().message);
  if (!called) return called.error();
  if (!ended) return failure("cannot write trace_marker: " + ended.error().message);
  auto text = inst.read("trace");
  if (!text) return text.error();

  // Leave tracefs as it was: the instance goes, then the mount if it was ours.
  if (auto s = inst.remove(); !s)
    notes.push_back("the tracing instance could not be removed (its tracer and events are off): " +
                    s.error().message);
  unpin.now();
  if (auto s = unmount.release(); !s)
    notes.push_back("tracefs could not be unmounted: " + s.error().message);

  const FtraceParse parsed = parse_ftrace(*text);
  if (parsed.lost_events) notes.push_back("the trace buffer overflowed: some entries were lost");
  if (parsed.malformed > 0)
    notes.push_back(std::to_string(parsed.malformed) + " trace lines did not parse, e.g. \"" +
                    parsed.first_malformed + "\"");
  auto window = call_window(parsed.lines, tid, begin, end, report.syscall);
  if (!window) return window.error();
  report.syscalls = window->syscalls;
  if (!window->delimited)
    notes.push_back("no syscall dispatch function in the trace: the whole window is counted");
  report.mapping = *function_tracer ? map_functions(window->lines, model, path)
                                    : map_events(window->lines, model, path);
  return report;
}

}  // namespace sysjourney::measure
