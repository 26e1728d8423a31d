#include "measure/trace.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/text.h"
#include "core/units.h"
#include "measure/calibrate.h"
#include "measure/host.h"
#include "measure/probe_dir.h"
#include "measure/stats.h"

namespace sysjourney::measure {
namespace {

constexpr long kTracefsMagic = 0x74726163;
constexpr std::string_view kTracefsPath = "/sys/kernel/tracing";
constexpr std::string_view kDebugfsTracingPath = "/sys/kernel/debug/tracing";
constexpr size_t kReadBytes = 16;  // read(fd, buf, 16): the call the whole project follows
constexpr int kEvictAttempts = 3;
constexpr std::string_view kBufferKb = "512";  // per CPU; a traced read leaves a few dozen events
#ifdef SYS_pread64
constexpr long kPreadNr = SYS_pread64;
#else
constexpr long kPreadNr = SYS_pread;
#endif

constexpr std::string_view kNotRoot = "--trace needs root: run it with sudo";
constexpr std::string_view kNoTracefs =
    "tracefs is not available: the kernel has no CONFIG_TRACING, or it cannot be mounted here";

// --- Marks and the model stages between them ----------------------------------------------------

struct MarkSpec {
  std::string_view id;
  std::string_view what;                 // from this mark to the next
  std::vector<std::string_view> stages;  // the model's stages from this mark to the next
};

const std::array<MarkSpec, kMarkCount>& mark_specs() {
  static const std::array<MarkSpec, kMarkCount> specs = {{
      {"call",
       "glibc, SYSCALL, kernel entry (swapgs, mitigations) up to the tracepoint",
       {"libc_wrapper", "syscall_insn", "entry_swapgs", "kpti_enter", "spectre_entry"}},
      {"sys_enter",
       "dispatch, fd lookup, VFS checks, ext4, page-cache miss, readahead allocates folios",
       {"dispatch", "dispatch_pread", "fd_lookup", "vfs_read_checks", "read_iter_call",
        "ext4_file_read_iter", "page_cache_lookup", "readahead_alloc"}},
      {"page_cache_add", "ext4 maps the blocks and builds the bio", {"ext4_map_blocks"}},
      {"bio_queue",
       "block layer: plug, request, I/O scheduler, dispatch to the driver",
       {"block_submit", "mq_deadline"}},
      {"rq_issue",
       "driver queues and kicks the device, the device reads; the task sleeps meanwhile",
       {"nvme_queue_rq", "scsi_queue_rq", "virtio_queue_rq", "io_schedule", "device_read"}},
      {"irq",
       "completion interrupt until the request completes",
       {"nvme_irq", "ahci_irq", "virtio_irq"}},
      {"rq_complete", "bio completion: folios unlocked, the reader woken", {"folio_end_read"}},
      {"wakeup", "runnable to running (scheduler, IPI, idle exit)", {"wakeup_switch"}},
      {"switch_in", "back in filemap_read: copy_to_user, atime", {"copy_to_user", "touch_atime"}},
      {"sys_exit",
       "exit work, SYSRET, back in glibc",
       {"exit_work", "kpti_exit", "sysret", "libc_return"}},
      {"ret", "", {}},
  }};
  return specs;
}

// --- Small text helpers
// ---------------------------------------------------------------------------

template <class T>
std::optional<T> number(std::string_view s, int base = 10) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "12.345678" (seconds.microseconds, as clocks in ns print) -> ns; "5552804322850" -> raw count.
std::optional<std::pair<int64_t, bool>> parse_stamp(std::string_view s) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos) {
    auto raw = number<int64_t>(s);
    if (!raw) return std::nullopt;
    return std::pair{*raw, false};
  }
  auto secs = number<int64_t>(s.substr(0, dot));
  std::string_view frac = s.substr(dot + 1);
  auto f = number<int64_t>(frac);
  if (!secs || !f || frac.size() > 9) return std::nullopt;
  int64_t ns = *f;
  for (size_t i = frac.size(); i < 9; ++i) ns *= 10;
  return std::pair{*secs * 1'000'000'000 + ns, true};
}

// The text after "key=" in event arguments, up to the next space.
std::optional<std::string_view> key_text(std::string_view args, std::string_view key) {
  for (size_t pos = args.find(key); pos != std::string_view::npos; pos = args.find(key, pos + 1)) {
    const bool starts = pos == 0 || args[pos - 1] == ' ';
    const size_t eq = pos + key.size();
    if (!starts || eq >= args.size() || args[eq] != '=') continue;
    const size_t end = args.find(' ', eq + 1);
    return args.substr(eq + 1, end == std::string_view::npos ? end : end - eq - 1);
  }
  return std::nullopt;
}

std::optional<int64_t> key_number(std::string_view args, std::string_view key) {
  auto text = key_text(args, key);
  if (!text) return std::nullopt;
  return number<int64_t>(*text);
}

// sys_enter "NR 17 (3, ...)" and sys_exit "NR 17 = 16" -> 17.
std::optional<long> syscall_nr(std::string_view args) {
  if (!args.starts_with("NR ")) return std::nullopt;
  args.remove_prefix(3);
  return number<long>(args.substr(0, args.find(' ')));
}

// Block events: "254,0 RA 41189376 + 32 [comm]" -> {41189376, 32}.
std::optional<std::pair<uint64_t, uint64_t>> sector_range(std::string_view args) {
  const size_t plus = args.find(" + ");
  if (plus == std::string_view::npos) return std::nullopt;
  const size_t start = args.rfind(' ', plus - 1);
  const std::string_view before =
      args.substr(start == std::string_view::npos ? 0 : start + 1,
                  start == std::string_view::npos ? plus : plus - start - 1);
  std::string_view after = args.substr(plus + 3);
  after = after.substr(0, after.find(' '));
  auto sector = number<uint64_t>(before);
  auto count = number<uint64_t>(after);
  if (!sector || !count) return std::nullopt;
  return std::pair{*sector, *count};
}

// The rwbs field (second word) of a block event says R for reads: "RA", "RS", "R".
bool is_read(std::string_view args) {
  const size_t a = args.find(' ');
  if (a == std::string_view::npos) return false;
  std::string_view rwbs = args.substr(a + 1);
  rwbs = rwbs.substr(0, rwbs.find(' '));
  return rwbs.find('R') != std::string_view::npos;
}

std::optional<TraceEvent> parse_line(std::string_view line) {
  // The CPU field "[001]" sits after "<task>-<pid>" and spaces; a task name may hold anything.
  for (size_t open = line.find('['); open != std::string_view::npos;
       open = line.find('[', open + 1)) {
    const size_t close = line.find(']', open);
    if (close == std::string_view::npos) return std::nullopt;
    auto cpu = number<int>(line.substr(open + 1, close - open - 1));
    if (!cpu) continue;
    const std::string_view left = line.substr(0, line.find_last_not_of(' ', open - 1) + 1);
    const size_t dash = left.rfind('-');
    if (open == 0 || dash == std::string_view::npos) continue;
    auto pid = number<int>(left.substr(dash + 1));
    if (!pid) continue;
    TraceEvent e;
    e.task = std::string(trim(left.substr(0, dash)));
    e.pid = *pid;
    e.cpu = *cpu;
    // Then an optional flags word ("d..2.") and the stamp, which ends with ':'.
    std::string_view rest = trim(line.substr(close + 1));
    for (int word = 0; word < 2; ++word) {
      const size_t space = rest.find(' ');
      const std::string_view token = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : trim(rest.substr(space));
      if (!token.ends_with(':')) continue;
      auto stamp = parse_stamp(token.substr(0, token.size() - 1));
      if (!stamp) return std::nullopt;
      e.ts = stamp->first;
      e.ts_in_ns = stamp->second;
      const size_t colon = rest.find(':');
      if (colon == std::string_view::npos || colon == 0) return std::nullopt;
      e.name = std::string(rest.substr(0, colon));
      e.args = std::string(trim(rest.substr(colon + 1)));
      return e;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// --- The trace: tracefs, the instance, the events
// -------------------------------------------------

struct Tracefs {
  std::string path;
  bool mounted = false;  // by this run
};

Error no_tracefs(const std::string& why) {
  return failure(std::string(kNoTracefs) + " (" + why + ")");
}

Result<Tracefs> find_tracefs(Os& os) {
  for (std::string_view p : {kTracefsPath, kDebugfsTracingPath}) {
    auto magic = os.fs_magic(std::string(p));
    if (magic && *magic == kTracefsMagic) return Tracefs{.path = std::string(p)};
  }
  const std::string target(kTracefsPath);
  if (auto where = os.fs_magic(target); !where) return no_tracefs(where.error().message);
  if (auto m = os.mount("nodev", target, "tracefs"); !m) return no_tracefs(m.error().message);
  auto magic = os.fs_magic(target);
  if (!magic || *magic != kTracefsMagic) {
    (void)os.unmount(target);
    return no_tracefs("mounted, but " + target + " does not show tracefs");
  }
  return Tracefs{.path = target, .mounted = true};
}

// Unmounts what this run mounted, on every way out.
class MountGuard {
 public:
  MountGuard(Os& os, std::string target, bool active)
      : os_(os), target_(std::move(target)), active_(active) {}
  MountGuard(const MountGuard&) = delete;
  MountGuard& operator=(const MountGuard&) = delete;
  ~MountGuard() { (void)release(); }
  Status release() {
    if (!std::exchange(active_, false)) return Done{};
    return os_.unmount(target_);
  }

 private:
  Os& os_;
  std::string target_;
  bool active_;
};

// The private tracing instance: its own buffer, clock, events and filters. Removing it undoes
// all of them; if it cannot be removed, its events are at least switched off.
class Instance {
 public:
  Instance(Os& os, std::string path) : os_(os), path_(std::move(path)) {}
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance() { (void)remove(); }

  const std::string& path() const { return path_; }
  Status write(std::string_view file, std::string_view content) {
    return os_.write_file(path_ + "/" + std::string(file), content);
  }
  Result<std::string> read(std::string_view file) {
    return os_.read_file(path_ + "/" + std::string(file));
  }
  Status enable(const std::string& event_dir) {
    auto s = write(event_dir + "/enable", "1");
    if (s) enabled_.push_back(event_dir);
    return s;
  }
  Status remove() {
    if (!std::exchange(live_, false)) return Done{};
    (void)write("tracing_on", "0");
    auto removed = os_.remove(path_);
    if (!removed)
      for (const std::string& e : enabled_) (void)write(e + "/enable", "0");
    return removed;
  }

 private:
  Os& os_;
  std::string path_;
  bool live_ = true;
  std::vector<std::string> enabled_;
};

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

std::string event_dir(const std::string& event) {
  std::string dir = "events/" + event;
  dir[dir.find(':')] = '/';
  return dir;
}

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
    auto major = number<uint64_t>(t.substr(0, colon));
    auto minor =
        colon == std::string_view::npos ? std::nullopt : number<uint64_t>(t.substr(colon + 1));
    if (major && minor) dev = std::to_string((*major << 20) | *minor);
  }
  if (auto link = os.readlink("/sys/block/" + disk + "/device")) {
    const std::string base = link->substr(link->rfind('/') + 1);
    if (base.starts_with("virtio") || base.starts_with("nvme")) irq = base;
  }
  return {dev, irq};
}

// Instances named sysjourney-<tid> whose task is gone were left by a run that was killed
// (SIGKILL, a crash): remove them. Only when /proc can tell, and never a live task's.
void remove_stale_instances(Os& os, const std::string& tracefs, int tid,
                            std::vector<std::string>& notes) {
  if (!os.fs_magic("/proc/self")) return;
  auto names = os.list_dir(tracefs + "/instances");
  if (!names) return;
  for (const std::string& name : *names) {
    if (!name.starts_with("sysjourney-")) continue;
    auto owner = number<int>(std::string_view(name).substr(11));
    if (!owner || *owner == tid) continue;
    auto alive = os.fs_magic("/proc/" + std::to_string(*owner));
    if (alive || errno_of(alive.error()) != ENOENT) continue;
    if (os.remove(tracefs + "/instances/" + name))
      notes.push_back("removed the tracing instance " + name + ", left by a run that was killed");
  }
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
Result<ReadTimeline> trace_one(Os& os, Instance& inst, const std::string& file, size_t bytes,
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

// --- Rendering
// ------------------------------------------------------------------------------------

double tenths(double ns) { return std::round(ns * 10) / 10; }

// Display width of UTF-8 text: code points, not bytes ("→", "µ").
size_t width(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}
std::string pad_right(std::string s, size_t w) {
  const size_t have = width(s);
  if (have < w) s.append(w - have, ' ');
  return s;
}
std::string pad_left(const std::string& s, size_t w) {
  const size_t have = width(s);
  return have < w ? std::string(w - have, ' ') + s : s;
}

std::string join_views(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

}  // namespace

std::string_view mark_id(Mark m) { return mark_specs()[static_cast<int>(m)].id; }

std::vector<TraceEvent> parse_trace(std::string_view text) {
  std::vector<TraceEvent> events;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (auto e = parse_line(line)) events.push_back(std::move(*e));
  }
  return events;
}

Result<ReadTimeline> read_timeline(const std::vector<TraceEvent>& events, int tid, long nr,
                                   double ticks_per_ns) {
  if (!(ticks_per_ns > 0)) return failure("the trace clock's rate is unknown");
  // Per-CPU buffers are merged by time already; sort anyway, keeping equal stamps in order.
  std::vector<const TraceEvent*> ev;
  for (const TraceEvent& e : events) ev.push_back(&e);
  std::stable_sort(ev.begin(), ev.end(),
                   [](const TraceEvent* a, const TraceEvent* b) { return a->ts < b->ts; });
  auto ns = [&](const TraceEvent* e) {
    return e->ts_in_ns ? static_cast<double>(e->ts) : static_cast<double>(e->ts) / ticks_per_ns;
  };
  const size_t none = ev.size();
  // The first event in [from, to) that satisfies `pred`, or `none`.
  auto first = [&](size_t from, size_t to, auto pred) {
    for (size_t i = from; i < to; ++i)
      if (pred(*ev[i])) return i;
    return none;
  };
  auto ours = [&](std::string_view name) {
    return [=](const TraceEvent& e) {
      return e.name == name && e.pid == tid && syscall_nr(e.args) == nr;
    };
  };
  // The newest read: the buffer may hold earlier ones.
  size_t enter = none;
  for (size_t i = ev.size(); i-- > 0;) {
    if (ours("sys_enter")(*ev[i])) {
      enter = i;
      break;
    }
  }
  if (enter == none)
    return failure("the trace has no sys_enter of syscall " + std::to_string(nr) + " by task " +
                   std::to_string(tid));
  const size_t exit = first(enter + 1, none, ours("sys_exit"));
  if (exit == none)
    return failure("the trace has no sys_exit of syscall " + std::to_string(nr) + " by task " +
                   std::to_string(tid) + " after its sys_enter");

  ReadTimeline t;
  t[Mark::sys_enter] = ns(ev[enter]);
  t[Mark::sys_exit] = ns(ev[exit]);
  auto by_us = [&](std::string_view name) {
    return [=](const TraceEvent& e) { return e.name == name && e.pid == tid; };
  };

  // The read's first bio, and the request that carries it.
  const size_t bio = first(enter + 1, exit, [&](const TraceEvent& e) {
    return by_us("block_bio_queue")(e) && is_read(e.args) && sector_range(e.args);
  });
  const auto bio_range = bio == none ? std::nullopt : sector_range(ev[bio]->args);
  auto read_request = [&](const TraceEvent& e) {
    return e.name == "block_rq_issue" && is_read(e.args) && sector_range(e.args);
  };
  const size_t after_bio = bio == none ? enter + 1 : bio + 1;
  size_t issue = first(after_bio, exit, [&](const TraceEvent& e) {
    if (!read_request(e)) return false;
    if (!bio_range) return true;
    const auto r = *sector_range(e.args);
    return r.first <= bio_range->first && bio_range->first < r.first + r.second;
  });
  // A stacked device (dm, md) queues its own bio first, in its own sectors: take the first read.
  if (issue == none && bio_range) issue = first(after_bio, exit, read_request);
  size_t complete = none;
  if (issue != none) {
    const auto issued = *sector_range(ev[issue]->args);
    complete = first(issue + 1, exit, [&](const TraceEvent& e) {
      auto r = e.name == "block_rq_complete" ? sector_range(e.args) : std::nullopt;
      return r && r->first == issued.first;
    });
  }

  // Readahead adds every folio before it builds the bios: the last add before the bio ends
  // the allocation.
  const size_t add_end = bio != none ? bio : issue != none ? issue : exit;
  size_t last_add = none;
  for (size_t i = enter + 1; i < exit; ++i) {
    if (!by_us("mm_filemap_add_to_page_cache")(*ev[i])) continue;
    t.pages_added += 1 << std::clamp<int64_t>(key_number(ev[i]->args, "order").value_or(0), 0, 20);
    if (i < add_end) last_add = i;
  }

  // The interrupt: the last one on the completing CPU between issue and completion.
  size_t irq = none;
  if (complete != none) {
    for (size_t i = issue + 1; i < complete; ++i)
      if (ev[i]->name == "irq_handler_entry" && ev[i]->cpu == ev[complete]->cpu) irq = i;
    if (irq != none) t.irq = std::string(key_text(ev[irq]->args, "name").value_or(""));
  }

  size_t cursor = complete != none ? complete : issue != none ? issue : enter;
  const size_t wakeup = first(cursor + 1, exit, [&](const TraceEvent& e) {
    return e.name == "sched_wakeup" && key_number(e.args, "pid") == tid;
  });
  if (wakeup != none) cursor = wakeup;
  const size_t switch_in = first(cursor + 1, exit, [&](const TraceEvent& e) {
    return e.name == "sched_switch" && key_number(e.args, "next_pid") == tid;
  });
  const size_t switch_out =
      first(enter + 1, switch_in == none ? exit : switch_in, [&](const TraceEvent& e) {
        return e.name == "sched_switch" && key_number(e.args, "prev_pid") == tid;
      });
  if (switch_in != none && switch_out != none)
    t.off_cpu_ns = ns(ev[switch_in]) - ns(ev[switch_out]);

  const std::pair<Mark, size_t> found[] = {
      {Mark::page_cache_add, last_add}, {Mark::bio_queue, bio},
      {Mark::rq_issue, issue},          {Mark::irq, irq},
      {Mark::rq_complete, complete},    {Mark::wakeup, wakeup},
      {Mark::switch_in, switch_in},
  };
  for (const auto& [mark, i] : found)
    if (i != none) t[mark] = ns(ev[i]);
  return t;
}

Result<TraceReport> summarize_trace(const std::vector<ReadTimeline>& reads, const Journey* model) {
  if (reads.empty()) return failure("no read was traced");
  TraceReport r;
  std::vector<Mark> used;
  for (int m = 0; m < kMarkCount; ++m) {
    const Mark mark = static_cast<Mark>(m);
    const auto have =
        std::ranges::count_if(reads, [&](const ReadTimeline& t) { return t[mark].has_value(); });
    if (have == static_cast<long>(reads.size())) {
      used.push_back(mark);
    } else if (have > 0) {
      r.notes.push_back(
          fmt::format("the {} mark was missing from {} of {} reads, so it is left out",
                      mark_id(mark), reads.size() - have, reads.size()));
    }
  }
  if (used.size() < 2) return failure("the traced reads have fewer than two marks in common");

  // The model's ns per stage id on its path.
  std::map<std::string, double, std::less<>> model_ns;
  if (model)
    for (const JourneyStage& js : model->stages) model_ns[js.stage->id] += js.ns;
  std::set<std::string, std::less<>> covered;
  for (size_t i = 0; i + 1 < used.size(); ++i) {
    TraceSegment seg;
    seg.from = std::string(mark_id(used[i]));
    seg.to = std::string(mark_id(used[i + 1]));
    std::vector<std::string> whats;
    double sum = 0;
    for (int m = static_cast<int>(used[i]); m < static_cast<int>(used[i + 1]); ++m) {
      const MarkSpec& spec = mark_specs()[m];
      whats.emplace_back(spec.what);
      for (std::string_view id : spec.stages) {
        auto it = model_ns.find(id);
        if (model && it == model_ns.end()) continue;  // not on the model's path
        seg.stages.emplace_back(id);
        covered.insert(std::string(id));
        if (it != model_ns.end()) sum += it->second;
      }
    }
    seg.what = join_views(whats, "; ");
    if (model) seg.model_ns = sum;
    r.segments.push_back(std::move(seg));
  }

  std::vector<std::vector<double>> per_segment(r.segments.size());
  std::vector<double> totals, off_cpu;
  std::vector<double> pages;
  for (const ReadTimeline& t : reads) {
    TraceSample s;
    for (size_t i = 0; i + 1 < used.size(); ++i) {
      const double d = *t[used[i + 1]] - *t[used[i]];
      s.segment_ns.push_back(d);
      per_segment[i].push_back(d);
    }
    s.total_ns = *t[used.back()] - *t[used.front()];
    s.pages_added = t.pages_added;
    s.irq = t.irq;
    s.off_cpu_ns = t.off_cpu_ns;
    totals.push_back(s.total_ns);
    pages.push_back(t.pages_added);
    if (t.off_cpu_ns) off_cpu.push_back(*t.off_cpu_ns);
    r.samples.push_back(std::move(s));
  }
  for (size_t i = 0; i < r.segments.size(); ++i)
    r.segments[i].measured_ns = summarize(per_segment[i]).median;
  r.total_ns = summarize(totals).median;
  if (model) {
    double sum = 0;
    for (const TraceSegment& s : r.segments) sum += s.model_ns.value_or(0);
    r.model_total_ns = sum;
    std::vector<std::string> outside;
    for (const JourneyStage& js : model->stages)
      if (!covered.count(js.stage->id))
        outside.push_back(fmt::format("{} {}", js.stage->id, format_ns(js.ns)));
    if (!outside.empty())
      r.notes.push_back("outside the traced window, the model has: " + join_views(outside, ", "));
  }
  if (!off_cpu.empty())
    r.notes.push_back(fmt::format("the task was off the CPU for {} of the read (median)",
                                  format_ns(summarize(off_cpu).median)));
  if (summarize(pages).median > 0)
    r.notes.push_back(
        fmt::format("readahead added {} pages per read (median)", summarize(pages).median));
  return r;
}

std::vector<std::string> trace_stages_missing(const Model& model) {
  std::vector<std::string> missing;
  for (const MarkSpec& spec : mark_specs())
    for (std::string_view id : spec.stages)
      if (!model.find_stage(std::string(id))) missing.emplace_back(id);
  return missing;
}

Result<TraceReport> trace_cold_read(Os& os, const Model& model, const TraceOptions& options) {
  if (auto missing = trace_stages_missing(model); !missing.empty()) {
    return failure(
        fmt::format("the trace's segments name stages the model does not define ({}): "
                    "rename them in measure/trace.cc's mark table too",
                    join_views(missing, ", ")));
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
  std::string scenario = options.scenario;
  if (!options.profile) {
    if (!sets_key(scenario, "cpu")) scenario += ",cpu=" + closest_preset(model, host);
    if (!sets_key(scenario, "device") && model.find_device(host.device))
      scenario += ",device=" + host.device;
  }
  std::optional<Journey> journey;
  if (auto s = parse_scenario(scenario, model); !s) {
    notes.push_back("no model values: " + describe(s.error()));
  } else if (auto j = run_journey(model, *s, options.profile); !j) {
    notes.push_back("no model values: " + describe(j.error()));
  } else {
    journey = std::move(*j);
  }

  auto tracefs = find_tracefs(os);
  if (!tracefs) return tracefs.error();
  MountGuard mount_guard(os, tracefs->path, tracefs->mounted);

  auto available_text = os.read_file(tracefs->path + "/available_events");
  if (!available_text) return no_tracefs(available_text.error().message);
  std::set<std::string, std::less<>> available;
  for (size_t pos = 0; pos < available_text->size();) {
    size_t end = available_text->find('\n', pos);
    if (end == std::string::npos) end = available_text->size();
    available.insert(std::string(trim(std::string_view(*available_text).substr(pos, end - pos))));
    pos = end + 1;
  }

  const int tid = os.thread_id();
  remove_stale_instances(os, tracefs->path, tid, notes);
  const std::string instance_path = tracefs->path + "/instances/sysjourney-" + std::to_string(tid);
  if (auto made = os.make_dir(instance_path); !made)
    return failure("cannot make a tracing instance: " + made.error().message);
  Instance inst(os, instance_path);
  if (auto s = inst.write("tracing_on", "0"); !s) return s.error();

  // The clock: x86-tsc prints raw ticks (the others print microseconds) and user space can read
  // it with rdtsc, so the marks around the call come from the same clock.
  Clock clock;
  std::set<std::string, std::less<>> clocks;
  std::string current_clock;
  if (auto text = inst.read("trace_clock")) {
    std::string_view rest = trim(*text);
    while (!rest.empty()) {
      const size_t space = rest.find(' ');
      std::string_view word = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : trim(rest.substr(space));
      if (word.starts_with('[') && word.ends_with(']')) {
        word = word.substr(1, word.size() - 2);
        current_clock = std::string(word);
      }
      clocks.insert(std::string(word));
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
  if (auto s = inst.write("buffer_size_kb", kBufferKb); !s)
    notes.push_back("buffer size left as it was: " + s.error().message);

  const auto [disk_dev, irq_prefix] = disk_ids(os, host.block_device);
  std::vector<std::string> enabled;
  std::set<std::string> enabled_set;
  for (const EventSpec& spec : event_specs(tid, disk_dev, irq_prefix)) {
    if (!available.count(spec.event)) {
      if (spec.required)
        return failure(spec.event + " is not in " + tracefs->path +
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
    enabled_set.insert(spec.event);
  }
  const bool expect_device =
      enabled_set.count("block:block_rq_issue") && enabled_set.count("block:block_rq_complete");

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
    auto t = trace_one(os, inst, *file, options.file_bytes, clock, tid);
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
  report->clock = clock.name;
  report->resolution_ns = clock.resolution_ns;
  report->scenario = scenario;
  report->profiled = options.profile != nullptr;
  report->events = enabled;
  if (!untraced.empty()) report->untraced_ns = summarize(untraced).median;
  report->notes.insert(report->notes.begin(), notes.begin(), notes.end());
  return report;
}

std::string render_trace(const TraceReport& r, bool color) {
  auto paint = [&](std::string_view code, const std::string& text) {
    return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
  };
  auto ratio = [&](double measured, std::optional<double> model) {
    if (!model || *model <= 0) return std::string("—");
    const double q = measured / *model;
    const std::string text = q >= 10 ? fmt::format("{:.0f}×", q) : fmt::format("{:.1f}×", q);
    return q > 2 || q < 0.5 ? paint("33", text) : text;
  };
  std::string out;
  out += paint("1", fmt::format("One cold pread(fd, buf, 16) through this kernel, median of {} "
                                "traced reads",
                                r.samples.size())) +
         "\n";
  out += fmt::format("  tracefs {}{} · clock {} ({} resolution) · model {}{}\n\n", r.tracefs,
                     r.mounted ? " (mounted for this run, unmounted after)" : "", r.clock,
                     format_ns(r.resolution_ns), r.scenario,
                     r.profiled ? " with the fitted profile" : "");
  std::vector<std::string> names;
  size_t name_w = width("segment");
  for (const TraceSegment& s : r.segments) {
    names.push_back(s.from + " → " + s.to);
    name_w = std::max(name_w, width(names.back()));
  }
  const size_t num_w = 9;
  out += "  " + pad_right("segment", name_w) + "  " + pad_left("measured", num_w) + "  " +
         pad_left("model", num_w) + "  " + pad_left("ratio", 6) + "  model stages\n";
  for (size_t i = 0; i < r.segments.size(); ++i) {
    const TraceSegment& s = r.segments[i];
    std::string stages;
    for (const std::string& id : s.stages) stages += (stages.empty() ? "" : " ") + id;
    out += "  " + pad_right(names[i], name_w) + "  " + pad_left(format_ns(s.measured_ns), num_w) +
           "  " + pad_left(s.model_ns ? format_ns(*s.model_ns) : "—", num_w) + "  " +
           pad_left(ratio(s.measured_ns, s.model_ns), 6) + "  " + stages + "\n";
    out += "    " + paint("2", s.what) + "\n";
  }
  out += "  " + paint("1", pad_right("total", name_w)) + "  " +
         pad_left(format_ns(r.total_ns), num_w) + "  " +
         pad_left(r.model_total_ns ? format_ns(*r.model_total_ns) : "—", num_w) + "  " +
         pad_left(ratio(r.total_ns, r.model_total_ns), 6) + "\n";
  if (r.untraced_ns)
    out += "  " + pad_right("untraced pread", name_w) + "  " +
           pad_left(format_ns(*r.untraced_ns), num_w) + "  " +
           paint("2", "the same cold read with no events on (median)") + "\n";
  out += paint("2",
               "  Each row is a median over the reads, so the rows need not add up to the "
               "total; each enabled tracepoint adds its own cost to the segment it ends.") +
         "\n";
  for (const std::string& n : r.notes) out += "  note: " + n + "\n";
  return out;
}

nlohmann::json trace_json(const TraceReport& r) {
  auto opt = [](std::optional<double> v) {
    return v ? nlohmann::json(tenths(*v)) : nlohmann::json();
  };
  nlohmann::json j;
  j["schema"] = "sysjourney.trace/1";
  j["tracefs"] = r.tracefs;
  j["mounted"] = r.mounted;
  j["clock"] = r.clock;
  j["resolution_ns"] = std::round(r.resolution_ns * 1000) / 1000;
  j["scenario"] = r.scenario;
  j["profiled"] = r.profiled;
  j["events"] = r.events;
  j["segments"] = nlohmann::json::array();
  for (const TraceSegment& s : r.segments) {
    nlohmann::json seg;
    seg["from"] = s.from;
    seg["to"] = s.to;
    seg["what"] = s.what;
    seg["stages"] = s.stages;
    seg["measured_ns"] = tenths(s.measured_ns);
    seg["model_ns"] = opt(s.model_ns);
    seg["ratio"] = s.model_ns && *s.model_ns > 0
                       ? nlohmann::json(std::round(s.measured_ns / *s.model_ns * 100) / 100)
                       : nlohmann::json();
    j["segments"].push_back(seg);
  }
  j["total"] = {{"measured_ns", tenths(r.total_ns)}, {"model_ns", opt(r.model_total_ns)}};
  j["untraced_ns"] = opt(r.untraced_ns);
  j["samples"] = nlohmann::json::array();
  for (const TraceSample& s : r.samples) {
    nlohmann::json seg_ns = nlohmann::json::array();
    for (double d : s.segment_ns) seg_ns.push_back(tenths(d));
    j["samples"].push_back({{"segments_ns", seg_ns},
                            {"total_ns", tenths(s.total_ns)},
                            {"pages_added", s.pages_added},
                            {"irq", s.irq.empty() ? nlohmann::json() : nlohmann::json(s.irq)},
                            {"off_cpu_ns", opt(s.off_cpu_ns)}});
  }
  j["notes"] = r.notes;
  return j;
}

}  // namespace sysjourney::measure
