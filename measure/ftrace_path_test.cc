#include "measure/ftrace_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <sstream>

#include "core/builtin_model.h"
#include "core/journey.h"
#include "core/scenario.h"
#include "measure/testdata.h"

namespace sysjourney::measure {
namespace {

// The test traces' task and markers (testdata/ftrace_*: see each file's header).
constexpr int kPid = 4242;
const std::string kBegin = "sysjourney-path-begin-4242";
const std::string kEnd = "sysjourney-path-end-4242";

std::vector<std::string> path_of(const std::string& scenario_text) {
  auto s = parse_scenario(scenario_text, test_model());
  EXPECT_TRUE(s) << describe(s.error());
  if (!s) return {};
  auto j = run_journey(test_model(), *s);
  EXPECT_TRUE(j) << describe(j.error());
  if (!j) return {};
  std::vector<std::string> ids;
  for (const JourneyStage& st : j->stages) ids.push_back(st.stage->id);
  return ids;
}

// Parses trace text that must have no malformed lines.
FtraceParse parse_clean(const std::string& text) {
  FtraceParse p = parse_ftrace(text);
  EXPECT_EQ(p.malformed, 0) << p.first_malformed;
  return p;
}

PathMapping mapping_of(const std::string& file, const std::string& syscall,
                       const std::string& scenario) {
  const FtraceParse parsed = parse_clean(testdata(file));
  auto w = call_window(parsed.lines, kPid, kBegin, kEnd, syscall);
  EXPECT_TRUE(w) << describe(w.error());
  if (!w) return {};
  return map_functions(w->lines, test_model(), path_of(scenario));
}

// The first item whose `key` is `value`, or nullptr.
template <class T>
const T* find_by(const std::vector<T>& items, std::string T::*key, const std::string& value) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.*key == value; });
  return it == items.end() ? nullptr : &*it;
}

const PathFunction* function(const PathMapping& m, const std::string& name) {
  return find_by(m.functions, &PathFunction::name, name);
}

const PathStage* stage(const PathMapping& m, const std::string& id) {
  return find_by(m.stages, &PathStage::id, id);
}

std::optional<std::string> stage_of(const PathMapping& m, const std::string& name) {
  const PathFunction* f = function(m, name);
  EXPECT_NE(f, nullptr) << name << " is not in the trace";
  return f ? f->stage : std::nullopt;
}

// Each function's stage (std::nullopt: no stage names it).
void expect_stages_of(
    const PathMapping& m,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& stages) {
  for (const auto& [name, expected] : stages) EXPECT_EQ(stage_of(m, name), expected) << name;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Every entry is counted once: for a stage, in interrupts, or before any stage.
void expect_counts_add_up(const PathMapping& m) {
  int staged = 0;
  for (const PathStage& s : m.stages) {
    EXPECT_EQ(s.calls, s.named_calls + s.unnamed_calls) << s.id;
    staged += s.calls;
  }
  EXPECT_EQ(staged + m.irq_calls + m.unattributed_calls, m.calls);
  int by_function = 0;
  for (const PathFunction& f : m.functions) by_function += f.calls;
  EXPECT_EQ(by_function, m.calls);
}

// --- Parsing --------------------------------------------------------------------------------

TEST(ParseFtrace, FunctionMarkerAndEventLines) {
  const auto p = parse_clean(
      "# tracer: function\n"
      "#\n"
      "      sysjourney-4242    [001] ..... 5123.000102: ksys_read <-do_syscall_64\n"
      "  kworker/u8:2-81      [000] d.h1.   12.5: vring_interrupt <-__handle_irq_event_percpu\n"
      "      sysjourney-4242    [001] ..... 5123.000113: tracing_mark_write: "
      "sysjourney-path-begin-4242\n"
      "          <idle>-0       [000] d..2.  99.000001: sched_switch: prev_comm=swapper/0 "
      "prev_pid=0\n"
      "   bash-77   (     77) [003] .... 1.000000: vfs_read <-ksys_read\n"
      "           cat-312456  [002]  3456.789012: vfs_read <-ksys_read\n");
  ASSERT_EQ(p.lines.size(), 6u);
  const FtraceLine& f = p.lines[0];
  EXPECT_EQ(f.kind, FtraceLine::Kind::function);
  EXPECT_EQ(f.task, "sysjourney");
  EXPECT_EQ(f.pid, 4242);
  EXPECT_EQ(f.cpu, 1);
  EXPECT_EQ(f.flags, ".....");
  EXPECT_DOUBLE_EQ(f.ts, 5123.000102);
  EXPECT_EQ(f.name, "ksys_read");
  EXPECT_EQ(f.parent, "do_syscall_64");
  EXPECT_FALSE(f.irq);

  EXPECT_EQ(p.lines[1].task, "kworker/u8:2");
  EXPECT_EQ(p.lines[1].pid, 81);
  EXPECT_TRUE(p.lines[1].irq);  // 'h' in the hardirq/softirq column

  EXPECT_EQ(p.lines[2].kind, FtraceLine::Kind::marker);
  EXPECT_EQ(p.lines[2].text, "sysjourney-path-begin-4242");

  EXPECT_EQ(p.lines[3].kind, FtraceLine::Kind::event);
  EXPECT_EQ(p.lines[3].task, "<idle>");
  EXPECT_EQ(p.lines[3].name, "sched_switch");
  EXPECT_EQ(p.lines[3].text, "prev_comm=swapper/0 prev_pid=0");

  EXPECT_EQ(p.lines[4].pid, 77);  // record-tgid adds "(tgid)"
  EXPECT_EQ(p.lines[4].cpu, 3);
  EXPECT_EQ(p.lines[5].flags, "");  // irq-info off
  EXPECT_EQ(p.lines[5].name, "vfs_read");
}

TEST(ParseFtrace, MalformedLinesAreCountedNotKept) {
  const auto p = parse_ftrace(
      "garbage without fields\n"
      "      sysjourney-4242    [001] ..... 5123.000102: ksys_read <-do_syscall_64\n"
      "      sysjourney-4242    [001] ..... notatime: vfs_read <-ksys_read\n"
      "      sysjourney-x    [001] ..... 1.0: vfs_read <-ksys_read\n"
      "      sysjourney-4242    [001] ..... 1.0: vfs read <-ksys_read\n"
      "      sysjourney-4242    [001] ..... 1.0: \n"
      "      sysjourney-4242    [0x1] ..... 1.0: vfs_read <-ksys_read\n"
      "##### CPU 1 buffer started ####\n"
      "CPU:1 [LOST 312 EVENTS]\n"
      "\n");
  EXPECT_EQ(p.lines.size(), 1u);
  EXPECT_EQ(p.malformed, 6);
  EXPECT_EQ(p.first_malformed, "garbage without fields");
  EXPECT_TRUE(p.lost_events);
}

TEST(ParseFtrace, EveryCapturedTraceParses) {
  for (const char* name :
       {"ftrace_pread_cached_6.18_perf.txt", "ftrace_getppid_6.18_perf.txt",
        "ftrace_pipe_6.18_perf.txt", "ftrace_unix_6.18_perf.txt", "ftrace_tcp_6.18_perf.txt",
        "ftrace_io_uring_6.18_perf.txt", "ftrace_pread_cold_6.18_perf.txt",
        "ftrace_pread_cached_5.10_synthetic.txt"}) {
    SCOPED_TRACE(name);
    const auto p = parse_clean(testdata(name));
    EXPECT_FALSE(p.lost_events) << name;
    EXPECT_GT(p.lines.size(), 60u) << name;
  }
}

TEST(DispatchSyscall, NamesTheSyscallOnlyAtTheEntry) {
  EXPECT_EQ(dispatch_syscall("x64_sys_call", "do_syscall_64"), "");
  EXPECT_EQ(dispatch_syscall("__x64_sys_pread64", "do_syscall_64"), "pread64");
  EXPECT_EQ(dispatch_syscall("ksys_read", "do_syscall_64"), "read");  // 6.18: tail-called
  EXPECT_EQ(dispatch_syscall("__do_sys_io_uring_enter", "do_syscall_64"), "io_uring_enter");
  EXPECT_EQ(dispatch_syscall("__x64_sys_getppid", "x64_sys_call"), "getppid");
  EXPECT_EQ(dispatch_syscall("ksys_pread64", "__x64_sys_pread64"), std::nullopt);  // 5.x: inside
  EXPECT_EQ(dispatch_syscall("exit_to_user_mode_loop", "do_syscall_64"), std::nullopt);
  EXPECT_EQ(dispatch_syscall("vfs_read", "ksys_read"), std::nullopt);
}

// --- The call between the markers ------------------------------------------------------------

TEST(CallWindow, KeepsOnlyTheCallBetweenTheMarkers) {
  const auto p = parse_ftrace(testdata("ftrace_pread_cached_6.18_perf.txt"));
  auto w = call_window(p.lines, kPid, kBegin, kEnd, "pread64");
  ASSERT_TRUE(w) << describe(w.error());
  EXPECT_TRUE(w->delimited);
  // The begin marker's close(), the call, the end marker's open() and write().
  EXPECT_EQ(w->syscalls, (std::vector<std::string>{"close", "pread64", "openat", "write"}));
  ASSERT_FALSE(w->lines.empty());
  EXPECT_EQ(w->lines.front().name, "x64_sys_call");
  EXPECT_EQ(w->lines[1].name, "__x64_sys_pread64");
  for (const FtraceLine& l : w->lines) {
    EXPECT_NE(l.parent, "__x64_sys_close");
    EXPECT_NE(l.name, "do_sys_openat2");
    EXPECT_NE(l.name, "vfs_write");
  }
  // Every syscall kept: the whole window after the first dispatch.
  auto all = call_window(p.lines, kPid, kBegin, kEnd, "");
  ASSERT_TRUE(all);
  EXPECT_GT(all->lines.size(), w->lines.size());
}

TEST(CallWindow, ErrorsSayWhatIsMissing) {
  const auto p = parse_ftrace(testdata("ftrace_getppid_6.18_perf.txt"));
  auto other_task = call_window(p.lines, 4243, kBegin, kEnd, "getppid");
  ASSERT_FALSE(other_task);
  EXPECT_NE(other_task.error().message.find("no begin marker"), std::string::npos);

  std::vector<FtraceLine> cut;
  for (const FtraceLine& l : p.lines)
    if (l.text != kEnd) cut.push_back(l);
  auto no_end = call_window(cut, kPid, kBegin, kEnd, "getppid");
  ASSERT_FALSE(no_end);
  EXPECT_NE(no_end.error().message.find("no end marker"), std::string::npos);

  auto wrong = call_window(p.lines, kPid, kBegin, kEnd, "pread64");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find(
                "no pread64 call between the markers (saw: close, getppid, openat, write)"),
            std::string::npos)
      << wrong.error().message;
}

TEST(CallWindow, WithoutDispatchFunctionsTheWholeWindowIsKept) {
  const auto p = parse_ftrace(
      "  t-9 [000] ..... 1.000001: tracing_mark_write: b\n"
      "  t-9 [000] ..... 1.000002: vfs_read <-ksys_read\n"
      "  t-8 [000] ..... 1.000003: vfs_write <-ksys_write\n"
      "  t-9 [000] ..... 1.000004: filemap_read <-vfs_read\n"
      "  t-9 [000] ..... 1.000005: tracing_mark_write: e\n");
  auto w = call_window(p.lines, 9, "b", "e", "read");
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->delimited);
  ASSERT_EQ(w->lines.size(), 2u);  // task 8's line is not ours
  EXPECT_EQ(w->lines[1].name, "filemap_read");
}

// --- Mapping on the traces of Linux 6.18 ------------------------------------------------------

TEST(MapFunctions, CachedPread) {
  const PathMapping m =
      mapping_of("ftrace_pread_cached_6.18_perf.txt", "pread64", "api=pread,cache=hit");
  EXPECT_EQ(m.tracer, "function");
  expect_stages_of(m, {{"vfs_read", "vfs_read_checks"},
                       {"filemap_read", "ext4_file_read_iter"},
                       {"filemap_get_read_batch", "page_cache_lookup"},
                       {"x64_sys_call", "dispatch_pread"},
                       {"touch_atime", "touch_atime"},
                       // pread takes fdget, not fdget_pos; both are the model's.
                       {"fdget", "fd_lookup"},
                       {"_copy_to_iter", "copy_to_user"}});
  const PathStage* copy = stage(m, "copy_to_user");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->seen, (std::vector<std::string>{"copy_page_to_iter", "_copy_to_iter"}));
  EXPECT_TRUE(copy->unnamed.empty());
  EXPECT_EQ(copy->calls, 2);
  // The model's names this kernel never called.
  const PathStage* fd = stage(m, "fd_lookup");
  ASSERT_NE(fd, nullptr);
  EXPECT_EQ(fd->seen, (std::vector<std::string>{"fdget"}));
  EXPECT_TRUE(has(fd->not_seen, "fdget_pos"));
  // Names the model does not have: null, and counted for the stage the call was in.
  const PathFunction* lsm = function(m, "bpf_lsm_file_permission");
  ASSERT_NE(lsm, nullptr);
  EXPECT_EQ(lsm->stage, std::nullopt);
  ASSERT_EQ(lsm->near.size(), 1u);
  EXPECT_EQ(lsm->near[0].first, "vfs_read_checks");
  const PathStage* iter = stage(m, "read_iter_call");
  ASSERT_NE(iter, nullptr);
  EXPECT_TRUE(has(iter->not_seen, "new_sync_read"));
  EXPECT_EQ(iter->calls, 0);
  // Functions in order of first call.
  ASSERT_GE(m.functions.size(), 3u);
  EXPECT_EQ(m.functions[0].name, "x64_sys_call");
  EXPECT_EQ(m.functions[1].name, "__x64_sys_pread64");
  EXPECT_EQ(m.calls, 27);
  EXPECT_EQ(function(m, "__rcu_read_lock")->calls, 2);
  EXPECT_EQ(m.irq_calls, 0);
  EXPECT_EQ(m.unattributed_calls, 0);
  expect_counts_add_up(m);
  const PathStage* lookup = stage(m, "page_cache_lookup");
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->calls, 8);  // filemap_get_pages .. __rcu_read_unlock
}

TEST(MapFunctions, Getppid) {
  const PathMapping m = mapping_of("ftrace_getppid_6.18_perf.txt", "getppid", "op=getppid");
  EXPECT_EQ(stage_of(m, "__x64_sys_getppid"), "getppid_body");
  const PathStage* body = stage(m, "getppid_body");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->calls, 6);
  EXPECT_TRUE(has(body->unnamed, "__task_pid_nr_ns"));
  EXPECT_TRUE(has(body->not_seen, "task_tgid_vnr"));
  EXPECT_EQ(m.calls, 7);
  expect_counts_add_up(m);
}

TEST(MapFunctions, PipeRead) {
  const PathMapping m = mapping_of("ftrace_pipe_6.18_perf.txt", "read", "fd=pipe");
  expect_stages_of(m, {{"ksys_read", "dispatch"},
                       {"fdget_pos", "fd_lookup"},
                       {"vfs_read", "vfs_read_checks"},
                       // 6.18 calls it anon_pipe_read (6.16 split it out): the model names both, so
                       // the older pipe_read is not seen here.
                       {"anon_pipe_read", "pipe_read"}});
  const PathStage* pipe = stage(m, "pipe_read");
  ASSERT_NE(pipe, nullptr);
  EXPECT_TRUE(has(pipe->not_seen, "pipe_read"));
  // copy_page_to_iter is named by pipe_read and copy_to_user: the first at or after the current.
  EXPECT_EQ(stage_of(m, "copy_page_to_iter"), "pipe_read");
  EXPECT_TRUE(has(pipe->seen, "copy_page_to_iter"));
  expect_counts_add_up(m);
}

TEST(MapFunctions, UnixAndTcpReads) {
  const PathMapping u = mapping_of("ftrace_unix_6.18_perf.txt", "read", "fd=unix");
  expect_stages_of(u, {{"unix_stream_read_generic", "unix_stream_read"},
                       {"sock_read_iter", "unix_stream_read"}});
  expect_counts_add_up(u);

  const PathMapping t = mapping_of("ftrace_tcp_6.18_perf.txt", "read", "fd=tcp");
  expect_stages_of(t, {{"tcp_recvmsg", "tcp_recvmsg"}, {"tcp_recvmsg_locked", "tcp_recvmsg"}});
  EXPECT_GT(stage(t, "tcp_recvmsg")->calls, 20);
  expect_counts_add_up(t);
}

TEST(MapFunctions, IoUringBatchOfOne) {
  const PathMapping m = mapping_of("ftrace_io_uring_6.18_perf.txt", "io_uring_enter",
                                   "api=io_uring,cache=hit,batch=1");
  expect_stages_of(m, {{"__do_sys_io_uring_enter", "io_uring_enter"},
                       {"io_issue_sqe", "io_submit_sqe"},
                       {"filemap_read", "ext4_file_read_iter"},
                       {"__io_submit_flush_completions", "io_cqe_post"}});
  // No vfs_read on this path.
  EXPECT_EQ(function(m, "vfs_read"), nullptr);
  expect_counts_add_up(m);
}

TEST(MapFunctions, ColdPreadOnVirtio) {
  const PathMapping m = mapping_of("ftrace_pread_cold_6.18_perf.txt", "pread64",
                                   "api=pread,cache=miss,device=virtio");
  expect_stages_of(
      m, {{"vfs_read", "vfs_read_checks"},
          {"filemap_read", "ext4_file_read_iter"},
          {"page_cache_ra_order", "readahead_alloc"},
          {"ext4_mpage_readpages", "ext4_map_blocks"},
          {"blk_mq_submit_bio", "block_submit"},
          {"virtio_queue_rq", "virtio_queue_rq"},
          {"io_schedule", "io_schedule"},
          // __schedule is named by io_schedule and wakeup_switch: the task is still in io_schedule.
          {"__schedule", "io_schedule"}});
  EXPECT_GT(stage(m, "block_submit")->calls, 10);
  expect_counts_add_up(m);
}

// --- A kernel whose names differ from the model's --------------------------------------------

TEST(MapFunctions, OlderNamesShowUpAsNotSeenAndUnnamed) {
  const PathMapping m =
      mapping_of("ftrace_pread_cached_5.10_synthetic.txt", "pread64", "api=pread,cache=hit");
  expect_stages_of(m, {{"vfs_read", "vfs_read_checks"},
                       {"new_sync_read", "read_iter_call"},
                       {"ext4_file_read_iter", "ext4_file_read_iter"},
                       {"generic_file_buffered_read", std::nullopt},
                       {"find_get_pages_contig", std::nullopt}});

  const PathStage* read_iter = stage(m, "ext4_file_read_iter");
  ASSERT_NE(read_iter, nullptr);
  EXPECT_TRUE(has(read_iter->not_seen, "filemap_read"));
  EXPECT_TRUE(has(read_iter->unnamed, "generic_file_buffered_read"));
  EXPECT_TRUE(has(read_iter->unnamed, "find_get_pages_contig"));
  // Nothing names the lookup any more, except xas_load.
  const PathStage* lookup = stage(m, "page_cache_lookup");
  ASSERT_NE(lookup, nullptr);
  EXPECT_TRUE(has(lookup->not_seen, "filemap_get_pages"));
  EXPECT_TRUE(has(lookup->not_seen, "filemap_get_read_batch"));
  EXPECT_EQ(lookup->seen, (std::vector<std::string>{"xas_load"}));
  // The pread dispatch names __x64_sys_pread64 and ksys_pread64; 5.10's __fdget follows them
  // unnamed, and 5.10 has no x64_sys_call (6.9 brought it).
  EXPECT_EQ(m.unattributed_calls, 0);
  ASSERT_NE(stage(m, "dispatch_pread"), nullptr);
  EXPECT_TRUE(has(stage(m, "dispatch_pread")->not_seen, "x64_sys_call"));
  EXPECT_EQ(stage(m, "dispatch_pread")->calls, 3);
  expect_counts_add_up(m);
}

TEST(MapFunctions, ANameOfSeveralStagesGoesToTheCurrentOrNextElseTheNearestBefore) {
  auto lines = [](const std::vector<std::string>& calls) {
    std::vector<FtraceLine> out;
    for (const std::string& c : calls) {
      FtraceLine l;
      l.name = c;
      l.parent = "x";
      out.push_back(l);
    }
    return out;
  };
  const auto pipe = path_of("fd=pipe");
  // copy_page_to_iter: named by pipe_read and copy_to_user, both on the pipe path.
  auto next = map_functions(lines({"vfs_read", "copy_page_to_iter"}), test_model(), pipe);
  EXPECT_EQ(stage_of(next, "copy_page_to_iter"), "pipe_read");
  auto current =
      map_functions(lines({"vfs_read", "_copy_to_iter", "copy_page_to_iter"}), test_model(), pipe);
  EXPECT_EQ(stage_of(current, "copy_page_to_iter"), "copy_to_user");
  auto before = map_functions(
      lines({"vfs_read", "touch_atime", "copy_page_to_iter", "kill_fasync"}), test_model(), pipe);
  EXPECT_EQ(stage_of(before, "copy_page_to_iter"), "copy_to_user");
  EXPECT_EQ(stage(before, "copy_to_user")->calls, 2);  // and the unnamed call after it
  EXPECT_EQ(stage(before, "touch_atime")->calls, 1);
  // Named only off the path: reported with that stage, counted on the path.
  auto off = map_functions(lines({"vfs_read", "pipe_write"}), test_model(), pipe);
  const PathFunction* write = function(off, "pipe_write");
  ASSERT_NE(write, nullptr);
  EXPECT_EQ(write->stage, "pipe_wakeup");
  EXPECT_FALSE(write->on_path);
  EXPECT_EQ(stage(off, "vfs_read_checks")->unnamed_calls, 1);
}

TEST(MapFunctions, InterruptEntriesAreCountedApart) {
  const auto p = parse_ftrace(
      "  t-9 [000] ..... 1.000001: tracing_mark_write: b\n"
      "  t-9 [000] ..... 1.000002: x64_sys_call <-do_syscall_64\n"
      "  t-9 [000] ..... 1.000003: ksys_read <-do_syscall_64\n"
      "  t-9 [000] d.h1. 1.000004: vring_interrupt <-__handle_irq_event_percpu\n"
      "  t-9 [000] d.h1. 1.000005: __x64_sys_read <-do_syscall_64\n"
      "  t-9 [000] ..... 1.000006: vfs_read <-ksys_read\n"
      "  t-9 [000] ..... 1.000007: tracing_mark_write: e\n");
  auto w = call_window(p.lines, 9, "b", "e", "read");
  ASSERT_TRUE(w);
  const PathMapping m = map_functions(w->lines, test_model(), path_of("fd=pipe"));
  EXPECT_EQ(m.calls, 5);
  EXPECT_EQ(m.irq_calls, 2);
  const PathFunction* irq = function(m, "vring_interrupt");
  ASSERT_NE(irq, nullptr);
  EXPECT_TRUE(irq->irq);
  EXPECT_EQ(stage(m, "dispatch")->calls, 2);
  expect_counts_add_up(m);
}

// --- Tracepoints instead of the function tracer -------------------------------------------------

TEST(MapEvents, EventsProveTheirFunctionsRan) {
  const auto p = parse_ftrace(
      "  t-9 [000] ..... 1.000001: tracing_mark_write: b\n"
      "  t-9 [000] ..... 1.000002: sys_enter: NR 17 (3, 7ffd, 10, 0, 0, 0)\n"
      "  t-9 [000] ..... 1.000003: mm_filemap_get_pages: dev 254:0 ino 1 ofs=0 max_ofs=0\n"
      "  t-9 [000] ..... 1.000004: page_cache_sync_ra: dev=254:0 ino=1 index=0\n"
      "  t-9 [000] ..... 1.000005: mm_filemap_add_to_page_cache: dev 254:0 ino 1 pfn=0x1 ofs=0 "
      "order=0\n"
      "  t-9 [000] ..... 1.000006: mm_filemap_add_to_page_cache: dev 254:0 ino 1 pfn=0x2 ofs=4096 "
      "order=0\n"
      "  t-9 [000] ..... 1.000007: block_bio_queue: 254,0 R 0 + 8 [t]\n"
      "  t-9 [000] ..... 1.000008: block_rq_issue: 254,0 R 4096 () 0 + 8 [t]\n"
      "  t-9 [000] d..2. 1.000009: sched_switch: prev_comm=t prev_pid=9 prev_state=D ==> "
      "next_comm=swapper/0\n"
      "  t-9 [000] ..... 1.000010: some_unknown_event: x\n"
      "  t-9 [000] ..... 1.000011: sys_exit: NR 17 = 16\n"
      "  t-9 [000] ..... 1.000012: sys_enter: NR 257 (ffffff9c, 1, 241, 0, 0, 0)\n"
      "  t-9 [000] ..... 1.000013: tracing_mark_write: e\n");
  auto w = call_window(p.lines, 9, "b", "e", "pread64");
  ASSERT_TRUE(w) << describe(w.error());
  EXPECT_EQ(w->syscalls, (std::vector<std::string>{"pread64", "openat"}));
  const PathMapping m =
      map_events(w->lines, test_model(), path_of("api=pread,cache=miss,device=virtio"));
  EXPECT_EQ(m.tracer, "tracepoints");
  EXPECT_EQ(stage(m, "page_cache_lookup")->seen, (std::vector<std::string>{"filemap_get_pages"}));
  EXPECT_TRUE(has(stage(m, "readahead_alloc")->seen, "filemap_add_folio"));
  EXPECT_EQ(stage(m, "readahead_alloc")->events, 3);
  EXPECT_EQ(stage(m, "block_submit")->seen, (std::vector<std::string>{"submit_bio"}));
  EXPECT_EQ(stage(m, "virtio_queue_rq")->seen, (std::vector<std::string>{"virtio_queue_rq"}));
  EXPECT_EQ(stage(m, "io_schedule")->seen, (std::vector<std::string>{"__schedule"}));
  EXPECT_EQ(stage(m, "exit_work")->seen, (std::vector<std::string>{"syscall_exit_work"}));
  // Events never claim what did not run.
  for (const PathStage& s : m.stages) EXPECT_TRUE(s.not_seen.empty()) << s.id;
  const PathFunction* add = nullptr;
  for (const PathFunction& f : m.functions)
    if (f.event == "filemap:mm_filemap_add_to_page_cache") add = &f;
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->calls, 2);
  EXPECT_EQ(add->stage, "readahead_alloc");
}

TEST(MapEvents, EveryTableEventHasAFunction) {
  EXPECT_FALSE(path_events().empty());
  for (const std::string& e : path_events()) {
    const std::string name = e.substr(e.find(':') + 1);
    EXPECT_FALSE(event_functions(name).empty()) << e;
  }
  EXPECT_TRUE(event_functions("no_such_event").empty());
}

}  // namespace
}  // namespace sysjourney::measure
