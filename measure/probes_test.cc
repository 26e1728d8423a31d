#include "measure/probes.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "measure/child_test_util.h"
#include "measure/fake_os.h"
#include "measure/fs_magic.h"
#include "measure/os_linux.h"
#include "measure/probe_dir.h"

namespace sysjourney::measure {
namespace {

std::map<std::string, ProbeResult> by_id(const std::vector<ProbeResult>& results) {
  std::map<std::string, ProbeResult> out;
  for (const ProbeResult& r : results) out[r.id] = r;
  return out;
}

FakeOs fake_machine() {
  FakeOs os;
  os.fs_magics["/var/tmp"] = kExt4Magic;
  os.clock_cost_ns = 20;
  os.latency_ns["getppid"] = {300};
  os.latency_ns["clock_gettime"] = {250};
  os.latency_ns["pread"] = {150};
  os.latency_ns["pread_cold"] = {80'000};
  os.latency_ns["pread_direct"] = {25'000};
  os.evictable = true;
  return os;
}

// Few rounds and no pauses: the fake's /proc is unscripted unless a test scripts it.
ProbeOptions tiny(std::vector<std::string> only = {}) {
  return ProbeOptions{.quick = true,
                      .scale = 0.01,
                      .only = std::move(only),
                      .rounds = RoundPolicy{.rounds = 2, .max_retries = 0}};
}

// /proc/stat of one CPU after `rounds` rounds of 100 ticks, `steal` of them stolen in all.
std::string proc_stat(uint64_t rounds, uint64_t steal) {
  const std::string line =
      std::to_string(rounds * 100 - steal) + " 0 0 0 0 0 0 " + std::to_string(steal) + " 0 0\n";
  return "cpu  " + line + "cpu0 " + line + "procs_running 1\n";
}

// --- Against FakeOs: the logic, with scripted latencies ------------------------------------------

TEST(ProbesOnFake, EveryIdIsReportedInOrder) {
  FakeOs os = fake_machine();
  auto run = run_probes(os, tiny());
  ASSERT_TRUE(run.ok()) << run.error().message;
  const auto& results = run->probes;
  ASSERT_EQ(results.size(), probe_ids().size());
  for (size_t i = 0; i < results.size(); ++i) {
    const ProbeResult& r = results[i];
    EXPECT_EQ(r.id, probe_ids()[i]);
    // Measured (the fake clock gives unscripted calls zero cost), or skipped with a reason.
    if (r.skipped.empty()) {
      EXPECT_GT(r.iterations, 0) << r.id;
      EXPECT_EQ(r.rounds, 2) << r.id;
    } else {
      EXPECT_EQ(r.iterations, 0) << r.id;
    }
  }
  EXPECT_EQ(
      std::vector<std::string_view>(probe_ids().begin(), probe_ids().end()),
      (std::vector<std::string_view>{
          "function_call",     "vdso_clock_gettime", "syscall_getppid",  "syscall_clock_gettime",
          "read_file_hit",     "read_file_cold",     "read_direct",      "read_pipe",
          "read_unix",         "read_tcp",           "io_uring_batch_1", "io_uring_batch_8",
          "io_uring_batch_32", "io_uring_batch_128", "read_ptraced",     "pipe_wakeup",
          "pipe_pingpong_rtt", "write_file",         "fsync_file",       "fdatasync_file",
          "write_pipe_wakeup"}));
}

TEST(ProbesOnFake, ScriptedLatenciesComeBackWithoutTheTimer) {
  FakeOs os = fake_machine();
  auto run = run_probes(os, tiny());
  ASSERT_TRUE(run.ok());
  auto r = by_id(run->probes);
  EXPECT_EQ(r["syscall_getppid"].median_ns, 300);
  EXPECT_EQ(r["syscall_getppid"].timer_overhead_ns, 20);
  EXPECT_EQ(r["syscall_clock_gettime"].median_ns, 250);
  EXPECT_EQ(r["read_file_hit"].median_ns, 150);
  EXPECT_EQ(r["read_file_hit"].p99_ns, 150);
  EXPECT_EQ(r["read_file_cold"].median_ns, 80'000);
  EXPECT_EQ(r["read_file_cold"].batch, 1);
  EXPECT_EQ(r["read_direct"].median_ns, 25'000);
  EXPECT_EQ(r["read_direct"].bytes, 4096);
  // The fake clock only moves when called, so these cost nothing but their own clock reads.
  EXPECT_EQ(r["vdso_clock_gettime"].median_ns, 20);
}

// The clock probes keep their readings alive in a sum. On a machine up for a long time that sum
// passes INT64_MAX within a few thousand reads: it must wrap, not overflow (test-sanitize's
// UBSan fails this test on a signed sum).
TEST(ProbesOnFake, ClockProbesSurviveALongUptime) {
  FakeOs os = fake_machine();
  os.now_ns = int64_t{1} << 61;  // 73 years of uptime: 4 reads pass INT64_MAX
  auto run = run_probes(os, tiny({"vdso_clock_gettime", "syscall_clock_gettime"}));
  ASSERT_TRUE(run.ok()) << run.error().message;
  auto r = by_id(run->probes);
  EXPECT_EQ(r["vdso_clock_gettime"].median_ns, 20);
  EXPECT_EQ(r["syscall_clock_gettime"].median_ns, 250);
}

TEST(ProbesOnFake, TailsSayWhatTheyArePercentilesOf) {
  FakeOs os = fake_machine();
  // One cold read in ten is slow: timed per call, the p99 shows it and the p50 does not.
  os.latency_ns["pread_cold"] = {80'000, 80'000, 80'000, 80'000, 80'000,
                                 80'000, 80'000, 80'000, 80'000, 900'000};
  auto run = run_probes(os, tiny({"syscall_getppid", "read_file_cold"}));
  ASSERT_TRUE(run.ok());
  auto r = by_id(run->probes);
  const ProbeResult& cold = r["read_file_cold"];
  EXPECT_EQ(cold.p99_of, "calls");
  EXPECT_EQ(cold.p50_call_ns, std::optional<double>(80'000));
  EXPECT_EQ(cold.p99_call_ns, std::optional<double>(900'000));
  EXPECT_EQ(cold.p99_ns, 900'000);
  const ProbeResult& getppid = r["syscall_getppid"];
  EXPECT_EQ(getppid.p99_of, "batch_means");
  EXPECT_EQ(getppid.p50_call_ns, std::nullopt);
  EXPECT_EQ(getppid.p99_call_ns, std::nullopt);
}

TEST(ProbesOnFake, WhatTheFakeCannotDoIsSkippedWithTheReason) {
  FakeOs os = fake_machine();
  auto run = run_probes(os, tiny());
  ASSERT_TRUE(run.ok());
  auto r = by_id(run->probes);
  EXPECT_EQ(r["read_pipe"].skipped, "cannot create a channel: Function not implemented");
  EXPECT_EQ(r["io_uring_batch_8"].skipped, "cannot set up io_uring: Function not implemented");
  EXPECT_EQ(r["read_ptraced"].skipped, "cannot fork: Function not implemented");
  EXPECT_EQ(r["pipe_wakeup"].skipped, "cannot create a channel: Function not implemented");
  EXPECT_EQ(r["pipe_pingpong_rtt"].skipped, "cannot create a channel: Function not implemented");
}

TEST(ProbesOnFake, SampleCountsFollowModeScaleAndRounds) {
  FakeOs os = fake_machine();
  auto with = [&](bool quick, double scale, int rounds) {
    auto run = run_probes(os, {.quick = quick,
                               .scale = scale,
                               .only = {"syscall_getppid"},
                               .rounds = RoundPolicy{.rounds = rounds, .max_retries = 0}});
    EXPECT_TRUE(run.ok());
    return run->probes.at(0);
  };
  EXPECT_EQ(with(true, 0.1, 2).samples, 2 * 120);    // 1200 per quick round x 0.1
  EXPECT_EQ(with(false, 0.1, 3).samples, 3 * 1000);  // 10000 per full round x 0.1
  EXPECT_EQ(with(false, 0.1, 3).iterations, int64_t{3000} * 100);
  EXPECT_EQ(with(true, 1e-9, 2).samples, 2 * 5);  // never below the minimum per round
  EXPECT_EQ(with(true, 0.1, 4).rounds, 4);
}

TEST(ProbesOnFake, EachRoundRunsEveryProbeOnce) {
  FakeOs os = fake_machine();
  std::vector<std::string> seen;
  ProbeOptions options = tiny({"read_file_hit", "function_call"});
  options.progress = [&](std::string_view id, int index, int total) {
    seen.push_back(std::string(id) + " " + std::to_string(index) + "/" + std::to_string(total));
  };
  ASSERT_TRUE(run_probes(os, options).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"function_call 0/4", "read_file_hit 1/4",
                                            "function_call 2/4", "read_file_hit 3/4"}));
}

TEST(ProbesOnFake, TheMedianIsTakenOverRoundsAndTheSpreadShows) {
  FakeOs os = fake_machine();
  // The load is sampled once at the start and after every round: change getppid's cost there.
  const std::vector<int64_t> per_round = {300, 600, 330};
  int samples = 0;
  os.on_read = [&](const std::string& path) {
    if (path != "/proc/stat") return;
    if (samples < 3) os.latency_ns["getppid"] = {per_round[samples]};
    ++samples;
  };
  ProbeOptions options = tiny({"syscall_getppid"});
  options.rounds->rounds = 3;
  auto run = run_probes(os, options);
  ASSERT_TRUE(run.ok());
  const ProbeResult& r = run->probes.at(0);
  EXPECT_EQ(r.round_medians_ns, (std::vector<double>{300, 600, 330}));
  EXPECT_EQ(r.median_ns, 330);
  EXPECT_EQ(r.spread, 2);
  EXPECT_EQ(r.min_ns, 300);
  EXPECT_EQ(r.rounds, 3);
}

TEST(ProbesOnFake, ABusyRoundIsRunAgainAndItsFiguresAreDropped) {
  FakeOs os = fake_machine();
  // Round 0 quiet; round 1 has 40% steal and getppid slowed to 900 ns; then quiet again.
  os.read_script["/proc/stat"] = {proc_stat(0, 0),  proc_stat(1, 0),  proc_stat(2, 40),
                                  proc_stat(3, 40), proc_stat(4, 40), proc_stat(5, 40)};
  int samples = 0;
  os.on_read = [&](const std::string& path) {
    if (path == "/proc/stat") os.latency_ns["getppid"] = {++samples == 2 ? 900 : 300};
  };
  ProbeOptions options = tiny({"syscall_getppid"});
  options.rounds = RoundPolicy{.rounds = 2, .max_retries = 1, .retry_wait_ns = 100'000'000};
  auto run = run_probes(os, options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->probes.at(0).round_medians_ns, (std::vector<double>{300, 300}));
  EXPECT_TRUE(run->load.known);
  EXPECT_FALSE(run->load.busy) << run->load.reason;
  EXPECT_EQ(run->load.retries, 1);
  EXPECT_EQ(os.slept_ns, 100'000'000);  // the fake clock: no real sleep
}

TEST(ProbesOnFake, BusyFiguresAreNeverPresentedAsClean) {
  FakeOs os = fake_machine();
  std::vector<std::string> stat;
  for (uint64_t i = 0; i <= 8; ++i) stat.push_back(proc_stat(i, 30 * i));
  os.read_script["/proc/stat"] = stat;
  ProbeOptions options = tiny({"syscall_getppid"});
  options.rounds = RoundPolicy{.rounds = 2, .max_retries = 1};
  auto run = run_probes(os, options);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->load.busy);
  EXPECT_EQ(run->load.busy_rounds, 2);
  EXPECT_EQ(run->load.retries, 1);
  EXPECT_NE(run->load.reason.find("steal"), std::string::npos) << run->load.reason;
}

TEST(ProbesOnFake, PinsTheTimingThreadAndGivesTheCpusBack) {
  FakeOs os = fake_machine();
  os.affinity = {0, 1, 2, 3};
  auto run = run_probes(os, tiny({"syscall_getppid"}));
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(os.affinity_log.size(), 2u);
  EXPECT_EQ(os.affinity_log[0], std::vector<int>{3});
  EXPECT_EQ(os.affinity_log[1], (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(run->load.cpu, 3);
}

// Every pread of `file`, in order.
std::vector<FakeOs::PreadCall> preads_of(const FakeOs& os, const std::string& file) {
  std::vector<FakeOs::PreadCall> out;
  for (const auto& p : os.preads)
    if (p.path.ends_with("/" + file)) out.push_back(p);
  return out;
}

TEST(ProbesOnFake, ColdAndDirectReadsNeverTouchABlockTwice) {
  FakeOs os = fake_machine();
  // Busy throughout, with retries: the rounds run again read fresh blocks too.
  std::vector<std::string> stat;
  for (uint64_t i = 0; i <= 12; ++i) stat.push_back(proc_stat(i, 30 * i));
  os.read_script["/proc/stat"] = stat;
  ProbeOptions options = tiny({"read_file_cold", "read_direct"});
  options.scale = 0.1;
  options.rounds = RoundPolicy{.rounds = 3, .max_retries = 2};
  size_t cold_bytes = 0, direct_bytes = 0;
  os.on_read = [&](const std::string&) {  // the files exist while the rounds run
    for (const auto& [path, content] : os.files) {
      if (path.ends_with("/cold.dat")) cold_bytes = content.size();
      if (path.ends_with("/direct.dat")) direct_bytes = content.size();
    }
  };
  auto run = run_probes(os, options);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->load.retries, 2);
  for (const ProbeResult& r : run->probes) EXPECT_EQ(r.skipped, "") << r.id;

  const auto cold = preads_of(os, "cold.dat");
  const auto direct = preads_of(os, "direct.dat");
  // Per round: 12 (cold) or 18 (direct) timed reads and a warm-up read; five rounds ran.
  EXPECT_EQ(cold.size(), 5u * 13);
  EXPECT_EQ(direct.size(), 5u * 19);
  std::set<size_t> cold_pages, direct_blocks;
  for (const auto& p : cold) {
    EXPECT_TRUE(p.cold) << "offset " << p.offset;  // never in the cache
    EXPECT_FALSE(p.direct);
    EXPECT_EQ(p.bytes, 16u);
    EXPECT_EQ(p.offset % 4096, 0);
    EXPECT_NE(p.offset, 0);  // offset 0 would start the kernel's initial readahead
    cold_pages.insert(static_cast<size_t>(p.offset) / 4096);
  }
  for (const auto& p : direct) {
    EXPECT_TRUE(p.direct);
    EXPECT_EQ(p.bytes, 4096u);
    EXPECT_EQ(p.offset % 4096, 0);
    direct_blocks.insert(static_cast<size_t>(p.offset) / 4096);
  }
  EXPECT_EQ(cold_pages.size(), cold.size());  // no page twice
  EXPECT_EQ(direct_blocks.size(), direct.size());
  // No page next to another read one: the kernel sees lone random reads, not a sequence.
  for (size_t page : cold_pages) EXPECT_FALSE(cold_pages.count(page + 1)) << page;
  // The files are much larger than what is read from them.
  EXPECT_GE(cold_bytes, 4 * cold.size() * 4096);
  EXPECT_GE(direct_bytes, 2 * direct.size() * 4096);
}

TEST(ProbesOnFake, ColdReadsNeedVerifiedEviction) {
  FakeOs os = fake_machine();
  os.evictable = false;
  auto run = run_probes(os, tiny({"read_file_cold"}));
  ASSERT_TRUE(run.ok());
  // 2 rounds x 6 reads, over twice as many 8 KiB slots, plus the unused slot 0.
  EXPECT_EQ(run->probes[0].skipped,
            "pages stay in the page cache after POSIX_FADV_DONTNEED (50 of 50)");
  EXPECT_TRUE(preads_of(os, "cold.dat").empty());
}

// Something else reads the cold file once, between the probe's rounds (at its next /proc/stat
// read): `read` is given the file's descriptor and size. `spoiled` is set once it has.
void read_cold_file_between_rounds(FakeOs& os, bool& spoiled,
                                   std::function<void(int fd, size_t size)> read) {
  os.on_read = [&os, &spoiled, read = std::move(read)](const std::string& path) {
    if (spoiled || path != "/proc/stat") return;
    for (const auto& [file, content] : os.files) {
      if (!file.ends_with("/cold.dat")) continue;
      auto fd = os.open(file, O_RDONLY);
      read(*fd, content.size());
      (void)os.close(*fd);
      spoiled = true;
    }
  };
}

TEST(ProbesOnFake, APageCachedBeforeItsFirstReadStopsTheProbe) {
  FakeOs os = fake_machine();
  // Something else reads the whole cold file in between: its pages come back.
  bool spoiled = false;
  read_cold_file_between_rounds(os, spoiled, [&](int fd, size_t size) {
    std::string buf(size, '\0');
    (void)os.pread(fd, buf.data(), buf.size(), 0);
  });
  auto run = run_probes(os, tiny({"read_file_cold"}));
  ASSERT_TRUE(run.ok());
  EXPECT_NE(run->probes[0].skipped.find("cached before their first read"), std::string::npos)
      << run->probes[0].skipped;
}

TEST(ProbesOnFake, AFewCachedBlocksArePassedOverNotTimed) {
  FakeOs os = fake_machine();
  // Something reads a handful of the cold file's pages (as readahead of a neighbour could):
  // the probe passes them over and still runs.
  bool spoiled = false;
  read_cold_file_between_rounds(os, spoiled, [&](int fd, size_t) {
    char buf[16];
    for (off_t page = 1; page <= 8; ++page) (void)os.pread(fd, buf, sizeof buf, page * 4096);
  });
  auto run = run_probes(os, tiny({"read_file_cold"}));
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(spoiled);
  EXPECT_EQ(run->probes[0].skipped, "");
  EXPECT_GT(run->probes[0].median_ns, 0);
}

TEST(ProbesOnFake, TmpfsSkipsColdAndDirectReads) {
  FakeOs os = fake_machine();
  os.fs_magics["/var/tmp"] = kTmpfsMagic;
  ProbeOptions options = tiny({"read_file_cold", "read_direct"});
  options.dir = "/var/tmp";
  auto run = run_probes(os, options);
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->probes.size(), 2u);
  EXPECT_NE(run->probes[0].skipped.find("on tmpfs"), std::string::npos) << run->probes[0].skipped;
  EXPECT_NE(run->probes[1].skipped.find("on tmpfs"), std::string::npos) << run->probes[1].skipped;
  EXPECT_TRUE(os.preads.empty());
}

TEST(ProbesOnFake, AFileThatCannotBeMadeSkipsItsProbes) {
  FakeOs os = fake_machine();
  // The private directory's name is predictable in the fake; make its hit file fail.
  os.errors["/var/tmp/sysjourney-fake0/hit.dat"] = ENOSPC;
  auto run = run_probes(os, tiny({"read_file_hit", "syscall_getppid"}));
  ASSERT_TRUE(run.ok());
  auto r = by_id(run->probes);
  EXPECT_EQ(r["read_file_hit"].skipped,
            "cannot create /var/tmp/sysjourney-fake0/hit.dat: No space left on device");
  EXPECT_EQ(r["syscall_getppid"].skipped, "");
}

TEST(ProbesOnFake, LeavesNothingBehind) {
  FakeOs os = fake_machine();
  auto run = run_probes(os, tiny());
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(os.files.empty());
  EXPECT_TRUE(os.dirs.empty());
  EXPECT_TRUE(os.watched.empty());
  EXPECT_EQ(os.open_fds(), 0u);
}

TEST(ProbesOnFake, UnknownIdIsAnError) {
  FakeOs os = fake_machine();
  auto run = run_probes(os, {.only = {"read_floppy"}});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message, "unknown probe id 'read_floppy'");
  EXPECT_EQ(run.error().field, "probe");
  EXPECT_NE(run.error().allowed.find("pipe_pingpong_rtt"), std::string::npos);
}

TEST(ProbesOnFake, NoProbeDirectoryIsAnError) {
  FakeOs os = fake_machine();
  os.errors["/nowhere"] = EROFS;
  auto run = run_probes(os, {.dir = "/nowhere"});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message, "cannot create a directory in /nowhere: Read-only file system");
}

// --- Against the machine: tiny counts, structure and relations that must hold
// ----------------------

// Real runs: two rounds and no pauses, however busy the machine is.
ProbeOptions real(double scale, std::vector<std::string> only) {
  return ProbeOptions{.quick = true,
                      .scale = scale,
                      .only = std::move(only),
                      .rounds = RoundPolicy{.rounds = 2, .max_retries = 0}};
}

// On an ordinary disk filesystem as root every probe must run: a skip there is a bug.
bool must_run_here(Os& os) {
  auto magic = os.fs_magic(choose_probe_parent(os, ""));
  return os.effective_uid() == 0 && magic && *magic == kExt4Magic;
}

class RealProbe : public testing::TestWithParam<std::string_view> {};

TEST_P(RealProbe, MeasuresOrSaysWhyNot) {
  LinuxOs os;
  const std::string id(GetParam());
  auto run = run_probes(os, real(0.02, {id}));
  ASSERT_TRUE(run.ok()) << run.error().message;
  ASSERT_EQ(run->probes.size(), 1u);
  const ProbeResult& r = run->probes.front();
  EXPECT_EQ(r.id, id);
  if (!r.skipped.empty()) {
    EXPECT_FALSE(must_run_here(os)) << id << " skipped on ext4 as root: " << r.skipped;
    std::cout << "[ skipped  ] " << id << ": " << r.skipped << "\n";
    return;
  }
  EXPECT_GT(r.median_ns, 0);
  EXPECT_GE(r.p99_ns, r.min_ns);
  EXPECT_LE(r.min_ns, r.median_ns);
  EXPECT_GE(r.samples, 2 * 5);
  EXPECT_EQ(r.rounds, 2);
  EXPECT_GE(r.spread, 1);
  EXPECT_EQ(r.iterations, int64_t{r.samples} * r.batch);
  EXPECT_EQ(r.p50_call_ns.has_value(), r.p99_of == "calls");
  EXPECT_GE(run->load.cpu, 0);  // pinned
}

INSTANTIATE_TEST_SUITE_P(EachId, RealProbe,
                         testing::ValuesIn(probe_ids().begin(), probe_ids().end()),
                         [](const auto& info) { return std::string(info.param); });

TEST(RealProbes, RelationsThatMustHold) {
  LinuxOs os;
  auto run = run_probes(
      os, real(0.05, {"syscall_getppid", "syscall_clock_gettime", "vdso_clock_gettime",
                      "read_file_hit", "read_file_cold", "io_uring_batch_1", "io_uring_batch_32",
                      "read_ptraced", "pipe_wakeup", "pipe_pingpong_rtt"}));
  ASSERT_TRUE(run.ok()) << run.error().message;
  auto r = by_id(run->probes);
  const ProbeResult& hit = r["read_file_hit"];
  ASSERT_EQ(hit.skipped, "");
  // Other work on the machine (ctest -j) only ever adds time, so compare the fastest samples.
  ASSERT_EQ(r["syscall_clock_gettime"].skipped, "");
  EXPECT_GT(r["syscall_clock_gettime"].min_ns, r["vdso_clock_gettime"].min_ns);
  if (r["read_file_cold"].skipped.empty()) {
    EXPECT_GT(r["read_file_cold"].median_ns, hit.median_ns);
  }
  if (r["io_uring_batch_1"].skipped.empty()) {
    ASSERT_EQ(r["io_uring_batch_32"].skipped, "");
    // The gap is one syscall entry per read (tens of percent, not orders of magnitude).
    EXPECT_LT(r["io_uring_batch_32"].min_ns, r["io_uring_batch_1"].min_ns);
  }
  if (r["read_ptraced"].skipped.empty()) {
    EXPECT_GT(r["read_ptraced"].min_ns, hit.min_ns);
  } else {
    // Only a refusal to trace is an acceptable reason.
    EXPECT_NE(r["read_ptraced"].skipped.find("ptrace"), std::string::npos)
        << r["read_ptraced"].skipped;
  }
  // A round trip is two wake-ups; one wake-up is more than a getppid.
  ASSERT_EQ(r["pipe_wakeup"].skipped, "");
  ASSERT_EQ(r["pipe_pingpong_rtt"].skipped, "");
  EXPECT_GT(r["pipe_wakeup"].min_ns, r["syscall_getppid"].min_ns);
  EXPECT_GT(r["pipe_pingpong_rtt"].min_ns, r["pipe_wakeup"].min_ns);
}

// The real calls, watched: every pread with the file it went to.
class WatchedOs : public LinuxOs {
 public:
  struct Call {
    std::string path;
    off_t offset;
    size_t bytes;
  };
  Result<int> open(const std::string& path, int flags) override {
    auto fd = LinuxOs::open(path, flags);
    std::lock_guard lock(mutex_);
    if (fd) paths_[*fd] = path;
    return fd;
  }
  Result<size_t> pread(int fd, void* buf, size_t n, off_t offset) override {
    {
      std::lock_guard lock(mutex_);
      calls.push_back(Call{paths_[fd], offset, n});
    }
    return LinuxOs::pread(fd, buf, n, offset);
  }
  std::vector<Call> calls;

 private:
  std::mutex mutex_;
  std::map<int, std::string> paths_;
};

TEST(RealProbes, ColdAndDirectReadsNeverReadABlockTwice) {
  WatchedOs os;
  auto run = run_probes(os, real(0.1, {"read_file_cold", "read_direct"}));
  ASSERT_TRUE(run.ok()) << run.error().message;
  for (const ProbeResult& r : run->probes) {
    if (r.skipped.empty()) continue;
    EXPECT_FALSE(must_run_here(os)) << r.id << ": " << r.skipped;
    GTEST_SKIP() << r.id << ": " << r.skipped;
  }
  // Each cold read also checked with mincore that its page was not cached, or it would have
  // failed: here, that no block is asked for twice.
  std::map<std::string, std::set<off_t>> blocks;
  size_t reads = 0;
  for (const auto& c : os.calls) {
    const bool cold = c.path.ends_with("/cold.dat"), direct = c.path.ends_with("/direct.dat");
    if (!cold && !direct) continue;
    ++reads;
    EXPECT_TRUE(blocks[c.path].insert(c.offset / 4096).second) << c.path << " at " << c.offset;
  }
  // 2 rounds of warm-up reads and at least the minimum of samples (a busy disk may hit the budget).
  EXPECT_GE(reads, 2u * (1 + 5) + 2u * (1 + 5));
  EXPECT_LE(reads, 2u * (1 + 12) + 2u * (1 + 18));
}

// --- Cleanup when the run is killed
// ----------------------------------------------------------------

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
        names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class KilledRun : public testing::TestWithParam<int> {};

TEST_P(KilledRun, RemovesTheProbeDirectory) {
  const int sig = GetParam();
  LinuxOs os;
  std::string parent = choose_probe_parent(os, "") + "/sysjourney-test-XXXXXX";
  ASSERT_NE(::mkdtemp(parent.data()), nullptr);
  const ReportingChild child = fork_reporting([&](int report) {
    // When the first probe starts its files exist: tell the parent, then wait to be killed.
    auto progress = [&](std::string_view, int, int) { report_and_pause(report, "started"); };
    (void)run_probes(os, {.quick = true,
                          .scale = 0.01,
                          .dir = parent,
                          .only = {"read_file_hit", "read_file_cold", "read_direct"},
                          .progress = progress,
                          .rounds = RoundPolicy{.rounds = 1, .max_retries = 0}});
    ::_exit(3);
  });
  const pid_t pid = child.pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(child.line, "started");

  // The run's private directory and its files are really there...
  const auto inside = entries(parent);
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0].rfind("sysjourney-", 0), 0u);
  EXPECT_EQ(entries(parent + "/" + inside[0]),
            (std::vector<std::string>{"cold.dat", "direct.dat", "hit.dat"}));

  // ...until the signal.
  ASSERT_EQ(::kill(pid, sig), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), sig);  // re-raised with the default action
  EXPECT_EQ(entries(parent), std::vector<std::string>{});
  ::rmdir(parent.c_str());
}

INSTANTIATE_TEST_SUITE_P(Signals, KilledRun, testing::Values(SIGTERM, SIGINT),
                         [](const auto& info) {
                           return info.param == SIGTERM ? "SIGTERM" : "SIGINT";
                         });

}  // namespace
}  // namespace sysjourney::measure
