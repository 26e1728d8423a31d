#include "measure/path_run.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/builtin_model.h"
#include "core/scenario.h"
#include "measure/fake_os.h"
#include "measure/fs_magic.h"
#include "measure/os_linux.h"
#include "measure/testdata.h"

namespace sysjourney::measure {
namespace {

const std::string kTracing = "/sys/kernel/tracing";
constexpr int kTid = 4242;  // the task of the testdata traces
const std::string kInstance = kTracing + "/instances/sysjourney-path-4242";

Scenario scenario(const std::string& text) {
  Scenario s = path_default_scenario();
  auto ok = apply_scenario_text(s, text, test_model());
  EXPECT_TRUE(ok) << describe(ok.error());
  return s;
}

// A root guest with tracefs mounted. When the end marker is written, the "kernel" fills the
// instance's trace with `trace` and records whether the scenario's call ran between the markers.
struct Machine {
  FakeOs os;
  int calls_at_begin = -1;
  int calls_between = -1;
  bool watched_while_tracing = false;
  bool busy_after_trace = false;  // rmdir of the instance fails once the trace is taken

  explicit Machine(std::string trace, const std::string& counted_call = "pread") {
    os.euid = 0;
    os.tid = kTid;
    os.fs_magics["/var/tmp"] = kExt4Magic;
    os.affinity = {0, 1};
    os.fs_magics[kTracing] = kTracefsMagic;
    os.files[kTracing + "/available_tracers"] = "function nop blk\n";
    std::string events;
    for (const std::string& e : path_events()) events += e + "\n";
    os.files[kTracing + "/available_events"] = events;
    os.files[kTracing + "/tracing_on"] = "1\n";
    os.on_write = [this, trace = std::move(trace), counted_call](const std::string& path,
                                                                 const std::string& content) {
      if (path != kInstance + "/trace_marker") return;
      if (content.starts_with("sysjourney-path-begin-")) {
        calls_at_begin = os.calls[counted_call];
        watched_while_tracing =
            std::find(os.watched.begin(), os.watched.end(), kInstance) != os.watched.end();
      } else {
        calls_between = os.calls[counted_call] - calls_at_begin;
        os.files[kInstance + "/trace"] = trace;
        if (busy_after_trace) os.errors[kInstance] = EBUSY;
      }
    };
  }

  bool wrote(const std::string& file, const std::string& content) const {
    return std::find(os.writes.begin(), os.writes.end(),
                     std::pair{kInstance + "/" + file, content}) != os.writes.end();
  }

  std::map<std::string, std::string> outside_instance() const {
    std::map<std::string, std::string> out;
    for (const auto& [path, content] : os.files)
      if (path.starts_with(kTracing) && !path.starts_with(kInstance + "/")) out[path] = content;
    return out;
  }

  void expect_left_as_found(const std::map<std::string, std::string>& before) const {
    EXPECT_TRUE(os.mounts.empty());
    EXPECT_FALSE(os.dirs.count(kInstance));
    EXPECT_TRUE(os.watched.empty());
    EXPECT_EQ(os.open_fds(), 0u);
    EXPECT_EQ(os.affinity, std::vector<int>({0, 1}));  // as it was
    EXPECT_EQ(outside_instance(), before);
    for (const auto& [path, content] : os.writes)
      EXPECT_TRUE(path.starts_with(kInstance + "/")) << "wrote " << content << " to " << path;
  }
};

const PathFunction* function(const PathMapping& m, const std::string& name) {
  for (const PathFunction& f : m.functions)
    if (f.name == name) return &f;
  return nullptr;
}

TEST(PathOnFake, TracesOneCachedPreadWithTheFunctionTracer) {
  Machine m(testdata("ftrace_pread_cached_6.18_perf.txt"));
  const auto before = m.outside_instance();
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->mapping.tracer, "function");
  EXPECT_TRUE(r->missing.empty());
  EXPECT_EQ(r->syscall, "pread64");
  EXPECT_EQ(r->path_id, "file_hit");
  EXPECT_EQ(r->syscalls, (std::vector<std::string>{"close", "pread64", "openat", "write"}));
  ASSERT_NE(function(r->mapping, "vfs_read"), nullptr);
  EXPECT_EQ(function(r->mapping, "vfs_read")->stage, "vfs_read_checks");
  EXPECT_EQ(function(r->mapping, "filemap_read")->stage, "ext4_file_read_iter");
  EXPECT_EQ(r->mapping.calls, 27);
  // The call ran once between the markers, after warm-up calls, with tracing on around it only.
  EXPECT_EQ(m.calls_between, 1);
  EXPECT_EQ(m.calls_at_begin, 3);
  EXPECT_TRUE(m.watched_while_tracing);  // removed on SIGINT/SIGTERM while it exists
  EXPECT_TRUE(m.wrote("set_ftrace_pid", "4242"));
  EXPECT_TRUE(m.wrote("current_tracer", "function"));
  EXPECT_TRUE(m.wrote("tracing_cpumask", "1"));
  ASSERT_EQ(m.os.affinity_log.size(), 2u);
  EXPECT_EQ(m.os.affinity_log[0], std::vector<int>({0}));
  EXPECT_EQ(m.os.writes.back(), (std::pair{kInstance + "/tracing_on", std::string("0")}));
  m.expect_left_as_found(before);
}

TEST(PathOnFake, MountsTracefsWhenItIsNotMountedAndUnmountsAfter) {
  Machine m(testdata("ftrace_pread_cached_6.18_perf.txt"));
  m.os.fs_magics[kTracing] = kSysfsMagic;
  m.os.fstype_magics["tracefs"] = kTracefsMagic;
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_TRUE(r->mounted);
  EXPECT_EQ(m.os.calls["mount"], 1);
  EXPECT_EQ(m.os.calls["unmount"], 1);
  EXPECT_EQ(m.os.fs_magics[kTracing], kSysfsMagic);
  EXPECT_TRUE(m.os.mounts.empty());
}

TEST(PathOnFake, GetppidNeedsNoFile) {
  Machine m(testdata("ftrace_getppid_6.18_perf.txt"), "getppid");
  auto r = trace_path(m.os, test_model(), scenario("op=getppid"), {});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->syscall, "getppid");
  EXPECT_EQ(m.calls_between, 1);
  EXPECT_EQ(function(r->mapping, "__x64_sys_getppid")->stage, "getppid_body");
  EXPECT_FALSE(m.os.dirs.count(kInstance));
}

TEST(PathOnFake, ARefusedFunctionTracerFallsBackToTracepoints) {
  const std::string trace =
      "  sysjourney-4242 [000] ..... 1.000001: tracing_mark_write: sysjourney-path-begin-4242\n"
      "  sysjourney-4242 [000] ..... 1.000002: sys_enter: NR 3 (5, 0, 0, 0, 0, 0)\n"
      "  sysjourney-4242 [000] ..... 1.000003: sys_exit: NR 3 = 0\n"
      "  sysjourney-4242 [000] ..... 1.000004: sys_enter: NR 17 (3, 7ffd, 10, 0, 0, 0)\n"
      "  sysjourney-4242 [000] ..... 1.000005: mm_filemap_get_pages: dev 254:0 ino 1 ofs=0 "
      "max_ofs=0\n"
      "  sysjourney-4242 [000] ..... 1.000006: sys_exit: NR 17 = 16\n"
      "  sysjourney-4242 [000] ..... 1.000007: sys_enter: NR 257 (ffffff9c, 1, 241, 0, 0, 0)\n"
      "  sysjourney-4242 [000] ..... 1.000008: tracing_mark_write: sysjourney-path-end-4242\n";
  Machine m(trace);
  m.os.errors[kInstance + "/current_tracer"] = EPERM;  // as on the Firecracker guest
  m.os.errors[kInstance + "/set_ftrace_pid"] = EPERM;
  const auto before = m.outside_instance();
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->mapping.tracer, "tracepoints");
  ASSERT_FALSE(r->missing.empty());
  EXPECT_NE(r->missing[0].find("cannot be selected"), std::string::npos) << r->missing[0];
  EXPECT_TRUE(m.wrote("set_event_pid", "4242"));
  EXPECT_TRUE(m.wrote("events/filemap/mm_filemap_get_pages/enable", "1"));
  EXPECT_EQ(r->syscalls, (std::vector<std::string>{"close", "pread64", "openat"}));
  const PathStage* lookup = nullptr;
  for (const PathStage& s : r->mapping.stages)
    if (s.id == "page_cache_lookup") lookup = &s;
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->seen, (std::vector<std::string>{"filemap_get_pages"}));
  m.expect_left_as_found(before);
}

TEST(PathOnFake, NoFunctionTracerInTheKernel) {
  Machine m("");
  m.os.files[kTracing + "/available_tracers"] = "blk nop\n";
  m.os.files[kTracing + "/available_events"] = "";  // and no tracepoints either
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("neither the function tracer nor any of its tracepoints"),
            std::string::npos)
      << r.error().message;
  EXPECT_FALSE(m.os.dirs.count(kInstance));
  EXPECT_TRUE(m.os.watched.empty());
  EXPECT_EQ(m.os.open_fds(), 0u);
}

TEST(PathOnFake, NotRoot) {
  Machine m("");
  m.os.euid = 1000;
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "--path needs root (tracefs): run it with sudo");
  EXPECT_TRUE(m.os.writes.empty());
}

TEST(PathOnFake, ATraceWithoutTheEndMarkerIsAnErrorAndTheInstanceGoes) {
  std::string trace = testdata("ftrace_pread_cached_6.18_perf.txt");
  trace.erase(trace.find("sysjourney-path-end-4242"));
  Machine m(trace);
  const auto before = m.outside_instance();
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no end marker"), std::string::npos) << r.error().message;
  m.expect_left_as_found(before);
}

TEST(PathOnFake, AFailedCallRemovesTheInstance) {
  Machine m("");
  const auto before = m.outside_instance();
  // FakeOs has no channels: the pipe cannot be made after the instance exists.
  auto r = trace_path(m.os, test_model(), scenario("fd=pipe,api=read"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(errno_of(r.error()), ENOSYS);
  m.expect_left_as_found(before);
}

TEST(PathOnFake, AnInstanceThatCannotBeRemovedIsSwitchedOff) {
  Machine m(testdata("ftrace_pread_cached_6.18_perf.txt"));
  m.busy_after_trace = true;
  auto r = trace_path(m.os, test_model(), path_default_scenario(), {});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_TRUE(std::any_of(r->notes.begin(), r->notes.end(), [](const std::string& n) {
    return n.find("could not be removed") != std::string::npos;
  }));
  EXPECT_TRUE(m.wrote("current_tracer", "nop"));
}

TEST(PathOnFake, ColdReadsNeedADisk) {
  Machine m("");
  m.os.fs_magics["/var/tmp"] = kTmpfsMagic;
  m.os.fs_magics["/tmp"] = kTmpfsMagic;
  auto r = trace_path(m.os, test_model(), scenario("cache=miss"), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("in memory"), std::string::npos) << r.error().message;
  EXPECT_TRUE(m.os.writes.empty());
}

TEST(PathScenario, WhatCanBeTraced) {
  EXPECT_TRUE(check_path_scenario(test_model(), path_default_scenario()));
  for (const char* ok : {"api=read", "cache=miss", "api=io_uring", "api=io_uring,batch=8",
                         "fd=pipe,api=read", "fd=unix,api=read", "fd=tcp,api=read", "op=getppid",
                         "op=write", "op=fsync", "op=fdatasync"})
    EXPECT_TRUE(check_path_scenario(test_model(), scenario(ok))) << ok;
  for (const char* bad : {"op=write,cache=miss", "op=write,sync=dsync", "op=fsync,fd=pipe",
                          "op=clock_gettime", "direct", "fd=pipe,api=read,wait", "tracer=strace",
                          "bytes=4096", "api=io_uring,batch=128", "api=sendfile"}) {
    Scenario s = path_default_scenario();
    if (!apply_scenario_text(s, bad, test_model())) continue;  // the model refuses it already
    auto r = check_path_scenario(test_model(), s);
    EXPECT_FALSE(r) << bad;
  }
  Scenario pipe = path_default_scenario();
  pipe.fd = "pipe";  // the default api=pread becomes read: a pipe has no offset
  EXPECT_TRUE(check_path_scenario(test_model(), pipe));
  pipe.api = "io_uring";
  EXPECT_FALSE(check_path_scenario(test_model(), pipe));
}

// --- The real machine ----------------------------------------------------------------------------

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// In the RealProbes suite so that it runs alone under ctest.
TEST(RealProbes, PathOfACachedPread) {
  LinuxOs os;
  if (os.effective_uid() != 0)
    GTEST_SKIP() << "--path needs root; running as uid " << os.effective_uid();
  const auto magic_before = os.fs_magic(kTracing);
  auto r = trace_path(os, test_model(), path_default_scenario(), {});
  if (!r && r.error().message.starts_with("tracefs is not available"))
    GTEST_SKIP() << r.error().message;
  ASSERT_TRUE(r) << describe(r.error());
  const auto magic_after = os.fs_magic(kTracing);
  ASSERT_EQ(magic_before.ok(), magic_after.ok());
  if (!r->mounted) {
    EXPECT_FALSE(
        exists(r->tracefs + "/instances/sysjourney-path-" + std::to_string(os.thread_id())));
  }
  EXPECT_FALSE(r->syscalls.empty());
  EXPECT_TRUE(std::find(r->syscalls.begin(), r->syscalls.end(), "pread64") != r->syscalls.end());
  const PathStage* lookup = nullptr;
  for (const PathStage& s : r->mapping.stages)
    if (s.id == "page_cache_lookup") lookup = &s;
  ASSERT_NE(lookup, nullptr);
  if (r->mapping.tracer == "function") {
    ASSERT_NE(function(r->mapping, "vfs_read"), nullptr);
    EXPECT_EQ(function(r->mapping, "vfs_read")->stage, "vfs_read_checks");
    EXPECT_EQ(function(r->mapping, "filemap_read")->stage, "ext4_file_read_iter");
  } else {
    EXPECT_FALSE(r->missing.empty());
    EXPECT_TRUE(std::find(lookup->seen.begin(), lookup->seen.end(), "filemap_get_pages") !=
                lookup->seen.end());
  }
}

}  // namespace
}  // namespace sysjourney::measure
