#include "journey.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace sysjourney {

namespace {

constexpr double kPageBytes = 4096;

// Each attribute's value as its index in Model::condition_values (63, a bit no mask sets, for a
// value no condition names), in attribute_keys() order.
using ValueIds = std::array<std::uint8_t, kAttributeCount>;

ValueIds value_ids(const Model& m, const Attributes& attrs) {
  ValueIds ids;
  ids.fill(std::uint8_t(kMaxConditionValues));
  for (std::size_t k = 0; k < attrs.size() && k < m.condition_values.size(); ++k) {
    const auto& named = m.condition_values[k];
    const std::string_view v = attrs[k];
    for (std::size_t i = 0; i < named.size(); ++i) {
      if (named[i] == v) {
        ids[k] = std::uint8_t(i);
        break;
      }
    }
  }
  return ids;
}

bool holds(const Condition& c, const ValueIds& ids) {
  bool in = (c.mask >> ids[std::size_t(c.key_index)]) & 1;
  return c.negate ? !in : in;
}

bool all_hold(const std::vector<Condition>& conds, const ValueIds& ids) {
  for (const Condition& c : conds)
    if (!holds(c, ids)) return false;
  return true;
}

// SplitMix64: tiny, fast, and the same sequence on every platform (std distributions are not).
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
};

double triangular(double low, double typ, double high, double u) {
  if (high <= low) return typ;
  double f = (typ - low) / (high - low);
  if (u < f) return low + std::sqrt(u * (high - low) * (typ - low));
  return high - std::sqrt((1 - u) * (high - low) * (high - typ));
}

// The first path whose conditions hold.
Result<const Path*> select_path(const Model& model, const ResolvedScenario& s,
                                const ValueIds& ids) {
  for (const auto& p : model.paths) {
    if (all_hold(p.when, ids)) return &p;
  }
  std::vector<std::string> pairs;
  for (const auto& [k, v] : scenario_pairs(s)) pairs.push_back(k + "=" + v);
  std::string text = join(pairs, ",");
  return Error{fmt::format("no path in the model serves this scenario ({})", text), "scenario",
               text, "a combination one of the model's paths describes", ""};
}

}  // namespace

Result<Journey> run_journey(const Model& model, const Scenario& scenario, const Profile* profile) {
  Scenario merged;  // copied only when a profile fills in options
  if (profile) {
    // The profile describes the host; explicit options still win.
    merged = scenario;
    Scenario& in = merged;
    if (!in.ghz && profile->ghz) in.ghz = profile->ghz;
    if (!in.kpti && profile->kpti) in.kpti = profile->kpti;
    if (!in.pcid && profile->pcid) in.pcid = profile->pcid;
    if (in.cpu.empty() && !profile->cpu.empty()) in.cpu = profile->cpu;
    if (in.device.empty() && !profile->device.empty()) in.device = profile->device;
  }
  Journey j;
  if (auto e = resolve_into(profile ? merged : scenario, model, j.scenario)) return *e;
  ResolvedScenario* resolved = &j.scenario;
  if (profile && profile->virtualized) resolved->virtualized = *profile->virtualized;
  if (profile && profile->mitigations) {
    resolved->mitigations.clear();
    for (const auto& id : *profile->mitigations) {
      const Mitigation* mi = model.find_mitigation(id);
      if (!mi) {
        return Error{fmt::format("the profile names an unknown mitigation '{}'", id), "mitigations",
                     id, "an id from mechanisms.toml", ""};
      }
      resolved->mitigations.push_back(mi);
    }
  }

  const ResolvedScenario& s = j.scenario;
  const auto attrs = attributes(s);  // one pass for the path choice and every stage
  const ValueIds ids = value_ids(model, attrs);
  auto path = select_path(model, s, ids);
  if (!path) return path.error();
  j.path = *path;
  j.profiled = profile != nullptr;
  const std::map<std::string, double>& scale_map = profile ? profile->scales : s.cpu->scales;
  std::array<double, kMaxScaleClasses> scales{};  // by scale class index
  for (std::size_t k = 0; k < scale_classes().size(); ++k) {
    auto it = scale_map.find(scale_classes()[k]);
    scales[k] = it == scale_map.end() ? 1.0 : it->second;
  }
  static const int device_class =
      int(std::find(scale_classes().begin(), scale_classes().end(), "device") -
          scale_classes().begin());
  auto factor_of = [&](const char* key) {
    auto it = scale_map.find(key);
    return it == scale_map.end() ? 1.0 : it->second;
  };
  const double tax_scale = factor_of("tax"), vm_scale = factor_of("vmexit");
  // Each mitigation's cost per event, summed once: a stage's tax is its counts times these.
  Mitigation per_event;
  auto add = [&](const Mitigation& mi) {
    per_event.call_after_entry += mi.call_after_entry;
    per_event.entry += mi.entry;
    per_event.call += mi.call;
    per_event.ret += mi.ret;
    per_event.indirect += mi.indirect;
    per_event.context_switch += mi.context_switch;
  };
  for (const Mitigation* mi : s.mitigations) add(*mi);
  if (s.kpti && !s.pcid) {  // KPTI without PCID is in force whatever the host reported
    for (const auto& mi : model.mitigations) {
      if (mi.kpti_without_pcid &&
          std::find(s.mitigations.begin(), s.mitigations.end(), &mi) == s.mitigations.end())
        add(mi);
    }
  }
  j.stages.reserve(j.path->items.size());
  static const std::string_view per_names[] = {to_string(Per::read), to_string(Per::batch),
                                               to_string(Per::overlap)};
  const double ghz = s.ghz;
  const int batch = s.in.batch;
  const double bytes = double(s.in.bytes);
  const double extra_pages = std::max(0.0, std::ceil(bytes / kPageBytes) - 1);

  for (const PathItem& item : j.path->items) {
    if (!all_hold(item.when, ids)) continue;
    const Stage* st = &model.stages[item.stage_index];
    const Cost* cost = nullptr;
    if (st->cost) {
      cost = &*st->cost;
    } else {
      std::string_view key = attrs[st->cost_by_index];
      auto it = st->costs.find(key);
      if (it == st->costs.end()) {
        return Error{fmt::format("stage {} has no cost for {}={}", st->id, st->cost_by, key),
                     st->cost_by, std::string(key), "a value with a cost in the model", st->where};
      }
      cost = &it->second;
    }
    double low = cost->low + extra_pages * cost->per_page_low;
    double typ = cost->typ + extra_pages * cost->per_page_typ;
    double high = cost->high + extra_pages * cost->per_page_high;
    if (cost->warm && cost->typ > 0) {  // (typ alone may be > 0 from per-page costs: 0/0)
      // Repeated back to back, every call runs warm; in a batch only the first read finds
      // cold caches.
      double f = 1;
      if (s.in.warm)
        f = *cost->warm / cost->typ;
      else if (item.per == Per::read && batch > 1)
        f = (cost->typ + (batch - 1) * *cost->warm) / batch / cost->typ;
      low *= f, typ *= f, high *= f;
    }
    std::string_view source = cost->source.empty() ? st->source : cost->source;
    if (st->scale_index == device_class) {
      // A profile's device_ns is a measured 4 KiB read, so it replaces the read alone.
      if (profile && profile->device_ns && profile->device == s.device->id && typ > 0 &&
          st->id == "device_read") {
        double f = *profile->device_ns / typ;
        low *= f, typ *= f, high *= f;
        source = "measured";
      }
      // Beyond the first 4 KiB the transfer itself takes time at the device's rate.
      double transfer_ns = std::max(0.0, bytes - kPageBytes) * 1000.0 / s.device->bandwidth_mb_s;
      low += transfer_ns, typ += transfer_ns, high += transfer_ns;
    }
    double factor = scales[st->scale_index];
    double to_ns = cost->unit == Unit::cycles ? factor / ghz : factor;
    double share_of_batch = 1;
    if (item.per == Per::batch) {
      share_of_batch = 1.0 / batch;
    } else if (item.per == Per::overlap) {
      // N reads in flight overlap up to the device's parallelism.
      share_of_batch = std::ceil(double(batch) / s.device->parallelism) / batch;
    }
    // Taxes are per event: hot caches do not make a retpoline or a VM exit cheaper.
    const Events& ev = st->events;
    double tax_cycles = ev.entries * per_event.entry + ev.calls * (per_event.call + per_event.ret) +
                        ev.indirect * per_event.indirect + ev.switches * per_event.context_switch;
    // Only the first read after an entry finds the TLB flushed: in a batch of N, one in N.
    double after_entry = ev.calls * per_event.call_after_entry;
    if (item.per == Per::read && batch > 1) after_entry /= batch;
    const double tax_ns =
        (tax_cycles * share_of_batch + after_entry * (item.per == Per::read ? 1 : share_of_batch)) *
        tax_scale / ghz;
    const double vm_ns =
        s.virtualized ? ev.vmexits * model.vm.exit_cycles * vm_scale / ghz * share_of_batch : 0;
    const double added_ns = tax_ns + vm_ns;
    const double ns = typ * to_ns * share_of_batch + added_ns;
    // Every field given: a partly initialised JourneyStage costs a block clear per stage.
    j.stages.push_back(JourneyStage{.stage = st,
                                    .unit = cost->unit,
                                    .per = per_names[int(item.per)],
                                    .source = source,
                                    .cycles = ns * ghz,
                                    .ns = ns,
                                    .tax_ns = tax_ns,
                                    .vm_ns = vm_ns,
                                    .low_ns = low * to_ns * share_of_batch + added_ns,
                                    .high_ns = high * to_ns * share_of_batch + added_ns,
                                    .share = 0,
                                    .start_ns = 0,
                                    .cumulative_ns = 0});
  }

  Totals& t = j.totals;
  for (auto& js : j.stages) {
    js.start_ns = t.ns;
    t.ns += js.ns;
    js.cumulative_ns = t.ns;
    t.cycles += js.cycles;
    t.low_ns += js.low_ns;
    t.high_ns += js.high_ns;
    (js.stage->on_cpu ? t.on_cpu_ns : t.blocked_ns) += js.ns;
    if (js.stage->strace_visible) ++t.strace_visible_stages;
  }
  t.stages = int(j.stages.size());
  t.batch_ns = t.ns * batch;
  for (auto& js : j.stages) js.share = t.ns > 0 ? js.ns / t.ns : 0;
  return j;
}

Percentiles sample_totals(const Journey& j, int samples, std::uint64_t seed) {
  Percentiles p;
  p.samples = std::max(1, samples);
  p.seed = seed;
  SplitMix64 rng{seed};
  std::vector<double> totals(p.samples);
  for (double& total : totals) {
    total = 0;
    for (const auto& js : j.stages)
      total += triangular(js.low_ns, js.ns, js.high_ns, rng.uniform());
  }
  std::sort(totals.begin(), totals.end());
  auto at = [&](double q) {
    std::size_t i = std::size_t(std::ceil(q * totals.size()));
    return totals[std::min(totals.size() - 1, i == 0 ? 0 : i - 1)];
  };
  p.p50_ns = at(0.50);
  p.p99_ns = at(0.99);
  return p;
}

Comparison compare(const Journey& a, const Journey& b) {
  Comparison c;
  c.ratio = a.totals.ns > 0 ? b.totals.ns / a.totals.ns : 0;
  auto row_of = [&](const std::string& id) -> CompareRow* {
    for (auto& r : c.rows)
      if (r.id == id) return &r;
    return nullptr;
  };
  for (const auto& js : a.stages) {
    CompareRow* r = row_of(js.stage->id);
    if (!r) {
      c.rows.push_back({js.stage->id, js.stage->title, 0.0, std::nullopt});
      r = &c.rows.back();
    }
    *r->a_ns += js.ns;
  }
  for (const auto& js : b.stages) {
    CompareRow* r = row_of(js.stage->id);
    if (!r) {
      c.rows.push_back({js.stage->id, js.stage->title, std::nullopt, 0.0});
      r = &c.rows.back();
    }
    r->b_ns = r->b_ns.value_or(0) + js.ns;
  }
  return c;
}

}  // namespace sysjourney
