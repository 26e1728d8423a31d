#include "measure/trace_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/scenario.h"
#include "core/text.h"
#include "core/units.h"
#include "measure/stats.h"

namespace sysjourney::measure {
namespace {

// --- Marks and the model stages between them ----------------------------------------------------

struct MarkSpec {
  std::string_view id;
  std::string_view what;                 // from this mark to the next
  std::vector<std::string_view> stages;  // the model's stages from this mark to the next
};

const std::array<MarkSpec, kMarkCount>& mark_specs() {
  static const std::array<MarkSpec, kMarkCount> specs = {{
      {"call",
       "glibc, SYSCALL, kernel entry (swapgs, mitigations) up to the tracepoint",
       {"libc_wrapper", "syscall_insn", "entry_swapgs", "kpti_enter", "spectre_entry"}},
      {"sys_enter",
       "dispatch, fd lookup, VFS checks, ext4, page-cache miss, readahead allocates folios",
       {"dispatch", "dispatch_pread", "fd_lookup", "vfs_read_checks", "read_iter_call",
        "ext4_file_read_iter", "page_cache_lookup", "readahead_alloc"}},
      {"page_cache_add", "ext4 maps the blocks and builds the bio", {"ext4_map_blocks"}},
      {"bio_queue",
       "block layer: plug, request, I/O scheduler, dispatch to the driver",
       {"block_submit", "mq_deadline"}},
      {"rq_issue",
       "driver queues and kicks the device, the device reads; the task sleeps meanwhile",
       {"nvme_queue_rq", "scsi_queue_rq", "virtio_queue_rq", "io_schedule", "device_read"}},
      {"irq",
       "completion interrupt until the request completes",
       {"nvme_irq", "ahci_irq", "virtio_irq"}},
      {"rq_complete", "bio completion: folios unlocked, the reader woken", {"folio_end_read"}},
      {"wakeup", "runnable to running (scheduler, IPI, idle exit)", {"wakeup_switch"}},
      {"switch_in", "back in filemap_read: copy_to_user, atime", {"copy_to_user", "touch_atime"}},
      {"sys_exit",
       "exit work, SYSRET, back in glibc",
       {"exit_work", "kpti_exit", "sysret", "libc_return"}},
      {"ret", "", {}},
  }};
  return specs;
}

// --- One line of the trace -----------------------------------------------------------------------

// "12.345678" (seconds.microseconds, as clocks in ns print) -> ns; "5552804322850" -> raw count.
std::optional<std::pair<int64_t, bool>> parse_stamp(std::string_view s) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos) {
    auto raw = parse_number<int64_t>(s);
    if (!raw) return std::nullopt;
    return std::pair{*raw, false};
  }
  auto secs = parse_number<int64_t>(s.substr(0, dot));
  std::string_view frac = s.substr(dot + 1);
  auto f = parse_number<int64_t>(frac);
  if (!secs || !f || frac.size() > 9) return std::nullopt;
  int64_t ns = *f;
  for (size_t i = frac.size(); i < 9; ++i) ns *= 10;
  return std::pair{*secs * 1'000'000'000 + ns, true};
}

// The text after "key=" in event arguments, up to the next space.
std::optional<std::string_view> key_text(std::string_view args, std::string_view key) {
  for (size_t pos = args.find(key); pos != std::string_view::npos; pos = args.find(key, pos + 1)) {
    const bool starts = pos == 0 || args[pos - 1] == ' ';
    const size_t eq = pos + key.size();
    if (!starts || eq >= args.size() || args[eq] != '=') continue;
    const size_t end = args.find(' ', eq + 1);
    return args.substr(eq + 1, end == std::string_view::npos ? end : end - eq - 1);
  }
  return std::nullopt;
}

std::optional<int64_t> key_number(std::string_view args, std::string_view key) {
  auto text = key_text(args, key);
  if (!text) return std::nullopt;
  return parse_number<int64_t>(*text);
}

// sys_enter "NR 17 (3, ...)" and sys_exit "NR 17 = 16" -> 17.
std::optional<long> syscall_nr(std::string_view args) {
  if (!args.starts_with("NR ")) return std::nullopt;
  args.remove_prefix(3);
  return parse_number<long>(args.substr(0, args.find(' ')));
}

// Block events: "254,0 RA 41189376 + 32 [comm]" -> {41189376, 32}.
std::optional<std::pair<uint64_t, uint64_t>> sector_range(std::string_view args) {
  const size_t plus = args.find(" + ");
  if (plus == std::string_view::npos) return std::nullopt;
  const size_t start = args.rfind(' ', plus - 1);
  const std::string_view before =
      args.substr(start == std::string_view::npos ? 0 : start + 1,
                  start == std::string_view::npos ? plus : plus - start - 1);
  std::string_view after = args.substr(plus + 3);
  after = after.substr(0, after.find(' '));
  auto sector = parse_number<uint64_t>(before);
  auto count = parse_number<uint64_t>(after);
  if (!sector || !count) return std::nullopt;
  return std::pair{*sector, *count};
}

// The rwbs field (second word) of a block event says R for reads: "RA", "RS", "R".
bool is_read(std::string_view args) {
  const size_t a = args.find(' ');
  if (a == std::string_view::npos) return false;
  std::string_view rwbs = args.substr(a + 1);
  rwbs = rwbs.substr(0, rwbs.find(' '));
  return rwbs.find('R') != std::string_view::npos;
}

std::optional<TraceEvent> parse_line(std::string_view line) {
  // The CPU field "[001]" sits after "<task>-<pid>" and spaces; a task name may hold anything.
  for (size_t open = line.find('['); open != std::string_view::npos;
       open = line.find('[', open + 1)) {
    const size_t close = line.find(']', open);
    if (close == std::string_view::npos) return std::nullopt;
    auto cpu = parse_number<int>(line.substr(open + 1, close - open - 1));
    if (!cpu) continue;
    const std::string_view left = line.substr(0, line.find_last_not_of(' ', open - 1) + 1);
    const size_t dash = left.rfind('-');
    if (open == 0 || dash == std::string_view::npos) continue;
    auto pid = parse_number<int>(left.substr(dash + 1));
    if (!pid) continue;
    TraceEvent e;
    e.task = std::string(trim(left.substr(0, dash)));
    e.pid = *pid;
    e.cpu = *cpu;
    // Then an optional flags word ("d..2.") and the stamp, which ends with ':'.
    std::string_view rest = trim(line.substr(close + 1));
    for (int word = 0; word < 2; ++word) {
      const size_t space = rest.find(' ');
      const std::string_view token = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : trim(rest.substr(space));
      if (!token.ends_with(':')) continue;
      auto stamp = parse_stamp(token.substr(0, token.size() - 1));
      if (!stamp) return std::nullopt;
      e.ts = stamp->first;
      e.ts_in_ns = stamp->second;
      const size_t colon = rest.find(':');
      if (colon == std::string_view::npos || colon == 0) return std::nullopt;
      e.name = std::string(rest.substr(0, colon));
      e.args = std::string(trim(rest.substr(colon + 1)));
      return e;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::string_view mark_id(Mark m) { return mark_specs()[static_cast<int>(m)].id; }

std::vector<TraceEvent> parse_trace(std::string_view text) {
  std::vector<TraceEvent> events;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (auto e = parse_line(line)) events.push_back(std::move(*e));
  }
  return events;
}

Result<ReadTimeline> read_timeline(const std::vector<TraceEvent>& events, int tid, long nr,
                                   double ticks_per_ns) {
  if (!(ticks_per_ns > 0)) return failure("the trace clock's rate is unknown");
  // Per-CPU buffers are merged by time already; sort anyway, keeping equal stamps in order.
  std::vector<const TraceEvent*> ev;
  for (const TraceEvent& e : events) ev.push_back(&e);
  std::stable_sort(ev.begin(), ev.end(),
                   [](const TraceEvent* a, const TraceEvent* b) { return a->ts < b->ts; });
  auto ns = [&](const TraceEvent* e) {
    return e->ts_in_ns ? static_cast<double>(e->ts) : static_cast<double>(e->ts) / ticks_per_ns;
  };
  const size_t none = ev.size();
  // The first event in [from, to) that satisfies `pred`, or `none`.
  auto first = [&](size_t from, size_t to, auto pred) {
    for (size_t i = from; i < to; ++i)
      if (pred(*ev[i])) return i;
    return none;
  };
  auto ours = [&](std::string_view name) {
    return [=](const TraceEvent& e) {
      return e.name == name && e.pid == tid && syscall_nr(e.args) == nr;
    };
  };
  // The newest read: the buffer may hold earlier ones.
  size_t enter = none;
  for (size_t i = ev.size(); i-- > 0;) {
    if (ours("sys_enter")(*ev[i])) {
      enter = i;
      break;
    }
  }
  if (enter == none)
    return failure("the trace has no sys_enter of syscall " + std::to_string(nr) + " by task " +
                   std::to_string(tid));
  const size_t exit = first(enter + 1, none, ours("sys_exit"));
  if (exit == none)
    return failure("the trace has no sys_exit of syscall " + std::to_string(nr) + " by task " +
                   std::to_string(tid) + " after its sys_enter");

  ReadTimeline t;
  t[Mark::sys_enter] = ns(ev[enter]);
  t[Mark::sys_exit] = ns(ev[exit]);
  auto by_us = [&](std::string_view name) {
    return [=](const TraceEvent& e) { return e.name == name && e.pid == tid; };
  };

  // The read's first bio, and the request that carries it.
  const size_t bio = first(enter + 1, exit, [&](const TraceEvent& e) {
    return by_us("block_bio_queue")(e) && is_read(e.args) && sector_range(e.args);
  });
  const auto bio_range = bio == none ? std::nullopt : sector_range(ev[bio]->args);
  auto read_request = [&](const TraceEvent& e) {
    return e.name == "block_rq_issue" && is_read(e.args) && sector_range(e.args);
  };
  const size_t after_bio = bio == none ? enter + 1 : bio + 1;
  size_t issue = first(after_bio, exit, [&](const TraceEvent& e) {
    if (!read_request(e)) return false;
    if (!bio_range) return true;
    const auto r = *sector_range(e.args);
    return r.first <= bio_range->first && bio_range->first < r.first + r.second;
  });
  // A stacked device (dm, md) queues its own bio first, in its own sectors: take the first read.
  if (issue == none && bio_range) issue = first(after_bio, exit, read_request);
  size_t complete = none;
  if (issue != none) {
    const auto issued = *sector_range(ev[issue]->args);
    complete = first(issue + 1, exit, [&](const TraceEvent& e) {
      auto r = e.name == "block_rq_complete" ? sector_range(e.args) : std::nullopt;
      return r && r->first == issued.first;
    });
  }

  // Readahead adds every folio before it builds the bios: the last add before the bio ends
  // the allocation.
  const size_t add_end = bio != none ? bio : issue != none ? issue : exit;
  size_t last_add = none;
  for (size_t i = enter + 1; i < exit; ++i) {
    if (!by_us("mm_filemap_add_to_page_cache")(*ev[i])) continue;
    t.pages_added += 1 << std::clamp<int64_t>(key_number(ev[i]->args, "order").value_or(0), 0, 20);
    if (i < add_end) last_add = i;
  }

  // The interrupt: the last one on the completing CPU between issue and completion.
  size_t irq = none;
  if (complete != none) {
    for (size_t i = issue + 1; i < complete; ++i)
      if (ev[i]->name == "irq_handler_entry" && ev[i]->cpu == ev[complete]->cpu) irq = i;
    if (irq != none) t.irq = std::string(key_text(ev[irq]->args, "name").value_or(""));
  }

  size_t cursor = complete != none ? complete : issue != none ? issue : enter;
  const size_t wakeup = first(cursor + 1, exit, [&](const TraceEvent& e) {
    return e.name == "sched_wakeup" && key_number(e.args, "pid") == tid;
  });
  if (wakeup != none) cursor = wakeup;
  const size_t switch_in = first(cursor + 1, exit, [&](const TraceEvent& e) {
    return e.name == "sched_switch" && key_number(e.args, "next_pid") == tid;
  });
  const size_t switch_out =
      first(enter + 1, switch_in == none ? exit : switch_in, [&](const TraceEvent& e) {
        return e.name == "sched_switch" && key_number(e.args, "prev_pid") == tid;
      });
  if (switch_in != none && switch_out != none)
    t.off_cpu_ns = ns(ev[switch_in]) - ns(ev[switch_out]);

  const std::pair<Mark, size_t> found[] = {
      {Mark::page_cache_add, last_add}, {Mark::bio_queue, bio},
      {Mark::rq_issue, issue},          {Mark::irq, irq},
      {Mark::rq_complete, complete},    {Mark::wakeup, wakeup},
      {Mark::switch_in, switch_in},
  };
  for (const auto& [mark, i] : found)
    if (i != none) t[mark] = ns(ev[i]);
  return t;
}

Result<TraceReport> summarize_trace(const std::vector<ReadTimeline>& reads, const Journey* model) {
  if (reads.empty()) return failure("no read was traced");
  TraceReport r;
  std::vector<Mark> used;
  for (int m = 0; m < kMarkCount; ++m) {
    const Mark mark = static_cast<Mark>(m);
    const auto have =
        std::ranges::count_if(reads, [&](const ReadTimeline& t) { return t[mark].has_value(); });
    if (have == static_cast<long>(reads.size())) {
      used.push_back(mark);
    } else if (have > 0) {
      r.notes.push_back(
          fmt::format("the {} mark was missing from {} of {} reads, so it is left out",
                      mark_id(mark), reads.size() - have, reads.size()));
    }
  }
  if (used.size() < 2) return failure("the traced reads have fewer than two marks in common");

  // The model's ns per stage id on its path.
  std::map<std::string, double, std::less<>> model_ns;
  if (model)
    for (const JourneyStage& js : model->stages) model_ns[js.stage->id] += js.ns;
  std::set<std::string, std::less<>> covered;
  for (size_t i = 0; i + 1 < used.size(); ++i) {
    TraceSegment seg;
    seg.from = std::string(mark_id(used[i]));
    seg.to = std::string(mark_id(used[i + 1]));
    std::vector<std::string> whats;
    double sum = 0;
    for (int m = static_cast<int>(used[i]); m < static_cast<int>(used[i + 1]); ++m) {
      const MarkSpec& spec = mark_specs()[m];
      whats.emplace_back(spec.what);
      for (std::string_view id : spec.stages) {
        auto it = model_ns.find(id);
        if (model && it == model_ns.end()) continue;  // not on the model's path
        seg.stages.emplace_back(id);
        covered.insert(std::string(id));
        if (it != model_ns.end()) sum += it->second;
      }
    }
    seg.what = join(whats, "; ");
    if (model) seg.model_ns = sum;
    r.segments.push_back(std::move(seg));
  }

  std::vector<std::vector<double>> per_segment(r.segments.size());
  std::vector<double> totals, off_cpu;
  std::vector<double> pages;
  for (const ReadTimeline& t : reads) {
    TraceSample s;
    for (size_t i = 0; i + 1 < used.size(); ++i) {
      const double d = *t[used[i + 1]] - *t[used[i]];
      s.segment_ns.push_back(d);
      per_segment[i].push_back(d);
    }
    s.total_ns = *t[used.back()] - *t[used.front()];
    s.pages_added = t.pages_added;
    s.irq = t.irq;
    s.off_cpu_ns = t.off_cpu_ns;
    totals.push_back(s.total_ns);
    pages.push_back(t.pages_added);
    if (t.off_cpu_ns) off_cpu.push_back(*t.off_cpu_ns);
    r.samples.push_back(std::move(s));
  }
  for (size_t i = 0; i < r.segments.size(); ++i)
    r.segments[i].measured_ns = summarize(per_segment[i]).median;
  r.total_ns = summarize(totals).median;
  if (model) {
    double sum = 0;
    for (const TraceSegment& s : r.segments) sum += s.model_ns.value_or(0);
    r.model_total_ns = sum;
    std::vector<std::string> outside;
    for (const JourneyStage& js : model->stages)
      if (!covered.count(js.stage->id))
        outside.push_back(fmt::format("{} {}", js.stage->id, format_ns(js.ns)));
    if (!outside.empty())
      r.notes.push_back("outside the traced window, the model has: " + join(outside, ", "));
  }
  if (!off_cpu.empty())
    r.notes.push_back(fmt::format("the task was off the CPU for {} of the read (median)",
                                  format_ns(summarize(off_cpu).median)));
  if (summarize(pages).median > 0)
    r.notes.push_back(
        fmt::format("readahead added {} pages per read (median)", summarize(pages).median));
  return r;
}

std::vector<std::string> trace_stages_missing(const Model& model) {
  std::vector<std::string> missing;
  for (const MarkSpec& spec : mark_specs())
    for (std::string_view id : spec.stages)
      if (!model.find_stage(std::string(id))) missing.emplace_back(id);
  return missing;
}

}  // namespace sysjourney::measure
