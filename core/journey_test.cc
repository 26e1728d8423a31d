#include "journey.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "test_util.h"

namespace sysjourney {
namespace {

bool has_stage(const Journey& j, const std::string& id) {
  for (const auto& s : j.stages)
    if (s.stage->id == id) return true;
  return false;
}

const JourneyStage* find(const Journey& j, const std::string& id) {
  for (const auto& s : j.stages)
    if (s.stage->id == id) return &s;
  return nullptr;
}

TEST(Journey, RowsAddUpToTheTotals) {
  for (const char* text :
       {"cache=hit", "cache=miss", "fd=pipe,wait=on", "api=io_uring,batch=32,cache=miss",
        "tracer=strace,cache=hit", "cpu=epyc_guest_pti,cache=miss,bytes=1M"}) {
    Journey j = journey_of(text);
    double ns = 0, cycles = 0, on = 0, blocked = 0, share = 0;
    for (const auto& s : j.stages) {
      ns += s.ns;
      cycles += s.cycles;
      (s.stage->on_cpu ? on : blocked) += s.ns;
      share += s.share;
      EXPECT_NEAR(s.cumulative_ns, s.start_ns + s.ns, 1e-6);
    }
    EXPECT_EQ(j.totals.stages, int(j.stages.size())) << text;
    EXPECT_NEAR(j.totals.ns, ns, 1e-6 * ns) << text;
    EXPECT_NEAR(j.totals.cycles, cycles, 1e-6 * cycles) << text;
    EXPECT_NEAR(j.totals.on_cpu_ns + j.totals.blocked_ns, j.totals.ns, 1e-6 * ns) << text;
    EXPECT_NEAR(j.totals.on_cpu_ns, on, 1e-6 * ns) << text;
    EXPECT_NEAR(share, 1.0, 1e-9) << text;
    EXPECT_LE(j.totals.low_ns, j.totals.ns) << text;
    EXPECT_GE(j.totals.high_ns, j.totals.ns) << text;
  }
}

TEST(Journey, GhzMovesOnlyCycleStages) {
  Journey slow = journey_of("cache=miss,ghz=1.5");
  Journey fast = journey_of("cache=miss,ghz=3");
  ASSERT_EQ(slow.stages.size(), fast.stages.size());
  for (std::size_t i = 0; i < slow.stages.size(); ++i) {
    const auto& a = slow.stages[i];
    const auto& b = fast.stages[i];
    if (a.unit == Unit::cycles) {
      EXPECT_NEAR(a.ns, 2 * b.ns, 1e-9)
          << a.stage->id << ": cycle work takes twice as long at half the clock";
      EXPECT_NEAR(a.cycles, b.cycles, 1e-9) << a.stage->id;
    } else {
      EXPECT_NEAR(a.ns, b.ns, 1e-9)
          << a.stage->id << ": the device does not care about the CPU clock";
    }
  }
}

TEST(Journey, MissIsFarAboveHitAndDominatedByTheDevice) {
  Journey hit = journey_of("cache=hit");
  Journey miss = journey_of("cache=miss");
  EXPECT_GT(miss.totals.ns, 100 * hit.totals.ns);
  const JourneyStage* device = find(miss, "device_read");
  ASSERT_NE(device, nullptr);
  EXPECT_GT(device->share, 0.8);
  for (const auto& s : miss.stages) EXPECT_LE(s.ns, device->ns) << s.stage->id;
  EXPECT_FALSE(has_stage(hit, "device_read"));
  EXPECT_GT(miss.totals.stages, hit.totals.stages);
  EXPECT_GT(miss.totals.blocked_ns, miss.totals.on_cpu_ns);
}

TEST(Journey, AboutTwentyStagesForAMiss) {
  Journey miss = journey_of("cache=miss");
  EXPECT_GE(miss.totals.stages, 20);
  EXPECT_LE(miss.totals.stages, 26);
  Journey kpti = journey_of("cache=miss,kpti=on");
  EXPECT_EQ(kpti.totals.stages, miss.totals.stages + 2) << "KPTI adds a CR3 switch each way";
  EXPECT_EQ(miss.stages.front().stage->id, "libc_wrapper");
  EXPECT_EQ(miss.stages.back().stage->id, "libc_return");
}

TEST(Journey, BaselinesAreOrdered) {
  double call = total_ns("op=function_call");
  double vdso = total_ns("op=vdso_clock_gettime");
  double sys = total_ns("op=getppid");
  double hit = total_ns("cache=hit");
  EXPECT_LT(call, vdso);
  EXPECT_LT(vdso, sys);
  EXPECT_LT(sys, hit);
}

TEST(Journey, StraceSeesOnlyTheBoundary) {
  Journey hit = journey_of("cache=hit");
  EXPECT_EQ(hit.totals.strace_visible_stages, 2);
  Journey vdso = journey_of("op=vdso_clock_gettime");
  EXPECT_EQ(vdso.totals.strace_visible_stages, 0) << "a vDSO call never enters the kernel";
}

TEST(Journey, KptiCostsMoreAndPcidLowersIt) {
  for (const char* cpu : {"intel_eibrs", "amd_zen4"}) {
    std::string base = std::string("cache=hit,cpu=") + cpu;
    double off = total_ns(base + ",kpti=off");
    double on_pcid = total_ns(base + ",kpti=on,pcid=on");
    double on_nopcid = total_ns(base + ",kpti=on,pcid=off");
    EXPECT_GT(on_pcid, off) << cpu;
    EXPECT_GT(on_nopcid, on_pcid) << cpu;
  }
  // PCID alone does nothing without KPTI.
  EXPECT_DOUBLE_EQ(total_ns("cache=hit,kpti=off,pcid=on"), total_ns("cache=hit,kpti=off,pcid=off"));
}

TEST(Journey, TracerAddsTwoStopsAndStraceCostsMore) {
  Journey none = journey_of("cache=hit");
  Journey ptrace = journey_of("cache=hit,tracer=ptrace");
  Journey strace = journey_of("cache=hit,tracer=strace");
  EXPECT_EQ(ptrace.totals.stages, none.totals.stages + 2);
  EXPECT_TRUE(has_stage(ptrace, "ptrace_entry_stop"));
  EXPECT_TRUE(has_stage(ptrace, "ptrace_exit_stop"));
  EXPECT_GT(ptrace.totals.ns, 10 * none.totals.ns);
  EXPECT_GT(strace.totals.ns, ptrace.totals.ns);
  // The stops sit between the traced boundary stages.
  std::vector<std::string> ids;
  for (const auto& s : ptrace.stages) ids.push_back(s.stage->id);
  auto pos = [&](const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) - ids.begin();
  };
  EXPECT_LT(pos("dispatch"), pos("ptrace_entry_stop"));
  EXPECT_LT(pos("ptrace_entry_stop"), pos("copy_to_user"));
  EXPECT_LT(pos("exit_work"), pos("ptrace_exit_stop"));
  EXPECT_LT(pos("ptrace_exit_stop"), pos("sysret"));
}

TEST(Journey, IoUringPerReadCostFallsWithBatchSize) {
  double previous = total_ns("cache=hit,api=io_uring,batch=1");
  for (int n : {2, 8, 32, 128, 4096}) {
    double now = total_ns("cache=hit,api=io_uring,batch=" + std::to_string(n));
    EXPECT_LT(now, previous) << "batch " << n;
    previous = now;
  }
  // Alone, io_uring costs more than a read (the ring's own bookkeeping). Batched, it wins where
  // the entry is dear (KPTI without PCID) and roughly ties where it is cheap: a cached read's
  // cost is then mostly the per-request work, which batching does not remove.
  double sync = total_ns("cache=hit");
  EXPECT_GT(total_ns("cache=hit,api=io_uring,batch=1"), sync);
  EXPECT_LT(total_ns("cache=hit,api=io_uring,batch=32,cpu=epyc_guest_pti"),
            total_ns("cache=hit,cpu=epyc_guest_pti") / 3);
  EXPECT_LT(total_ns("cache=hit,api=io_uring,batch=32"), 1.5 * sync);
  Journey batch = journey_of("cache=hit,api=io_uring,batch=32");
  EXPECT_NEAR(batch.totals.batch_ns, 32 * batch.totals.ns, 1e-6 * batch.totals.batch_ns);
}

TEST(Journey, IoUringOverlapsDeviceTimeUpToTheDevicesParallelism) {
  double one = total_ns("cache=miss,api=io_uring,batch=1");
  double many = total_ns("cache=miss,api=io_uring,batch=32");
  EXPECT_LT(many, one / 10) << "32 reads in flight share one device latency on NVMe";
  double hdd_one = total_ns("cache=miss,api=io_uring,batch=1,device=hdd");
  double hdd_many = total_ns("cache=miss,api=io_uring,batch=32,device=hdd");
  EXPECT_GT(hdd_many, 0.9 * hdd_one) << "a disk head serves one read at a time";
}

TEST(Journey, SqpollSubmitsWithoutASyscall) {
  Journey j = journey_of("cache=hit,api=io_uring_sqpoll,batch=8");
  EXPECT_FALSE(has_stage(j, "syscall_insn"));
  EXPECT_EQ(j.totals.strace_visible_stages, 0);
}

TEST(Journey, PipesAndSocketsWithDataNeverReachHardware) {
  for (const char* fd : {"pipe", "tcp", "unix"}) {
    Journey j = journey_of(std::string("fd=") + fd);
    for (const auto& s : j.stages)
      EXPECT_NE(s.stage->lane, Lane::hardware) << fd << " " << s.stage->id;
    EXPECT_EQ(j.totals.blocked_ns, 0) << fd;
  }
}

TEST(Journey, WaitingCostsMoreThanDataReady) {
  for (const char* fd : {"pipe", "tcp", "unix"}) {
    std::string base = std::string("fd=") + fd;
    double ready = total_ns(base);
    double wait = total_ns(base + ",wait=on");
    double eagain = total_ns(base + ",wait=on,nonblock=on");
    EXPECT_GT(wait, 2 * ready) << fd;
    EXPECT_LT(eagain, ready) << fd << ": EAGAIN returns before any copy";
    EXPECT_EQ(journey_of(base + ",wait=on,nonblock=on").path->result, "-1, errno EAGAIN");
  }
}

TEST(Journey, SendfileNeverCopiesToUserSpace) {
  Journey j = journey_of("cache=hit,api=sendfile");
  EXPECT_FALSE(has_stage(j, "copy_to_user"));
  EXPECT_TRUE(has_stage(j, "splice_to_socket"));
}

TEST(Journey, DirectSkipsThePageCache) {
  Journey j = journey_of("direct=on,bytes=4096");
  EXPECT_FALSE(has_stage(j, "page_cache_lookup"));
  EXPECT_FALSE(has_stage(j, "copy_to_user"));
  EXPECT_TRUE(has_stage(j, "device_read"));
}

TEST(Journey, LargerReadsCostMore) {
  EXPECT_GT(total_ns("cache=hit,bytes=1M"), 10 * total_ns("cache=hit,bytes=16"));
  EXPECT_GT(total_ns("cache=miss,bytes=64M"), total_ns("cache=miss,bytes=4096"));
  EXPECT_DOUBLE_EQ(total_ns("cache=hit,bytes=16"), total_ns("cache=hit,bytes=4096"))
      << "within one page nothing scales";
}

TEST(Journey, DeviceChangesOnlyTheDeviceAndDriverStages) {
  Journey nvme = journey_of("cache=miss,device=nvme");
  Journey hdd = journey_of("cache=miss,device=hdd");
  EXPECT_GT(hdd.totals.ns, 50 * nvme.totals.ns);
  EXPECT_TRUE(has_stage(hdd, "scsi_queue_rq"));
  EXPECT_FALSE(has_stage(hdd, "nvme_queue_rq"));
  Journey virtio = journey_of("cache=miss,device=virtio");
  EXPECT_TRUE(has_stage(virtio, "virtio_queue_rq"));
  EXPECT_TRUE(has_stage(virtio, "virtio_irq"));
}

TEST(Journey, ProfileReplacesClockScalesAndDeviceLatency) {
  const Model& m = test_model();
  Profile p;
  p.ghz = 2.0;
  p.scales = {{"trap", 3.0}};
  p.device = "nvme";
  p.device_ns = 50000;
  auto s = parse_scenario("cache=miss", m);
  ASSERT_TRUE(s.ok());
  auto plain = run_journey(m, *s);
  auto profiled = run_journey(m, *s, &p);
  ASSERT_TRUE(plain.ok() && profiled.ok());
  EXPECT_DOUBLE_EQ(profiled->scenario.ghz, 2.0);
  EXPECT_TRUE(profiled->profiled);
  EXPECT_NEAR(find(*profiled, "device_read")->ns, 50000, 1e-6);
  EXPECT_EQ(find(*profiled, "device_read")->source, "measured");
  // A trap stage: 3x the scale and 1.5x the time per cycle.
  EXPECT_NEAR(find(*profiled, "syscall_insn")->ns, find(*plain, "syscall_insn")->ns * 4.5, 1e-9);
  // Explicit options still beat the profile.
  s->ghz = 3.0;
  auto explicit_ghz = run_journey(m, *s, &p);
  EXPECT_DOUBLE_EQ(explicit_ghz->scenario.ghz, 3.0);
}

TEST(Journey, EveryScenarioCombinationHasAPathOrAClearError) {
  const Model& m = test_model();
  int journeys = 0;
  for (const char* op : {"read", "getppid"})
    for (const char* fd : {"file", "pipe", "tcp", "unix"})
      for (const char* cache : {"hit", "miss"})
        for (const char* api : {"read", "pread", "io_uring", "io_uring_sqpoll", "sendfile"})
          for (const char* direct : {"off", "on"})
            for (const char* wait : {"off", "on"})
              for (const char* nonblock : {"off", "on"})
                for (const char* tracer : {"none", "strace"})
                  for (const auto& dev : m.devices) {
                    std::string text = fmt::format(
                        "op={},fd={},cache={},api={},direct={},wait={},nonblock={},tracer={},"
                        "device={},bytes=4096",
                        op, fd, cache, api, direct, wait, nonblock, tracer, dev.id);
                    auto s = parse_scenario(text, m);
                    ASSERT_TRUE(s.ok()) << text;
                    auto j = run_journey(m, *s);
                    if (!j) {
                      EXPECT_FALSE(j.error().field.empty()) << text;
                      EXPECT_NE(j.error().field, "scenario") << "no path for " << text;
                      continue;
                    }
                    ++journeys;
                    EXPECT_GT(j->totals.ns, 0) << text;
                  }
  EXPECT_GT(journeys, 1000);
}

TEST(Sampling, PercentilesAreDeterministicAndOrdered) {
  Journey j = journey_of("cache=miss");
  Percentiles a = sample_totals(j, 2000, 42);
  Percentiles b = sample_totals(j, 2000, 42);
  Percentiles c = sample_totals(j, 2000, 43);
  EXPECT_DOUBLE_EQ(a.p50_ns, b.p50_ns);
  EXPECT_NE(a.p50_ns, c.p50_ns);
  EXPECT_LT(a.p50_ns, a.p99_ns);
  EXPECT_GT(a.p50_ns, j.totals.low_ns);
  EXPECT_LT(a.p99_ns, j.totals.high_ns);
}

TEST(Compare, RatioAndRowsFromBothSides) {
  Journey hit = journey_of("cache=hit");
  Journey miss = journey_of("cache=miss");
  Comparison c = compare(hit, miss);
  EXPECT_NEAR(c.ratio, miss.totals.ns / hit.totals.ns, 1e-9);
  std::set<std::string> ids;
  for (const auto& r : c.rows) ids.insert(r.id);
  EXPECT_TRUE(ids.count("device_read"));
  EXPECT_TRUE(ids.count("readahead_check"));
  for (const auto& r : c.rows) {
    if (r.id == "device_read") {
      EXPECT_FALSE(r.a_ns.has_value());
      EXPECT_TRUE(r.b_ns.has_value());
    }
  }
}

TEST(Journey, TheDispatchNamesTheSystemCallReallyMade) {
  auto dispatch_of = [](const std::string& text) {
    for (const auto& st : journey_of(text).stages)
      if (st.stage->id.rfind("dispatch", 0) == 0) return st.stage->id;
    return std::string("none");
  };
  EXPECT_EQ(dispatch_of("cache=hit"), "dispatch");
  EXPECT_EQ(dispatch_of("cache=hit,api=pread"), "dispatch_pread");
  EXPECT_EQ(dispatch_of("cache=hit,api=sendfile"), "dispatch_sendfile");
  EXPECT_EQ(dispatch_of("cache=hit,api=io_uring"), "dispatch_io_uring");
  EXPECT_EQ(dispatch_of("cache=hit,api=io_uring_sqpoll"), "none");  // SQPOLL: no syscall at all
  EXPECT_EQ(dispatch_of("op=getppid"), "dispatch_getppid");
  EXPECT_EQ(dispatch_of("op=clock_gettime"), "dispatch_clock_gettime");
  EXPECT_EQ(dispatch_of("op=write"), "dispatch_write");
  EXPECT_EQ(dispatch_of("op=write,api=pread"), "dispatch_pwrite");
  EXPECT_EQ(dispatch_of("op=fsync"), "dispatch_write");  // the write first, then do_fsync
  EXPECT_EQ(dispatch_of("op=fsync,api=pread"), "dispatch_pwrite");
}

// warm=on (the call repeated back to back) prices every stage that has a warm cost at that cost,
// exactly, and leaves every other stage as it was (taxes too: they are per event). Today only the
// write path has warm costs (file_update_time, ext4_da_write_end), so reads are unchanged.
TEST(Journey, WarmPricesEachStageAtItsWarmCost) {
  for (const char* text : {"op=write", "op=write,fd=file,bytes=1024", "cache=hit", "fd=pipe"}) {
    Journey cold = journey_of(text);
    Journey warm = journey_of(std::string(text) + ",warm=on");
    ASSERT_EQ(cold.stages.size(), warm.stages.size()) << text;
    int warmed = 0;
    for (std::size_t i = 0; i < cold.stages.size(); ++i) {
      const JourneyStage& c = cold.stages[i];
      const JourneyStage& w = warm.stages[i];
      ASSERT_EQ(c.stage, w.stage) << text;
      const auto& cost = c.stage->cost;
      const double c_own = c.ns - c.tax_ns - c.vm_ns, w_own = w.ns - w.tax_ns - w.vm_ns;
      if (cost && cost->warm && cost->typ > 0) {
        ++warmed;
        EXPECT_NEAR(w_own, c_own * *cost->warm / cost->typ, 1e-9 * c_own)
            << text << " " << c.stage->id;
      } else {
        EXPECT_DOUBLE_EQ(w_own, c_own) << text << " " << c.stage->id;
      }
      EXPECT_DOUBLE_EQ(w.tax_ns, c.tax_ns) << text << " " << c.stage->id;
    }
    if (std::string(text).rfind("op=write", 0) == 0) {
      EXPECT_GT(warmed, 0) << text << ": a write has warm stages";
      EXPECT_LT(warm.totals.ns, cold.totals.ns) << text;
    } else {
      EXPECT_EQ(warmed, 0) << text;
      EXPECT_DOUBLE_EQ(warm.totals.ns, cold.totals.ns) << text;
    }
  }
}

}  // namespace
}  // namespace sysjourney
