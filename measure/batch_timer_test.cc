#include "measure/batch_timer.h"

#include <gtest/gtest.h>

#include "measure/fake_os.h"
#include "measure/stats.h"

namespace sysjourney::measure {
namespace {

// An op that costs exactly the next scripted latency on the fake clock.
auto costing(FakeOs& os, std::vector<int64_t> latencies) {
  return [&os, latencies, i = size_t{0}]() mutable {
    os.advance(latencies[i++ % latencies.size()]);
    return Status(Done{});
  };
}

TEST(TimerOverhead, IsTheGapBetweenTwoClockReads) {
  FakeOs os;
  os.clock_cost_ns = 37;
  EXPECT_EQ(timer_overhead_ns(os, 100), 37);
}

TEST(PerOpNs, SubtractsOverheadAndDivides) {
  EXPECT_EQ(per_op_ns(1020, 20, 10), 100);
  EXPECT_EQ(per_op_ns(10, 20, 10), 0);  // noise below the overhead is not a negative cost
  EXPECT_EQ(per_op_ns(100, 0, 0), 0);
}

TEST(TimeBatches, RemovesTheTimerOverhead) {
  FakeOs os;
  os.clock_cost_ns = 25;
  const SamplePlan plan{
      .batch = 1, .warmup = 1, .samples = 20, .overhead_ns = timer_overhead_ns(os, 10)};
  auto r = time_batches(os, plan, costing(os, {100}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->per_op_ns.size(), 20u);
  const Summary s = summarize(r->per_op_ns);
  EXPECT_EQ(s.median, 100);
  EXPECT_EQ(s.p99, 100);
}

TEST(TimeBatches, WithoutOverheadSubtractionTheClockShows) {
  FakeOs os;
  os.clock_cost_ns = 25;
  const SamplePlan plan{.batch = 1, .samples = 10, .overhead_ns = 0};
  auto r = time_batches(os, plan, costing(os, {100}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(summarize(r->per_op_ns).median, 125);
}

TEST(TimeBatches, ABatchAveragesItsCalls) {
  FakeOs os;
  const SamplePlan plan{.batch = 10, .samples = 8, .overhead_ns = timer_overhead_ns(os, 10)};
  auto r = time_batches(os, plan, costing(os, {50, 150}));
  ASSERT_TRUE(r.ok());
  for (double v : r->per_op_ns) EXPECT_EQ(v, 100);
  EXPECT_EQ(r->ops, 80);
}

TEST(TimeBatches, SingleCallsKeepTheTail) {
  FakeOs os;
  // 1 in 50 calls is slow: with one call per batch p99 sees it, the median does not.
  std::vector<int64_t> latencies(49, 100);
  latencies.push_back(9000);
  const SamplePlan plan{
      .batch = 1, .warmup = 0, .samples = 200, .overhead_ns = timer_overhead_ns(os, 10)};
  auto r = time_batches(os, plan, costing(os, latencies));
  ASSERT_TRUE(r.ok());
  const Summary s = summarize(r->per_op_ns);
  EXPECT_EQ(s.median, 100);
  EXPECT_EQ(s.p99, 9000);
}

TEST(TimeBatches, OpsPerCallDivideTheBatch) {
  FakeOs os;
  // One call = 8 reads costing 800 ns in all: 100 ns per read.
  const SamplePlan plan{
      .batch = 2, .ops_per_call = 8, .samples = 5, .overhead_ns = timer_overhead_ns(os, 10)};
  auto r = time_batches(os, plan, costing(os, {800}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(summarize(r->per_op_ns).median, 100);
  EXPECT_EQ(r->ops, 5 * 2 * 8);
}

TEST(TimeBatches, WarmupIsNotTimed) {
  FakeOs os;
  const SamplePlan plan{
      .batch = 1, .warmup = 3, .samples = 5, .overhead_ns = timer_overhead_ns(os, 10)};
  int calls = 0;
  auto r = time_batches(os, plan, [&] {
    os.advance(++calls <= 3 ? 50'000 : 100);  // the first calls are slow: cold caches
    return Status(Done{});
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->per_op_ns.size(), 5u);
  EXPECT_EQ(summarize(r->per_op_ns).max, 100);
}

TEST(TimeBatches, PrepareIsNotTimed) {
  FakeOs os;
  int prepared = 0;
  const SamplePlan plan{.batch = 4, .samples = 6, .overhead_ns = timer_overhead_ns(os, 10)};
  auto r = time_batches(
      os, plan,
      [&] {
        ++prepared;
        os.advance(1'000'000);
        return Status(Done{});
      },
      costing(os, {70}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(prepared, 7);  // one warm-up batch + six timed
  EXPECT_EQ(summarize(r->per_op_ns).max, 70);
}

TEST(TimeBatches, StopsAtTheBudgetButKeepsTheMinimum) {
  FakeOs os;
  const SamplePlan plan{
      .batch = 1, .warmup = 0, .samples = 1000, .min_samples = 4, .budget_ns = 1'000'000};
  // 600 us per call: the budget is gone after two, the minimum still asks for four.
  auto r = time_batches(os, plan, costing(os, {600'000}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->per_op_ns.size(), 4u);
}

TEST(TimeBatches, AFailingCallStopsTheRun) {
  FakeOs os;
  int calls = 0;
  const SamplePlan plan{.batch = 3, .samples = 10};
  auto r = time_batches(os, plan, [&]() -> Status {
    if (++calls == 5) return os_error("pread", "fd 3", EIO);
    return Done{};
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot pread fd 3: Input/output error");
  EXPECT_EQ(errno_of(r.error()), EIO);
  EXPECT_EQ(calls, 5);
}

}  // namespace
}  // namespace sysjourney::measure
