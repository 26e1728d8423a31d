// The relevance table against the engine: an option said to have no effect must not change the
// journey, an option said to matter must change it for some value, and a value the table
// withholds must be one resolve() refuses.
#include "relevance.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.h"

namespace sysjourney {
namespace {

// Each option's values to try: a choice's or a flag's own, a few for the numbers.
std::vector<std::string> values_to_try(const OptionSpec& o, const Model& m) {
  if (o.kind != OptionKind::number) return allowed_values(o, m);
  if (std::string(o.name) == "bytes") return {"0", "16", "4096", "1048576"};
  if (std::string(o.name) == "batch") return {"1", "8"};
  return {"2", "4"};  // ghz
}

// What a journey is, for "did this option change it": its stages and their times.
std::vector<std::pair<std::string, double>> shape_of(const Journey& j) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& s : j.stages) out.emplace_back(s.stage->id, s.ns);
  return out;
}

std::string scenario_text_of(const std::map<std::string, std::string>& values) {
  std::string out;
  for (const auto& [k, v] : values) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

struct Outcome {
  bool ok = false;
  std::vector<std::pair<std::string, double>> shape;
  std::map<std::string, std::string> values;
};

Outcome run(const Scenario& s) {
  const Model& m = test_model();
  Outcome r;
  auto j = run_journey(m, s);
  if (!j) return r;
  r.ok = true;
  r.shape = shape_of(*j);
  r.values = clause_values(j->scenario);
  return r;
}

const OptionSpec& spec_of(const std::string& name) {
  const auto& options = scenario_options();
  return *std::find_if(options.begin(), options.end(),
                       [&](const OptionSpec& o) { return name == o.name; });
}

// The option set to each of its other values, where that runs: value -> outcome.
std::vector<std::pair<std::string, Outcome>> others(const Scenario& base,
                                                    const std::string& option) {
  const Model& m = test_model();
  std::vector<std::pair<std::string, Outcome>> out;
  for (const auto& v : values_to_try(spec_of(option), m)) {
    Scenario s = base;
    if (!set_option(s, option, v, m)) continue;
    Outcome after = run(s);
    if (after.ok) out.emplace_back(v, std::move(after));  // refused: nothing to compare
  }
  return out;
}

// The scenarios to test from: every combination of the options that steer the path. A baseline
// ignores the I/O options, so it gets one scenario of its own.
std::vector<Scenario> base_scenarios() {
  const Model& m = test_model();
  const std::vector<std::pair<const char*, std::vector<const char*>>> axes = {
      {"fd", {"file", "pipe", "tcp", "unix"}},
      {"cache", {"hit", "miss"}},
      {"direct", {"off", "on"}},
      {"sync", {"none", "dsync"}},
      {"full", {"off", "on"}},
      {"wait", {"off", "on"}},
      {"nonblock", {"off", "on"}},
      {"api", {"read", "io_uring", "sendfile"}},
      {"bytes", {"4096", "0"}},
      {"kpti", {"off", "on"}}};
  std::vector<Scenario> out;
  for (const char* op : {"function_call", "vdso_clock_gettime", "clock_gettime", "getppid"}) {
    Scenario s;
    EXPECT_TRUE(set_option(s, "op", op, m));
    out.push_back(s);
  }
  std::size_t combinations = 1;
  for (const auto& axis : axes) combinations *= axis.second.size();
  for (const char* op : {"read", "write", "fsync", "fdatasync"}) {
    for (std::size_t n = 0; n < combinations; ++n) {
      Scenario s;
      bool ok = bool(set_option(s, "op", op, m));
      std::size_t rest = n;
      for (const auto& [key, values] : axes) {
        ok = ok && bool(set_option(s, key, values[rest % values.size()], m));
        rest /= values.size();
      }
      if (ok && run_journey(m, s)) out.push_back(s);
    }
  }
  return out;
}

TEST(Relevance, OneEntryPerOptionInTheTablesOrder) {
  const auto& table = option_relevance();
  ASSERT_EQ(table.size(), scenario_options().size());
  for (std::size_t i = 0; i < table.size(); ++i)
    EXPECT_EQ(table[i].option, scenario_options()[i].name);
}

TEST(Relevance, EveryClauseNamesAnOptionAndItsValues) {
  const Model& m = test_model();
  std::vector<std::string> clauses;
  for (const auto& r : option_relevance()) {
    clauses.insert(clauses.end(), r.applies.begin(), r.applies.end());
    for (const auto& inert : r.inert)
      clauses.insert(clauses.end(), inert.when.begin(), inert.when.end());
    const auto values = allowed_values(spec_of(r.option), m);
    for (const auto& [value, when] : r.values) {
      EXPECT_TRUE(std::find(values.begin(), values.end(), value) != values.end())
          << r.option << " has no value " << value;
      clauses.insert(clauses.end(), when.begin(), when.end());
    }
  }
  for (const auto& text : clauses) {
    auto c = parse_clause(text);
    ASSERT_TRUE(c) << text;
    const auto& options = scenario_options();
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const OptionSpec& o) { return c->key == o.name; });
    ASSERT_NE(it, options.end()) << text << ": no option " << c->key;
    if (it->kind == OptionKind::number) continue;
    const auto values = allowed_values(*it, m);
    for (const auto& v : c->values)
      EXPECT_TRUE(std::find(values.begin(), values.end(), v) != values.end())
          << text << ": " << c->key << " has no value " << v;
  }
}

TEST(Relevance, ClausesHold) {
  const std::map<std::string, std::string> v = {{"fd", "tcp"}};
  EXPECT_TRUE(holds("fd!=file|pipe", v));
  EXPECT_FALSE(holds("fd=file|pipe", v));
  EXPECT_FALSE(holds("op=read", v));  // an option the scenario does not hold
}

TEST(Relevance, AnOptionWithoutEffectLeavesTheJourneyAsItIs) {
  int checked = 0;
  for (const Scenario& base : base_scenarios()) {
    const Outcome before = run(base);
    ASSERT_TRUE(before.ok);
    for (const auto& rule : option_relevance()) {
      Relevance rel = relevance_of(rule, before.values);
      if (const InertRule* same = first_holding(rule.same, before.values))
        rel = {true, false, same->reason};
      if (rel.applies && rel.enabled) continue;
      EXPECT_FALSE(rel.reason.empty()) << rule.option;
      for (const auto& [v, after] : others(base, rule.option)) {
        ++checked;
        EXPECT_EQ(after.shape, before.shape)
            << rule.option << "=" << v << " changed the journey of "
            << scenario_text_of(before.values) << " although the table says: " << rel.reason;
      }
    }
  }
  EXPECT_GT(checked, 500);
}

// The option back at its default, as a permalink that leaves it out means.
void reset(Scenario& s, const std::string& option) {
  const Scenario d;
  if (option == "device")
    s.device = d.device;
  else if (option == "cpu")
    s.cpu = d.cpu;
  else if (option == "ghz")
    s.ghz = d.ghz;
  else if (option == "kpti")
    s.kpti = d.kpti;
  else if (option == "pcid")
    s.pcid = d.pcid;
  else if (option == "cache")
    s.cache = d.cache, s.cache_given = false;
  else if (option == "op")
    s.op = d.op;
  else if (option == "fd")
    s.fd = d.fd;
  else if (option == "bytes")
    s.bytes = d.bytes;
  else if (option == "tracer")
    s.tracer = d.tracer;
  else if (option == "api")
    s.api = d.api;
  else if (option == "batch")
    s.batch = d.batch;
  else if (option == "direct")
    s.direct = d.direct;
  else if (option == "wait")
    s.wait = d.wait;
  else if (option == "nonblock")
    s.nonblock = d.nonblock;
  else if (option == "sync")
    s.sync = d.sync;
  else if (option == "full")
    s.full = d.full;
  else if (option == "warm")
    s.warm = d.warm;
  else
    ADD_FAILURE() << "reset() does not know option " << option;
}

// The page leaves every option that does not apply or has no effect out of the permalink; the
// engine then takes their defaults, which must run and give the same journey.
TEST(Relevance, APermalinkWithoutTheOptionsGivesTheSameJourney) {
  int checked = 0;
  for (const Scenario& base : base_scenarios()) {
    const Outcome before = run(base);
    Scenario s = base;
    std::string left_out;
    for (const auto& rule : option_relevance()) {
      Relevance rel = relevance_of(rule, before.values);
      if (rel.applies && rel.enabled) continue;
      reset(s, rule.option);
      left_out += " " + rule.option;
    }
    if (left_out.empty()) continue;
    ++checked;
    const Outcome after = run(s);
    EXPECT_TRUE(after.ok) << "without" << left_out << ", " << scenario_text_of(before.values)
                          << " is refused";
    EXPECT_EQ(after.shape, before.shape)
        << "without" << left_out << ", " << scenario_text_of(before.values) << " changes";
  }
  EXPECT_GT(checked, 200);
}

TEST(Relevance, AnOptionThatMattersChangesTheJourneyForSomeValue) {
  int checked = 0;
  for (const Scenario& base : base_scenarios()) {
    const Outcome before = run(base);
    for (const auto& rule : option_relevance()) {
      Relevance rel = relevance_of(rule, before.values);
      if (!rel.applies || !rel.enabled || first_holding(rule.same, before.values)) continue;
      bool changed = false, tried = false;
      for (const auto& [v, after] : others(base, rule.option)) {
        if (after.values == before.values) continue;  // the value it already had
        tried = true;
        changed = changed || after.shape != before.shape;
      }
      if (!tried) continue;  // no other value runs here
      ++checked;
      EXPECT_TRUE(changed) << rule.option << " has no effect on " << scenario_text_of(before.values)
                           << ", but the table says it matters";
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(Relevance, AValueWithheldIsOneResolveRefuses) {
  const Model& m = test_model();
  int withheld = 0;
  for (const Scenario& base : base_scenarios()) {
    const Outcome before = run(base);
    for (const auto& rule : option_relevance()) {
      if (!relevance_of(rule, before.values).applies) continue;  // resolve() ignores it
      for (const auto& [value, when] : rule.values) {
        if (value_offered(rule, value, before.values)) continue;
        ++withheld;
        Scenario s = base;
        ASSERT_TRUE(set_option(s, rule.option, value, m));
        EXPECT_FALSE(resolve(s, m))
            << rule.option << "=" << value << " runs with " << scenario_text_of(before.values)
            << ", but the table withholds it";
      }
    }
  }
  EXPECT_GT(withheld, 100);
}

}  // namespace
}  // namespace sysjourney
