#include "measure/trace.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <numeric>
#include <regex>
#include <sstream>

#include "core/builtin_model.h"
#include "core/scenario.h"
#include "measure/child_test_util.h"
#include "measure/fake_os.h"
#include "measure/fs_magic.h"
#include "measure/os_linux.h"
#include "measure/probe_dir.h"
#include "measure/trace_testdata.h"

namespace sysjourney::measure {
namespace {

const std::string kTracing = "/sys/kernel/tracing";

const std::string kInstance = kTracing + "/instances/sysjourney-" + std::to_string(kTid);

// --- The whole run against a scripted kernel ---

std::string drop_lines_with(const std::string& text, const std::vector<std::string>& words) {
  std::stringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (std::ranges::any_of(words, [&](const std::string& w) { return line.find(w) != line.npos; }))
      continue;
    out += line + "\n";
  }
  return out;
}

constexpr const char* kAllEvents =
    "irq:irq_handler_entry\nsched:sched_switch\nsched:sched_wakeup\nraw_syscalls:sys_exit\n"
    "raw_syscalls:sys_enter\nfilemap:mm_filemap_add_to_page_cache\nblock:block_bio_queue\n"
    "block:block_rq_issue\nblock:block_rq_complete\n";

// A root Firecracker-like guest: ext4 on virtio-blk vda (254:0), tracefs not mounted. When
// tracing stops, the "kernel" appends the captured read to the buffer, its stamps moved to the
// fake TSC so that the pread starts 100 ticks after tracing did.
void script_machine(FakeOs& os, std::string trace) {
  os.euid = 0;
  os.tid = kTid;
  os.tsc_ghz = kGhz;
  os.evictable = true;
  os.latency_ns["pread_cold"] = {200'000};
  os.fs_magics["/var/tmp"] = kExt4Magic;
  os.fs_magics[kTracing] = kSysfsMagic;
  os.fstype_magics["tracefs"] = kTracefsMagic;
  os.devices["/var/tmp"] = {254, 0};
  os.links["/sys/dev/block/254:0"] = "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda";
  os.files["/sys/block/vda/dev"] = "254:0\n";
  os.links["/sys/block/vda/device"] = "../../../virtio1";
  os.files[kTracing + "/available_events"] = kAllEvents;
  os.files[kTracing + "/trace_clock"] = "[local] global mono x86-tsc\n";
  os.files[kTracing + "/tracing_on"] = "1\n";
  os.files[kInstance + "/trace_clock"] =
      "[local] global counter uptime perf mono mono_raw boot tai x86-tsc\n";
  auto started = std::make_shared<int64_t>(0);
  os.on_write = [&os, trace = std::move(trace), started](const std::string& path,
                                                         const std::string& content) {
    if (path != kInstance + "/tracing_on") return;
    const auto tsc = static_cast<int64_t>(static_cast<double>(os.now_ns) * kGhz);
    if (content == "1") *started = tsc;
    // The buffer keeps every read: the newest is at the end.
    if (content == "0")
      os.files[kInstance + "/trace"] += shift_stamps(trace, *started + 100 - kEnter);
  };
}

std::map<std::string, std::string> outside_instance(const FakeOs& os) {
  std::map<std::string, std::string> out;
  for (const auto& [path, content] : os.files)
    if (path.starts_with(kTracing) && !path.starts_with(kInstance + "/")) out[path] = content;
  return out;
}

void expect_left_as_found(const FakeOs& os, const std::map<std::string, std::string>& before) {
  EXPECT_TRUE(os.mounts.empty());
  EXPECT_FALSE(os.dirs.count(kInstance));
  EXPECT_TRUE(os.watched.empty());
  EXPECT_EQ(os.open_fds(), 0u);
  EXPECT_EQ(outside_instance(os), before);
  for (const auto& [path, content] : os.writes)
    EXPECT_TRUE(path.starts_with(kInstance + "/")) << "wrote " << content << " to " << path;
}

TEST(TraceOnFake, MountsTracesFiveReadsAndLeavesTracefsAsFound) {
  FakeOs os;
  script_machine(os, testdata("trace_cold_read_tsc.txt"));
  const auto before = outside_instance(os);
  auto r = trace_cold_read(os, test_model(), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tracefs, kTracing);
  EXPECT_TRUE(r->mounted);
  EXPECT_EQ(os.calls["mount"], 1);
  EXPECT_EQ(os.fs_magics[kTracing], kSysfsMagic);  // unmounted again
  EXPECT_EQ(r->clock, "x86-tsc");
  EXPECT_NEAR(r->resolution_ns, 1 / kGhz, 1e-9);
  EXPECT_NE(r->scenario.find("device=virtio"), std::string::npos) << r->scenario;
  EXPECT_EQ(r->events.size(), 9u);
  ASSERT_EQ(r->samples.size(), 5u);
  ASSERT_EQ(r->segments.size(), 10u);
  EXPECT_NEAR(r->segments.front().measured_ns, 100 / kGhz, 1);  // call -> sys_enter
  const TraceSegment* device = segment_with(*r, "device_read");
  ASSERT_NE(device, nullptr);
  EXPECT_NEAR(device->measured_ns, ticks_ns(kIrq - kIssue), 1e-3);
  // The pread took 200 µs on the fake clock, from the first mark to the last.
  EXPECT_NEAR(r->total_ns, 200'000, 1);
  ASSERT_TRUE(r->untraced_ns.has_value());
  EXPECT_EQ(*r->untraced_ns, 200'000 + os.clock_cost_ns);  // one clock read inside the window
  expect_left_as_found(os, before);

  auto wrote = [&](const std::string& file, const std::string& content) {
    return std::ranges::find(os.writes, std::pair{kInstance + "/" + file, content}) !=
           os.writes.end();
  };
  EXPECT_TRUE(wrote("trace_clock", "x86-tsc"));
  EXPECT_TRUE(wrote("events/raw_syscalls/sys_enter/filter", "common_pid == 31784 && id == 17"));
  EXPECT_TRUE(wrote("events/block/block_rq_complete/filter", "dev == 266338304"));
  EXPECT_TRUE(wrote("events/irq/irq_handler_entry/filter", "name ~ \"virtio1*\""));
  EXPECT_TRUE(wrote("events/sched/sched_switch/filter", "prev_pid == 31784 || next_pid == 31784"));
  EXPECT_TRUE(wrote("events/block/block_rq_issue/enable", "1"));
  EXPECT_EQ(os.writes.back(), (std::pair{kInstance + "/tracing_on", std::string("0")}));
}

TEST(TraceOnFake, UsesAMountedTracefsAndLeavesItMounted) {
  FakeOs os;
  script_machine(os, testdata("trace_cold_read_tsc.txt"));
  os.fs_magics[kTracing] = kTracefsMagic;
  const auto before = outside_instance(os);
  auto r = trace_cold_read(os, test_model(), {.repetitions = 2});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->mounted);
  EXPECT_EQ(os.calls.count("mount"), 0u);
  EXPECT_EQ(os.calls.count("unmount"), 0u);
  EXPECT_EQ(r->samples.size(), 2u);
  expect_left_as_found(os, before);
}

TEST(TraceOnFake, RemovesOnlyInstancesOfTasksThatAreGone) {
  FakeOs os;
  script_machine(os, testdata("trace_cold_read_tsc.txt"));
  os.fs_magics[kTracing] = kTracefsMagic;
  os.fs_magics["/proc/self"] = kProcMagic;
  os.fs_magics["/proc/555"] = kProcMagic;  // a live run
  const std::string instances = kTracing + "/instances/";
  for (const char* name : {"sysjourney-999", "sysjourney-555", "someone-else", "sysjourney-x"})
    os.dirs.insert(instances + name);
  auto r = trace_cold_read(os, test_model(), {.repetitions = 1});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(os.dirs.count(instances + "sysjourney-999"));
  EXPECT_TRUE(os.dirs.count(instances + "sysjourney-555"));
  EXPECT_TRUE(os.dirs.count(instances + "someone-else"));
  EXPECT_TRUE(os.dirs.count(instances + "sysjourney-x"));
  EXPECT_NE(r->notes.front().find("sysjourney-999, left by a run that was killed"),
            std::string::npos);
}

TEST(TraceStages, ARenamedStageIsNamedAndTheTraceRefused) {
  Model renamed = test_model();
  for (Stage& st : renamed.stages)
    if (st.id == "ext4_map_blocks") st.id = "ext4_map_blocks_v2";
  EXPECT_EQ(trace_stages_missing(renamed), std::vector<std::string>{"ext4_map_blocks"});
  FakeOs os;
  script_machine(os, "");
  auto r = trace_cold_read(os, renamed, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ext4_map_blocks"), std::string::npos) << r.error().message;
  EXPECT_EQ(os.calls.count("mount"), 0u);
}

TEST(TraceOnFake, NotRoot) {
  FakeOs os;
  script_machine(os, "");
  os.euid = 1000;
  auto r = trace_cold_read(os, test_model(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "--trace needs root: run it with sudo");
  EXPECT_EQ(os.calls.count("mount"), 0u);
  EXPECT_TRUE(os.writes.empty());
}

TEST(TraceOnFake, NoTracefsInTheKernel) {
  FakeOs os;
  script_machine(os, "");
  os.fs_magics.erase(kTracing);  // no /sys/kernel/tracing: no CONFIG_TRACING
  auto r = trace_cold_read(os, test_model(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("tracefs is not available: the kernel has no CONFIG_TRACING, "
                                   "or it cannot be mounted here"),
            0u)
      << r.error().message;
  EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos);
  EXPECT_EQ(os.calls.count("mount"), 0u);
}

TEST(TraceOnFake, TracefsCannotBeMounted) {
  FakeOs os;
  script_machine(os, "");
  os.mount_errors[kTracing] = EPERM;
  const auto before = outside_instance(os);
  auto r = trace_cold_read(os, test_model(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("tracefs is not available"), 0u);
  EXPECT_NE(r.error().message.find("Operation not permitted"), std::string::npos)
      << r.error().message;
  expect_left_as_found(os, before);
}

TEST(TraceOnFake, ProbeDirectoryOnTmpfs) {
  FakeOs os;
  script_machine(os, "");
  os.fs_magics["/var/tmp"] = kTmpfsMagic;
  auto r = trace_cold_read(os, test_model(), {.dir = "/var/tmp"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("tmpfs, whose pages cannot be evicted"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(os.calls.count("mount"), 0u);
}

TEST(TraceOnFake, AFailureAfterSetupStillRemovesTheInstanceAndUnmounts) {
  FakeOs os;
  script_machine(os, testdata("trace_cold_read_tsc.txt"));
  os.evictable = false;  // pages stay: nothing is cold
  const auto before = outside_instance(os);
  auto r = trace_cold_read(os, test_model(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("pages stay in the page cache"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(os.dirs.empty());  // the probe directory went too
  expect_left_as_found(os, before);
}

TEST(TraceOnFake, MissingOptionalEventsAreNotedAndTheirSegmentsMerge) {
  FakeOs os;
  // Without the sched and irq events the kernel records no such lines either.
  script_machine(os,
                 drop_lines_with(testdata("trace_cold_read_tsc.txt"), {"sched_", "irq_handler"}));
  os.files[kTracing + "/available_events"] = drop_lines_with(kAllEvents, {"sched:", "irq:"});
  auto r = trace_cold_read(os, test_model(), {.repetitions = 1});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(
      segment_names(*r),
      (std::vector<std::string>{"call>sys_enter", "sys_enter>page_cache_add",
                                "page_cache_add>bio_queue", "bio_queue>rq_issue",
                                "rq_issue>rq_complete", "rq_complete>sys_exit", "sys_exit>ret"}));
  int missing = 0;
  for (const std::string& n : r->notes) missing += n.find("is not available here") != n.npos;
  EXPECT_EQ(missing, 3);
}

TEST(TraceOnFake, SyscallEventsAreRequired) {
  FakeOs os;
  script_machine(os, "");
  os.files[kTracing + "/available_events"] = drop_lines_with(kAllEvents, {"raw_syscalls:"});
  const auto before = outside_instance(os);
  auto r = trace_cold_read(os, test_model(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("raw_syscalls:sys_enter"), std::string::npos);
  expect_left_as_found(os, before);
}

TEST(TraceOnFake, AFilterTheKernelRefusesLeavesTheEventUnfiltered) {
  FakeOs os;
  script_machine(os, testdata("trace_cold_read_tsc.txt"));
  os.errors[kInstance + "/events/block/block_rq_issue/filter"] = EINVAL;
  auto r = trace_cold_read(os, test_model(), {.repetitions = 1});
  ASSERT_TRUE(r.ok()) << r.error().message;
  bool noted = false;
  for (const std::string& n : r->notes)
    noted |= n.starts_with("block:block_rq_issue traced unfiltered");
  EXPECT_TRUE(noted);
  EXPECT_NE(segment_with(*r, "device_read"), nullptr);
}

// --- LinuxOs: the calls the trace added ---

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(LinuxOsTrace, WriteFileReplacesAnExistingFileOnly) {
  LinuxOs os;
  auto dir = ProbeDir::create(os, choose_probe_parent(os, ""));
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  auto file = dir->add_file("f", 100);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(os.write_file(*file, "1\n").ok());
  EXPECT_EQ(*os.read_file(*file), "1\n");
  ASSERT_TRUE(os.write_file(*file, "").ok());
  EXPECT_EQ(*os.read_file(*file), "");
  auto missing = os.write_file(dir->path() + "/missing", "1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(errno_of(missing.error()), ENOENT);
  EXPECT_FALSE(exists(dir->path() + "/missing"));
}

// A child makes a watched directory inside a watched directory (and, as root, a mount), then
// takes SIGTERM: all of it must be gone, inner directory first, mount undone.
TEST(LinuxOsTrace, ASignalRemovesNestedDirectoriesAndUndoesMounts) {
  LinuxOs os;
  const bool root = os.effective_uid() == 0;
  std::string mount_point = choose_probe_parent(os, "") + "/sysjourney-mnt-XXXXXX";
  if (root) {
    ASSERT_NE(::mkdtemp(mount_point.data()), nullptr);
  }
  const ReportingChild child = fork_reporting([&](int report) {
    auto dir = os.make_private_dir(choose_probe_parent(os, ""));
    if (!dir || !os.make_dir(*dir + "/inner")) ::_exit(2);
    if (root && !os.mount("none", mount_point, "tmpfs")) ::_exit(3);
    report_and_pause(report, *dir);
  });
  const pid_t pid = child.pid;
  ASSERT_GT(pid, 0);
  const std::string& dir = child.line;
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(exists(dir + "/inner"));
  if (root) {
    EXPECT_EQ(*os.fs_magic(mount_point), kTmpfsMagic);
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
  EXPECT_FALSE(exists(dir + "/inner"));
  EXPECT_FALSE(exists(dir));
  if (root) {
    EXPECT_NE(*os.fs_magic(mount_point), kTmpfsMagic);
    EXPECT_EQ(::rmdir(mount_point.c_str()), 0);
  }
}

// --- The real machine ---

// In the RealProbes suite so that it runs alone under ctest, like the other real timings.
TEST(RealProbes, TraceColdRead) {
  LinuxOs os;
  if (os.effective_uid() != 0)
    GTEST_SKIP() << "--trace needs root; running as uid " << os.effective_uid();
  const auto magic_before = os.fs_magic(kTracing);
  auto r = trace_cold_read(os, test_model(), {.repetitions = 3});
  if (!r && r.error().message.starts_with("tracefs is not available"))
    GTEST_SKIP() << r.error().message;
  if (!r && r.error().message.find("cannot be evicted") != std::string::npos)
    GTEST_SKIP() << r.error().message;
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string seen;  // what the trace found, for a failure's message
  for (const TraceSegment& s : r->segments)
    seen += s.from + ">" + s.to + " " + std::to_string(s.measured_ns) + " ns; ";
  for (const std::string& n : r->notes) seen += "note: " + n + "; ";
  SCOPED_TRACE(seen);

  // tracefs as it was found: mounted or not, and without our instance.
  const auto magic_after = os.fs_magic(kTracing);
  ASSERT_EQ(magic_before.ok(), magic_after.ok());
  if (magic_before.ok()) {
    EXPECT_EQ(*magic_before, *magic_after);
  }
  EXPECT_EQ(r->mounted, !magic_before.ok() || *magic_before != kTracefsMagic);
  if (!r->mounted) {
    EXPECT_FALSE(exists(r->tracefs + "/instances/sysjourney-" + std::to_string(os.thread_id())));
  }

  ASSERT_EQ(r->samples.size(), 3u);
  const TraceSegment* device = segment_with(*r, "device_read");
  ASSERT_NE(device, nullptr);
  EXPECT_GT(device->measured_ns, 0);
  ASSERT_GE(r->segments.size(), 3u);  // at least entry -> issue -> complete -> exit
  const auto at = [&](const std::string& from) {
    for (size_t i = 0; i < r->segments.size(); ++i)
      if (r->segments[i].from == from) return i;
    return r->segments.size();
  };
  const size_t enter = at("sys_enter");
  ASSERT_LT(enter, r->segments.size());
  for (const TraceSample& s : r->samples) {
    ASSERT_EQ(s.segment_ns.size(), r->segments.size());
    double sum = 0, kernel = 0;
    for (size_t i = 0; i < s.segment_ns.size(); ++i) {
      EXPECT_GE(s.segment_ns[i], 0) << r->segments[i].from << " -> " << r->segments[i].to;
      sum += s.segment_ns[i];
      if (i >= enter && r->segments[i].from != "sys_exit") kernel += s.segment_ns[i];
    }
    EXPECT_NEAR(sum, s.total_ns, 1e-6 * s.total_ns);
    EXPECT_GT(kernel, 0);
    EXPECT_LE(kernel, s.total_ns);
    // Device time is a part of the syscall, and a cold read waits for it.
    EXPECT_GT(s.segment_ns[static_cast<size_t>(device - r->segments.data())], 0);
  }
  EXPECT_GT(r->total_ns, device->measured_ns);
}

}  // namespace
}  // namespace sysjourney::measure
