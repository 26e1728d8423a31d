#include "measure/rounds.h"

#include <gtest/gtest.h>

#include "measure/fake_os.h"

namespace sysjourney::measure {
namespace {

// Successive /proc/stat snapshots of a two-CPU machine: each interval adds 100 ticks per CPU,
// `steal` of them stolen by the hypervisor. One snapshot per sample_load() call, in order.
std::vector<std::string> snapshots(const std::vector<uint64_t>& steal_per_interval) {
  std::vector<std::string> out;
  uint64_t busy = 0, idle = 0, steal = 0;
  auto snapshot = [&] {
    const std::string cpu = std::to_string(busy) + " 0 0 " + std::to_string(idle) + " 0 0 0 " +
                            std::to_string(steal) + " 0 0\n";
    const std::string all = std::to_string(2 * busy) + " 0 0 " + std::to_string(2 * idle) +
                            " 0 0 0 " + std::to_string(2 * steal) + " 0 0\n";
    out.push_back("cpu  " + all + "cpu0 " + cpu + "cpu1 " + cpu + "procs_running 1\n");
  };
  snapshot();
  for (uint64_t s : steal_per_interval) {
    busy += 10, steal += s, idle += 90 - s;
    snapshot();
  }
  return out;
}

struct Script {
  FakeOs os;
  std::vector<int> asked;  // the round number of every run_round call, in order
  int calls = 0;

  explicit Script(const std::vector<uint64_t>& steal) {
    if (!steal.empty()) os.read_script["/proc/stat"] = snapshots(steal);
  }
  // Each round yields one probe whose only sample is the call's number: what was kept shows.
  // `work`: what each timing of the CPU work takes, in order (none: not timed).
  RoundsRun run(const RoundPolicy& policy, std::vector<double> work = {}) {
    size_t timed = 0;
    std::function<double()> cpu_work;
    if (!work.empty()) cpu_work = [&] { return work.at(timed++); };
    return run_rounds(
        os, policy, 1,
        [&](int round) {
          asked.push_back(round);
          Samples s;
          s.per_op_ns = {static_cast<double>(calls++)};
          s.ops = 1;
          return RoundResult{s};
        },
        cpu_work);
  }
};

std::vector<double> kept_calls(const RoundsRun& r) {
  std::vector<double> out;
  for (const RoundResult& round : r.kept) out.push_back(round.at(0)->per_op_ns.at(0));
  return out;
}

constexpr RoundPolicy kPolicy{.rounds = 3, .max_retries = 2, .retry_wait_ns = 250'000'000};

TEST(Rounds, AQuietMachineRunsEachRoundOnce) {
  Script s({0, 0, 0});
  const RoundsRun r = s.run(kPolicy);
  EXPECT_EQ(s.asked, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(kept_calls(r), (std::vector<double>{0, 1, 2}));
  EXPECT_TRUE(r.load.known);
  EXPECT_FALSE(r.load.busy);
  EXPECT_EQ(r.load.reason, "");
  EXPECT_EQ(r.load.rounds, 3);
  EXPECT_EQ(r.load.retries, 0);
  EXPECT_EQ(r.load.cpu, 1);
  EXPECT_EQ(r.load.cpus, 2);
  EXPECT_EQ(s.os.calls["sleep"], 0);
}

TEST(Rounds, ABusyRoundIsDroppedAndRunAgainAfterAPause) {
  // Samples: start | round 0 | round 1 (busy) | after the pause | round 1 again | round 2.
  Script s({0, 20, 0, 0, 0});
  const RoundsRun r = s.run(kPolicy);
  EXPECT_EQ(s.asked, (std::vector<int>{0, 1, 1, 2}));
  EXPECT_EQ(kept_calls(r), (std::vector<double>{0, 2, 3}));  // call 1 was the busy one
  EXPECT_FALSE(r.load.busy) << r.load.reason;
  EXPECT_EQ(r.load.retries, 1);
  EXPECT_EQ(r.load.busy_rounds, 0);
  EXPECT_EQ(s.os.calls["sleep"], 1);
  EXPECT_EQ(s.os.slept_ns, 250'000'000);
  EXPECT_EQ(r.load.waited_s, 0.25);
  EXPECT_EQ(r.load.steal_pct, 0);  // of the kept rounds only
}

TEST(Rounds, ThePauseBelongsToNoRound) {
  // Round 0 is busy, and so is the pause after it; round 0 run again is quiet.
  Script s({20, 80, 0, 0, 0});
  const RoundsRun r = s.run(kPolicy);
  EXPECT_EQ(s.asked, (std::vector<int>{0, 0, 1, 2}));
  EXPECT_FALSE(r.load.busy) << r.load.reason;
  EXPECT_EQ(r.load.steal_pct, 0);
}

TEST(Rounds, RetriesAreBoundedAndBusyRoundsAreNamed) {
  // Busy throughout: round 0 is tried three times, then every round is kept as it is.
  Script s({30, 30, 30, 30, 30, 30, 30, 30, 30});
  const RoundsRun r = s.run(kPolicy);
  EXPECT_EQ(s.asked, (std::vector<int>{0, 0, 0, 1, 2}));
  EXPECT_EQ(kept_calls(r), (std::vector<double>{2, 3, 4}));
  EXPECT_TRUE(r.load.known);
  EXPECT_TRUE(r.load.busy);
  EXPECT_EQ(r.load.retries, 2);
  EXPECT_EQ(r.load.busy_rounds, 3);
  EXPECT_EQ(r.load.steal_pct, 30);
  EXPECT_EQ(r.load.reason,
            "the hypervisor gave 30% of the CPU time to something else (steal)"
            " (3 of 3 rounds busy after 2 retries)");
  EXPECT_EQ(s.os.calls["sleep"], 2);
}

TEST(Rounds, NoRetriesMeansBusyRoundsAreKeptAtOnce) {
  Script s({0, 30, 0});
  RoundPolicy policy = kPolicy;
  policy.max_retries = 0;
  const RoundsRun r = s.run(policy);
  EXPECT_EQ(s.asked, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(r.load.busy);
  EXPECT_EQ(r.load.busy_rounds, 1);
  EXPECT_EQ(s.os.calls["sleep"], 0);
}

TEST(Rounds, WithoutProcTheRoundsStillRunAndTheLoadIsUnknown) {
  Script s({});
  const RoundsRun r = s.run(kPolicy);
  EXPECT_EQ(s.asked, (std::vector<int>{0, 1, 2}));
  EXPECT_FALSE(r.load.known);
  EXPECT_FALSE(r.load.busy);
  EXPECT_EQ(r.load.reason,
            "the load could not be read: cannot open /proc/stat: No such file or directory");
  EXPECT_EQ(r.load.rounds, 3);
}

TEST(Rounds, ACpuThatSlowsIsBusyToo) {
  // Timings of the CPU work: start | round 0 | round 1 (50% slower) | after the pause | round 1
  // again | round 2. /proc sees nothing.
  Script s({0, 0, 0, 0, 0});
  const RoundsRun r = s.run(kPolicy, {100, 100, 150, 100, 100, 101});
  EXPECT_EQ(s.asked, (std::vector<int>{0, 1, 1, 2}));
  EXPECT_EQ(r.load.retries, 1);
  EXPECT_FALSE(r.load.busy) << r.load.reason;
  EXPECT_NEAR(r.load.cpu_slowdown_pct, 1, 1e-9);
}

TEST(Rounds, ASlowStartShowsOnceTheCpuIsFaster) {
  // Rounds 0 and 1 ran at 150, as fast as anything seen then; round 2 shows the CPU can do 100.
  Script s({0, 0, 0});
  RoundPolicy policy = kPolicy;
  policy.max_retries = 0;
  const RoundsRun r = s.run(policy, {150, 150, 150, 100});
  EXPECT_EQ(s.asked, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(r.load.known);
  EXPECT_TRUE(r.load.busy);
  EXPECT_EQ(r.load.busy_rounds, 3);  // the last one started at 150 too
  EXPECT_EQ(r.load.cpu_slowdown_pct, 50);
  EXPECT_EQ(r.load.reason,
            "the CPU ran 50% slower than at its fastest in this run, with no load this machine "
            "can see (the host's other guests?) (3 of 3 rounds busy after 0 retries)");
}

TEST(Rounds, ASlowCpuShowsWithoutProc) {
  Script s({});
  RoundPolicy policy = kPolicy;
  policy.max_retries = 0;
  const RoundsRun r = s.run(policy, {100, 100, 200, 100});
  EXPECT_FALSE(r.load.known);
  EXPECT_TRUE(r.load.busy);
  EXPECT_EQ(r.load.busy_rounds, 2);  // round 1 ended at 200, round 2 started there
}

TEST(Rounds, AtLeastOneRound) {
  Script s({0});
  RoundPolicy policy = kPolicy;
  policy.rounds = 0;
  EXPECT_EQ(s.run(policy).kept.size(), 1u);
}

}  // namespace
}  // namespace sysjourney::measure
