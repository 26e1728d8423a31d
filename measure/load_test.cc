#include "measure/load.h"

#include <gtest/gtest.h>

#include "measure/fake_os.h"

namespace sysjourney::measure {
namespace {

// /proc/stat text for CPUs given as {user, system, idle, steal} ticks; the "cpu" line is their sum.
struct Cpu {
  uint64_t user = 0, system = 0, idle = 0, steal = 0;
};
std::string proc_stat(const std::vector<Cpu>& cpus, int procs_running) {
  Cpu all;
  std::string lines;
  for (size_t i = 0; i < cpus.size(); ++i) {
    const Cpu& c = cpus[i];
    all.user += c.user, all.system += c.system, all.idle += c.idle, all.steal += c.steal;
    lines += "cpu" + std::to_string(i) + " " + std::to_string(c.user) + " 0 " +
             std::to_string(c.system) + " " + std::to_string(c.idle) + " 0 0 0 " +
             std::to_string(c.steal) + " 0 0\n";
  }
  return "cpu  " + std::to_string(all.user) + " 0 " + std::to_string(all.system) + " " +
         std::to_string(all.idle) + " 0 0 0 " + std::to_string(all.steal) + " 0 0\n" + lines +
         "intr 12345 0 0\nctxt 999\nprocs_running " + std::to_string(procs_running) +
         "\nprocs_blocked 0\n";
}

LoadSample sample(const std::vector<Cpu>& cpus, int running, uint64_t own, int64_t delay_ns,
                  int64_t at_ns) {
  LoadSample s;
  EXPECT_TRUE(parse_proc_stat(proc_stat(cpus, running), s).ok());
  s.own_ticks = own;
  s.own_delay_ns = delay_ns;
  s.at_ns = at_ns;
  return s;
}

constexpr int64_t kSecond = 1'000'000'000;

TEST(ProcStat, ParsesEveryCpuAndTheRunQueue) {
  LoadSample s;
  ASSERT_TRUE(parse_proc_stat("cpu  10 1 5 100 4 2 3 7 9 0\n"
                              "cpu0 6 1 2 40 4 1 1 3 9 0\n"
                              "cpu1 4 0 3 60 0 1 2 4 0 0\n"
                              "procs_running 3\n",
                              s)
                  .ok());
  EXPECT_EQ(s.all.busy, 16u);   // user + nice + system; guest (9) is inside user already
  EXPECT_EQ(s.all.idle, 104u);  // idle + iowait
  EXPECT_EQ(s.all.irq, 5u);
  EXPECT_EQ(s.all.steal, 7u);
  ASSERT_EQ(s.cpus.size(), 2u);
  EXPECT_EQ(s.cpus[1].busy, 7u);
  EXPECT_EQ(s.cpus[1].steal, 4u);
  EXPECT_EQ(s.procs_running, 3);
}

TEST(ProcStat, WithoutTheCpuLineIsAnError) {
  LoadSample s;
  auto r = parse_proc_stat("intr 1 2 3\n", s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "/proc/stat has no \"cpu\" line");
}

TEST(OwnTicks, CountsUserSystemAndReapedChildren) {
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const std::string stat =
      "4242 (a (b) c) S 1 4242 4242 0 -1 4194304 100 0 0 0 17 5 3 2 20 0 3 0 12345 0 0";
  EXPECT_EQ(parse_own_ticks(stat), std::optional<uint64_t>(17 + 5 + 3 + 2));
  EXPECT_EQ(parse_own_ticks("garbage"), std::nullopt);
  EXPECT_EQ(parse_own_ticks("1 (x) S 1 2"), std::nullopt);
}

TEST(SampleLoad, ReadsProcThroughTheOs) {
  FakeOs os;
  os.files["/proc/stat"] = proc_stat({{10, 5, 100, 0}, {20, 5, 90, 1}}, 2);
  os.files["/proc/self/stat"] = "7 (sysjourney) R 1 7 7 0 -1 0 0 0 0 0 11 4 0 0 20 0 1 0 1 0 0";
  os.files["/proc/thread-self/schedstat"] = "123456 7890 42\n";
  os.files["/proc/loadavg"] = "1.25 0.80 0.50 2/95 4643\n";
  auto s = sample_load(os);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->cpus.size(), 2u);
  EXPECT_EQ(s->own_ticks, std::optional<uint64_t>(15));
  EXPECT_EQ(s->own_delay_ns, std::optional<int64_t>(7890));
  EXPECT_EQ(s->loadavg_1m, std::optional<double>(1.25));
  EXPECT_EQ(s->procs_running, 2);
}

TEST(SampleLoad, OnlyProcStatIsRequired) {
  FakeOs os;
  auto missing = sample_load(os);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "cannot open /proc/stat: No such file or directory");
  os.files["/proc/stat"] = proc_stat({{1, 1, 1, 0}}, 1);
  auto s = sample_load(os);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->own_ticks);
  EXPECT_FALSE(s->own_delay_ns);
  EXPECT_FALSE(s->loadavg_1m);
}

// Two CPUs, the probes pinned to CPU 1, a one-second round of 100 ticks per CPU.
struct Round {
  Cpu cpu0, cpu1;
  uint64_t own = 0;
  int64_t delay_ns = 0;
  int running = 1;
};
LoadVerdict judge_round(const Round& r) {
  const LoadSample before = sample({{0, 0, 0, 0}, {0, 0, 0, 0}}, 1, 0, 0, 0);
  const LoadSample after = sample({r.cpu0, r.cpu1}, r.running, r.own, r.delay_ns, kSecond);
  return judge_load(load_between(before, after, 1));
}

TEST(JudgeLoad, AQuietRoundIsClean) {
  // The probes kept CPU 1 busy themselves; CPU 0 idled.
  const LoadVerdict v = judge_round({.cpu0 = {2, 1, 97, 0}, .cpu1 = {40, 50, 10, 0}, .own = 90});
  EXPECT_FALSE(v.busy) << v.reason;
  EXPECT_EQ(v.reason, "");
  EXPECT_EQ(v.probe_cpu_pct, 0);
  EXPECT_EQ(v.other_cpus_pct, 3);
}

// A round that one limit finds busy: the figure it measured and the reason it gives.
struct BusyRound {
  const char* name;
  Round round;
  double LoadVerdict::*figure;
  double value;
  const char* reason;
};
// gtest prints a failing case by its name, not as a byte dump.
void PrintTo(const BusyRound& c, std::ostream* os) { *os << c.name; }

class JudgeLoadBusy : public testing::TestWithParam<BusyRound> {};

TEST_P(JudgeLoadBusy, SaysWhy) {
  const BusyRound& c = GetParam();
  const LoadVerdict v = judge_round(c.round);
  EXPECT_TRUE(v.busy);
  EXPECT_EQ(v.*c.figure, c.value);
  EXPECT_EQ(v.reason, c.reason);
}

INSTANTIATE_TEST_SUITE_P(
    JudgeLoad, JudgeLoadBusy,
    testing::Values(
        BusyRound{"StealIsBusy",
                  {.cpu0 = {0, 0, 90, 10}, .cpu1 = {80, 0, 10, 10}, .own = 80},
                  &LoadVerdict::steal_pct,
                  10,
                  "the hypervisor gave 10% of the CPU time to something else (steal)"},
        BusyRound{
            "WaitingForTheProbeCpuIsBusy",
            {.cpu0 = {0, 0, 100, 0}, .cpu1 = {90, 0, 10, 0}, .own = 90, .delay_ns = kSecond / 4},
            &LoadVerdict::delay_pct,
            25,
            "the timing thread waited 25% of the time for its CPU"},
        // CPU 1 ran 90 ticks, 60 of them ours.
        BusyRound{"OtherProcessesOnTheProbeCpuAreBusy",
                  {.cpu0 = {0, 0, 100, 0}, .cpu1 = {80, 10, 10, 0}, .own = 60},
                  &LoadVerdict::probe_cpu_pct,
                  30,
                  "other processes used 30% of the probe CPU"},
        BusyRound{"OtherProcessesOnTheOtherCpusAreBusy",
                  {.cpu0 = {70, 10, 20, 0}, .cpu1 = {50, 0, 50, 0}, .own = 50},
                  &LoadVerdict::other_cpus_pct,
                  80,
                  "other processes used 80% of the other CPUs"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(JudgeLoad, AFullRunQueueIsBusyAndReasonsAdd) {
  // procs_running 4 at the end (3 besides us), 1 at the start: 1.5 others on average on 2 CPUs
  // is not full; 5 at the end (2.0 on average) is.
  EXPECT_FALSE(
      judge_round({.cpu0 = {0, 0, 100, 0}, .cpu1 = {50, 0, 50, 0}, .own = 50, .running = 4}).busy);
  const LoadVerdict v =
      judge_round({.cpu0 = {0, 0, 90, 10}, .cpu1 = {50, 0, 50, 0}, .own = 50, .running = 5});
  EXPECT_TRUE(v.busy);
  EXPECT_EQ(v.run_queue, 2);
  EXPECT_EQ(v.reason,
            "the hypervisor gave 5% of the CPU time to something else (steal); "
            "2.0 other tasks were ready to run on 2 CPUs");
}

TEST(JudgeLoad, AFewTicksAreNoise) {
  // A 20-tick round: 2 foreign ticks are 10% of CPU 0 but below the minimum to count.
  const LoadSample before = sample({{0, 0, 0, 0}, {0, 0, 0, 0}}, 1, 0, 0, 0);
  const LoadSample after = sample({{2, 0, 18, 0}, {10, 0, 10, 0}}, 1, 10, 0, kSecond / 5);
  LoadLimits limits;
  limits.other_cpus_pct = 5;
  const LoadVerdict v = judge_load(load_between(before, after, 1), limits);
  EXPECT_FALSE(v.busy) << v.reason;
  EXPECT_EQ(v.other_cpus_pct, 10);
}

TEST(LoadBetween, UnpinnedCountsTheWholeMachineAsTheProbeCpu) {
  const LoadSample before = sample({{0, 0, 0, 0}, {0, 0, 0, 0}}, 1, 0, 0, 0);
  const LoadSample after = sample({{30, 0, 70, 0}, {50, 0, 50, 0}}, 1, 50, 0, kSecond);
  const LoadDelta d = load_between(before, after, -1);
  EXPECT_EQ(d.probe_cpu.busy, 80u);
  EXPECT_EQ(d.other_cpus.total(), 0u);
  EXPECT_EQ(judge_load(d).probe_cpu_pct, 15);  // 30 foreign ticks of 200
}

TEST(LoadBetween, SumsOverRounds) {
  const LoadSample a = sample({{0, 0, 0, 0}, {0, 0, 0, 0}}, 1, 0, 0, 0);
  const LoadSample b = sample({{0, 0, 100, 0}, {50, 0, 50, 0}}, 1, 50, 1000, kSecond);
  const LoadSample c = sample({{0, 0, 200, 0}, {100, 0, 100, 0}}, 3, 100, 3000, 2 * kSecond);
  LoadDelta d = load_between(a, b, 1);
  d += load_between(b, c, 1);
  EXPECT_EQ(d.wall_ns, 2 * kSecond);
  EXPECT_EQ(d.probe_cpu.busy, 100u);
  EXPECT_EQ(d.own_ticks, std::optional<uint64_t>(100));
  EXPECT_EQ(d.own_delay_ns, std::optional<int64_t>(3000));
  EXPECT_EQ(d.running_samples, 4);
  EXPECT_EQ(judge_load(d).run_queue, 0.5);  // others: 0, 0, 0, 2
}

}  // namespace
}  // namespace sysjourney::measure
