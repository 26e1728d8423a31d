// The write half of the journey: buffered writes, fsync and fdatasync, O_SYNC/O_DSYNC and
// O_DIRECT, writes to pipes and sockets. Invariants first, then published figures (each names
// its source id in sources.toml; the ranges are the published ones, not the model's output).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace sysjourney {
namespace {

int count_lane(const Journey& j, Lane lane) {
  return int(std::count_if(j.stages.begin(), j.stages.end(),
                           [&](const JourneyStage& s) { return s.stage->lane == lane; }));
}

bool has_stage(const Journey& j, const std::string& id) {
  return std::any_of(j.stages.begin(), j.stages.end(),
                     [&](const JourneyStage& s) { return s.stage->id == id; });
}

// The stages the journey has and those it lacks.
void expect_stages(const Journey& j, const std::vector<std::string>& has,
                   const std::vector<std::string>& lacks, const std::string& context = "") {
  for (const std::string& id : has) EXPECT_TRUE(has_stage(j, id)) << id << " " << context;
  for (const std::string& id : lacks) EXPECT_FALSE(has_stage(j, id)) << id << " " << context;
}

// The path the scenario takes, and the stages it has and lacks.
void expect_journey(const std::string& scenario, const std::string& path,
                    const std::vector<std::string>& has, const std::vector<std::string>& lacks) {
  Journey j = journey_of(scenario);
  EXPECT_EQ(j.path->id, path) << scenario;
  expect_stages(j, has, lacks, scenario);
}

double stage_ns(const Journey& j, const std::string& id) {
  double ns = 0;
  for (const auto& s : j.stages)
    if (s.stage->id == id) ns += s.ns;
  return ns;
}

Error error_of(const std::string& text) {
  const Model& m = test_model();
  auto s = parse_scenario(text, m);
  if (!s) return s.error();
  auto j = run_journey(m, *s);
  EXPECT_FALSE(j) << text << " should be refused";
  return j ? Error{} : j.error();
}

TEST(Writes, ABufferedWriteNeverReachesTheHardware) {
  for (const char* device : {"nvme", "nvme_plp", "optane", "sata_ssd", "hdd", "virtio"}) {
    Journey j = journey_of(std::string("op=write,device=") + device);
    EXPECT_EQ(j.path->id, "write_hit") << device;  // a write's block is cached unless told
    EXPECT_EQ(count_lane(j, Lane::hardware), 0) << device;
    EXPECT_EQ(j.totals.blocked_ns, 0) << device;
  }
}

TEST(Writes, AWriteToAnUncachedBlockReadsItFirst) {
  expect_journey("op=write,cache=miss", "write_miss", {"device_read"}, {"device_write"});
}

TEST(Writes, FsyncIsSlowAndHasTwoDeviceWritesAndAFlush) {
  double write = total_ns("op=write");
  for (const char* device : {"nvme", "nvme_plp", "optane", "sata_ssd", "hdd", "virtio"}) {
    Journey j = journey_of(std::string("op=fsync,device=") + device);
    EXPECT_GE(j.totals.ns, 20 * write) << device;
    // The data, then the journal commit (its blocks and the commit block).
    EXPECT_GE(count_lane(j, Lane::hardware), 2) << device;
    expect_stages(j, {"device_write", "journal_write", "commit_fua"}, {}, device);
  }
}

TEST(Writes, HddFsyncIsSlowerThanNvme) {
  EXPECT_GT(total_ns("op=fsync,device=hdd"), total_ns("op=fsync,device=nvme"));
  EXPECT_GT(total_ns("op=fdatasync,device=hdd"), total_ns("op=fdatasync,device=nvme"));
}

TEST(Writes, PowerLossProtectionMakesTheFlushCheap) {
  Journey with = journey_of("op=fdatasync,device=nvme_plp");
  Journey without = journey_of("op=fdatasync,device=nvme");
  expect_stages(with, {"flush_skipped"}, {"device_flush"});
  EXPECT_TRUE(has_stage(without, "device_flush"));
  // The flush: nothing but the block layer's own work with PLP, the drive's cache without.
  double flush_with = stage_ns(with, "flush_skipped") + stage_ns(with, "device_flush");
  double flush_without = stage_ns(without, "flush_submit") + stage_ns(without, "device_flush");
  EXPECT_LT(flush_with, flush_without / 100);
  EXPECT_LT(total_ns("op=fsync,device=nvme_plp"), total_ns("op=fsync,device=nvme") / 10);
}

TEST(Writes, FdatasyncIsNeverDearerThanFsync) {
  for (const char* device : {"nvme", "nvme_plp", "optane", "sata_ssd", "hdd", "virtio"}) {
    for (const char* warm : {"off", "on"}) {
      std::string rest = std::string(",device=") + device + ",warm=" + warm;
      EXPECT_LE(total_ns("op=fdatasync" + rest), total_ns("op=fsync" + rest)) << rest;
    }
  }
  // fdatasync skips the commit: only timestamps changed (EXT4SYNC).
  EXPECT_FALSE(has_stage(journey_of("op=fdatasync"), "jbd2_commit"));
  EXPECT_TRUE(has_stage(journey_of("op=fsync"), "jbd2_commit"));
}

TEST(Writes, BackToBackFsyncFindsNothingToCommit) {
  // Same clock tick: the inode's times did not change, so fsync does what fdatasync does.
  expect_journey("op=fsync,warm=on", "fsync_unchanged_inode", {"device_flush"}, {"jbd2_commit"});
}

TEST(Writes, APipeWriteWithAReaderAsleepWakesIt) {
  Journey j = journey_of("op=write,fd=pipe,wait=on");
  EXPECT_TRUE(has_stage(j, "wake_reader"));
  EXPECT_FALSE(has_stage(journey_of("op=write,fd=pipe"), "wake_reader"));
  EXPECT_TRUE(has_stage(journey_of("op=write,fd=unix,wait=on"), "wake_reader"));
  EXPECT_TRUE(has_stage(journey_of("op=write,fd=tcp,wait=on"), "wake_reader"));
  EXPECT_GT(total_ns("op=write,fd=pipe,wait=on"), total_ns("op=write,fd=pipe"));
}

TEST(Writes, AFullPipeMakesTheWriterSleepOrFail) {
  Journey full = journey_of("op=write,fd=pipe,full=on");
  EXPECT_TRUE(has_stage(full, "write_full_wait"));
  EXPECT_GT(full.totals.blocked_ns, 0);
  Journey eagain = journey_of("op=write,fd=pipe,full=on,nonblock=on");
  EXPECT_EQ(eagain.path->result, "-1, errno EAGAIN");
  EXPECT_EQ(eagain.totals.blocked_ns, 0);
}

TEST(Writes, TcpWritePaysForBothEndsOfLoopback) {
  Journey j = journey_of("op=write,fd=tcp");
  expect_stages(j, {"tcp_write_xmit", "loopback_rx"}, {});
  EXPECT_GT(j.totals.ns, total_ns("op=write,fd=unix"));
}

TEST(Writes, SyncFlagsMatchTheSyncCalls) {
  // O_DSYNC does fdatasync's work inside write(), O_SYNC fsync's; no second system call.
  Journey dsync = journey_of("op=write,sync=dsync");
  Journey sync = journey_of("op=write,sync=sync");
  expect_stages(dsync, {"generic_write_sync"}, {"jbd2_commit"});
  expect_stages(sync, {"jbd2_commit"}, {"dispatch_fsync"});
  EXPECT_LT(dsync.totals.ns, total_ns("op=fdatasync"));
  EXPECT_LT(sync.totals.ns, total_ns("op=fsync"));
  // O_DIRECT|O_DSYNC: one write-through request instead of a write and a flush.
  Journey dio = journey_of("op=write,direct=on,sync=dsync,bytes=4096");
  expect_stages(dio, {"dio_fua_write"}, {"device_flush"});
}

TEST(Writes, BadCombinationsAreRefusedWithTheKernelsAnswer) {
  Error e = error_of("op=fsync,fd=pipe");
  EXPECT_EQ(e.field, "fd");
  EXPECT_EQ(e.errno_name, "EINVAL");
  EXPECT_NE(e.message.find("EINVAL"), std::string::npos);
  e = error_of("op=write,direct=on,bytes=16");
  EXPECT_EQ(e.field, "bytes");
  EXPECT_EQ(e.errno_name, "EINVAL");
  e = error_of("op=read,direct=on,bytes=16");
  EXPECT_EQ(e.errno_name, "EINVAL");
  // Gaps in the model are errors too, but not the kernel's.
  EXPECT_EQ(error_of("op=write,fd=file,full=on").errno_name, "");
  for (const auto& [text, field] :
       std::vector<std::pair<std::string, std::string>>{{"op=write,fd=pipe,sync=dsync", "sync"},
                                                        {"op=read,sync=dsync", "sync"},
                                                        {"op=fsync,api=io_uring", "api"},
                                                        {"op=write,bytes=0,fd=tcp", "bytes"},
                                                        {"op=fsync,bytes=0", "bytes"},
                                                        {"op=write,bytes=0,api=io_uring", "bytes"}})
    EXPECT_EQ(error_of(text).field, field) << text;
}

TEST(Writes, AZeroByteReadReturnsAtOnce) {
  for (const char* fd : {"file", "pipe", "tcp", "unix"}) {
    Journey j = journey_of(std::string("bytes=0,fd=") + fd);
    EXPECT_EQ(j.path->id, "read_zero") << fd;
    EXPECT_EQ(j.totals.blocked_ns, 0) << fd;
  }
  EXPECT_LT(total_ns("bytes=0"), total_ns("cache=hit"));
}

// write(fd, buf, 0) returns 0 without touching the page cache or the pipe: no device, no flush
// with O_DSYNC or O_SYNC, no wait on a full pipe, and cheaper than a 16-byte buffered write.
TEST(Writes, AZeroByteWriteReturnsAtOnceAndFlushesNothing) {
  for (const char* text : {"op=write,bytes=0", "op=write,bytes=0,sync=sync,cache=miss",
                           "op=write,bytes=0,direct=on,sync=dsync"}) {
    Journey j = journey_of(text);
    EXPECT_EQ(j.path->id, "write_zero_file") << text;
    EXPECT_EQ(j.totals.blocked_ns, 0) << text;
    EXPECT_GT(stage_ns(j, "ext4_write_zero"), 0) << text;
  }
  for (const char* text : {"op=write,bytes=0,fd=pipe", "op=write,bytes=0,fd=pipe,full=on"}) {
    Journey j = journey_of(text);
    EXPECT_EQ(j.path->id, "write_zero_pipe") << text;
    EXPECT_EQ(j.totals.blocked_ns, 0) << text;
  }
  EXPECT_LT(total_ns("op=write,bytes=0"), total_ns("op=write,bytes=16"));
  EXPECT_LT(total_ns("op=write,bytes=0,fd=pipe"), total_ns("op=write,bytes=16,fd=pipe"));
}

TEST(Writes, IoUringBufferedWritesArePuntedToAWorker) {
  Journey j = journey_of("op=write,api=io_uring,batch=8");
  expect_stages(j, {"iowq_punt", "dispatch_io_uring"}, {"dispatch"});
  EXPECT_FALSE(has_stage(journey_of("api=io_uring,cache=hit"), "dispatch"));
}

// --- Published figures ---

TEST(WriteFigures, BufferedWriteOfOneKiB) {
  // LIBMICRO: write_u1k, a 1 KiB overwrite of a cached file in a loop: 0.34 us (master with the
  // fix), 0.53 us (6.18 with the fix), 0.61 us (6.12). The default preset, warm, lands there.
  double ns = total_ns("op=write,bytes=1024,warm=on");
  EXPECT_GE(ns, 340 * 0.8);
  EXPECT_LE(ns, 610 * 1.25);
}

void expect_in_range(const Journey& j, double published_ns, const char* what) {
  EXPECT_LE(j.totals.low_ns, published_ns) << what;
  EXPECT_GE(j.totals.high_ns, published_ns) << what;
}

TEST(WriteFigures, ConsumerNvmeWithoutPowerLossProtection) {
  // TANEL (Samsung 990 Pro): fdatasync 1,643 us, fsync 5,636 us; PERC (960 Pro): about 3.5 ms
  // a sync; SMALL: about 0.9 ms a synced 16 KB write on consumer drives.
  expect_in_range(journey_of("op=fdatasync,device=nvme"), 1643e3, "TANEL fdatasync");
  expect_in_range(journey_of("op=fsync,device=nvme"), 5636e3, "TANEL fsync");
  expect_in_range(journey_of("op=fsync,device=nvme"), 3.5e6, "PERC");
  expect_in_range(journey_of("op=fdatasync,device=nvme"), 0.9e6, "SMALL consumer");
}

TEST(WriteFigures, EnterpriseNvmeWithPowerLossProtection) {
  // SMALL: about 12 to 58 us a synced write with power-loss protection.
  Journey j = journey_of("op=fdatasync,device=nvme_plp");
  expect_in_range(j, 12e3, "SMALL low");
  expect_in_range(j, 58e3, "SMALL high");
  expect_in_range(journey_of("op=write,sync=dsync,device=nvme_plp"), 30e3, "SMALL O_DSYNC");
}

TEST(WriteFigures, SevenThousandRpmDisk) {
  // GSMITH: at most 120 commits a second at 7,200 rpm (8.3 ms a revolution), 105 measured.
  Journey j = journey_of("op=fdatasync,device=hdd");
  EXPECT_GE(j.totals.ns, 8.3e6 * 0.9);
  expect_in_range(j, 1e9 / 105, "GSMITH 105/s");
}

}  // namespace
}  // namespace sysjourney
