// The default presets against published and measured figures (reference/stage-costs.md).
// Each check names its source id; ranges are the published ones, not our own outputs.
#include <gtest/gtest.h>

#include "test_util.h"

namespace sysjourney {
namespace {

TEST(Figures, BareSyscallIsAbout100ns) {  // M-XEON getppid 115 ns, ENOSYS 102 ns; KEV 93 ns
  double ns = total_ns("op=getppid");
  EXPECT_GE(ns, 85);
  EXPECT_LE(ns, 150);
}

TEST(Figures, CacheHitReadIsAboutAThirdOfAMicrosecond) {  // M-XEON 311 ns (~930 cycles)
  Journey j = journey_of("cache=hit");
  EXPECT_GE(j.totals.ns, 250);
  EXPECT_LE(j.totals.ns, 400);
  EXPECT_GE(j.totals.cycles, 750);
  EXPECT_LE(j.totals.cycles, 1200);
}

TEST(Figures, HitAgainstTheBaselines) {  // M-XEON: ~3x null syscall, ~11x vDSO, ~220x a call
  double hit = total_ns("cache=hit");
  EXPECT_NEAR(hit / total_ns("op=getppid"), 2.7, 0.8);
  EXPECT_NEAR(hit / total_ns("op=vdso_clock_gettime"), 11, 4);
  EXPECT_NEAR(hit / total_ns("op=function_call"), 220, 90);
}

TEST(Figures, VdsoIsTensOfNanoseconds) {  // M-XEON 28 ns; KEV 20 ns
  double ns = total_ns("op=vdso_clock_gettime");
  EXPECT_GE(ns, 15);
  EXPECT_LE(ns, 40);
}

TEST(Figures, FunctionCallIsAboutOneNanosecond) {  // M-XEON 1.4 ns
  double ns = total_ns("op=function_call");
  EXPECT_GE(ns, 0.5);
  EXPECT_LE(ns, 3);
}

TEST(Figures, PipeReadWithDataIsAboutOneSyscallMore) {  // M-XEON 229 ns
  double ns = total_ns("fd=pipe");
  EXPECT_GE(ns, 180);
  EXPECT_LE(ns, 300);
}

TEST(Figures, NvmeMissIs40To110Microseconds) {  // ANAND 78-108 us (2017 NAND); current TLC 40-80 us (E)
  double ns = total_ns("cache=miss,device=nvme");
  EXPECT_GE(ns, 40000);
  EXPECT_LE(ns, 110000);
}

TEST(Figures, HddMissIsAbout12Milliseconds) {  // HGST 8.2 ms seek + IBM 4.17 ms rotation
  double ns = total_ns("cache=miss,device=hdd");
  EXPECT_GE(ns, 10e6);
  EXPECT_LE(ns, 15e6);
}

TEST(Figures, OptaneMissIsAbout10Microseconds) {  // ANAND 8.9 us QD1
  double ns = total_ns("cache=miss,device=optane");
  EXPECT_GE(ns, 9000);
  EXPECT_LE(ns, 25000);
}

TEST(Figures, MissAgainstHit) {  // stage-costs.md: 250-350x on NAND, ~40,000x on HDD
  double hit = total_ns("cache=hit");
  EXPECT_NEAR(total_ns("cache=miss,device=nvme") / hit, 300, 120);
  EXPECT_NEAR(total_ns("cache=miss,device=hdd") / hit, 40000, 15000);
}

TEST(Figures, KptiAddsHundredsOfCyclesPerSyscall) {  // OTC: 140 -> 580 (PCID) -> 900 (no PCID)
  Journey off = journey_of("op=getppid,kpti=off");
  Journey pcid = journey_of("op=getppid,kpti=on,pcid=on");
  Journey nopcid = journey_of("op=getppid,kpti=on,pcid=off");
  EXPECT_NEAR(pcid.totals.cycles - off.totals.cycles, 440, 150);
  EXPECT_NEAR(nopcid.totals.cycles - off.totals.cycles, 760, 200);
}

TEST(Figures, LegacyIbrsMultipliesTheSyscall) {  // OTC: 2,380 cycles with IBRS
  Journey ibrs = journey_of("op=getppid,cpu=intel_ibrs_legacy");
  EXPECT_GE(ibrs.totals.cycles, 2380);
  EXPECT_LE(ibrs.totals.cycles, 3600);
}

TEST(Figures, StraceAddsTensOfMicrosecondsPerCall) {  // GREGG-ST ~45 us; M-EPYC 53.8 us
  double added = total_ns("cache=hit,tracer=strace") - total_ns("cache=hit");
  EXPECT_GE(added, 30000);
  EXPECT_LE(added, 60000);
}

TEST(Figures, EpycGuestCachedRead) {  // M-EPYC: cached 16 B read 1,372 ns
  double ns = total_ns("cache=hit,cpu=epyc_guest_pti");
  EXPECT_NEAR(ns, 1372, 1372 * 0.3);
}

TEST(Figures, EpycGuestIoUringBatches) {  // M-EPYC: N=8 319 ns, N=32 183 ns, N=128 153 ns per op
  EXPECT_NEAR(total_ns("cache=hit,cpu=epyc_guest_pti,api=io_uring,batch=8"), 319, 319 * 0.35);
  EXPECT_NEAR(total_ns("cache=hit,cpu=epyc_guest_pti,api=io_uring,batch=32"), 183, 183 * 0.35);
  EXPECT_NEAR(total_ns("cache=hit,cpu=epyc_guest_pti,api=io_uring,batch=128"), 153, 153 * 0.35);
}

TEST(Figures, VirtioMissOnAGuest) {  // M-XEON 28 us p50 on virtio-blk; KVMBLK
  double ns = total_ns("cache=miss,cpu=kvm_guest");
  EXPECT_GE(ns, 28000);
  EXPECT_LE(ns, 80000);
}

}  // namespace
}  // namespace sysjourney
