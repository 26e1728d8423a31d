#include "measure/ftrace_path.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/text.h"

namespace sysjourney::measure {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A symbol as printed by the tracer: no spaces, no colons.
bool symbol(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == ':';
  });
}

// The '[' of the CPU field "[001]" (after TASK-PID, which may itself hold brackets and spaces).
size_t cpu_field(std::string_view l) {
  for (size_t p = l.find(" ["); p != std::string_view::npos; p = l.find(" [", p + 1)) {
    const size_t close = l.find(']', p + 2);
    if (close != std::string_view::npos && all_digits(l.substr(p + 2, close - p - 2))) return p + 1;
  }
  return std::string_view::npos;
}

std::optional<FtraceLine> parse_line(std::string_view l) {
  FtraceLine out;
  const size_t open = cpu_field(l);
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view task_pid = trim(l.substr(0, open));
  // With the record-tgid option the pid is followed by "(  123)".
  if (task_pid.ends_with(')')) {
    const size_t paren = task_pid.rfind('(');
    if (paren == std::string_view::npos) return std::nullopt;
    task_pid = trim(task_pid.substr(0, paren));
  }
  const size_t dash = task_pid.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto pid = parse_number<int>(task_pid.substr(dash + 1));
  const size_t close = l.find(']', open);
  auto cpu = parse_number<int>(l.substr(open + 1, close - open - 1));
  if (!pid || !cpu) return std::nullopt;
  out.task = std::string(task_pid.substr(0, dash));
  out.pid = *pid;
  out.cpu = *cpu;

  std::string_view rest = trim(l.substr(close + 1));
  auto token = [&rest]() {
    const size_t sp = rest.find(' ');
    std::string_view t = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : trim(rest.substr(sp));
    return t;
  };
  std::string_view t = token();
  if (!t.ends_with(':')) {  // the irq-info flags come first when that option is on
    out.flags = std::string(t);
    t = token();
  }
  if (!t.ends_with(':')) return std::nullopt;
  auto ts = parse_number<double>(t.substr(0, t.size() - 1));
  if (!ts) return std::nullopt;
  out.ts = *ts;
  out.irq = out.flags.size() >= 3 &&
            std::string_view("hHszZ").find(out.flags[2]) != std::string_view::npos;

  if (rest.empty()) return std::nullopt;
  if (const size_t arrow = rest.find(" <-"); arrow != std::string_view::npos) {
    std::string_view fn = trim(rest.substr(0, arrow)), parent = trim(rest.substr(arrow + 3));
    if (!symbol(fn) || !symbol(parent)) return std::nullopt;
    out.kind = FtraceLine::Kind::function;
    out.name = std::string(fn);
    out.parent = std::string(parent);
    return out;
  }
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos || !symbol(rest.substr(0, colon))) return std::nullopt;
  const std::string_view name = rest.substr(0, colon);
  out.text = std::string(trim(rest.substr(colon + 1)));
  if (name == "tracing_mark_write") {
    out.kind = FtraceLine::Kind::marker;
  } else {
    out.kind = FtraceLine::Kind::event;
    out.name = std::string(name);
  }
  return out;
}

// "vfs_read.isra.0" -> "vfs_read": the compiler's clones keep the function's name before a dot.
std::string_view base_name(std::string_view name) {
  const size_t dot = name.find('.');
  return dot == std::string_view::npos ? name : name.substr(0, dot);
}

// x86-64 numbers of the calls `measure --path` makes and the ones around its markers.
std::optional<std::string> syscall_by_nr(std::string_view args) {
  // "NR 17 (3, 7ffd, 10, 0, 0, 0)"
  if (!args.starts_with("NR ")) return std::nullopt;
  std::string_view rest = args.substr(3);
  auto nr = parse_number<long>(rest.substr(0, rest.find(' ')));
  if (!nr) return std::nullopt;
  static const std::map<long, std::string> names = {
      {0, "read"},      {1, "write"},       {3, "close"},    {17, "pread64"},
      {110, "getppid"}, {221, "fadvise64"}, {257, "openat"}, {426, "io_uring_enter"}};
  auto it = names.find(*nr);
  return it == names.end() ? "nr" + std::to_string(*nr) : it->second;
}

std::optional<std::string> dispatch_of(const FtraceLine& l) {
  if (l.irq) return std::nullopt;
  if (l.kind == FtraceLine::Kind::function) return dispatch_syscall(l.name, l.parent);
  if (l.kind == FtraceLine::Kind::event && l.name == "sys_enter") return syscall_by_nr(l.text);
  return std::nullopt;
}

struct EventSpec {
  std::string_view system, event;
  std::vector<std::string> functions;  // where it fires, most specific first
};

const std::vector<EventSpec>& event_table() {
  static const std::vector<EventSpec> table = {
      {"raw_syscalls", "sys_enter", {"syscall_enter_from_user_mode"}},
      {"raw_syscalls", "sys_exit", {"syscall_exit_work"}},
      {"filemap", "mm_filemap_get_pages", {"filemap_get_pages"}},
      {"filemap", "mm_filemap_add_to_page_cache", {"__filemap_add_folio", "filemap_add_folio"}},
      {"readahead", "page_cache_sync_ra", {"page_cache_sync_ra"}},
      {"readahead", "page_cache_async_ra", {"page_cache_async_ra"}},
      {"readahead", "page_cache_ra_order", {"page_cache_ra_order"}},
      {"ext4", "ext4_es_lookup_extent_enter", {"ext4_es_lookup_extent"}},
      {"ext4", "ext4_ext_map_blocks_enter", {"ext4_ext_map_blocks", "ext4_map_blocks"}},
      {"block", "block_bio_queue", {"submit_bio_noacct_nocheck", "submit_bio"}},
      {"block", "block_getrq", {"__blk_mq_alloc_requests"}},
      {"block", "block_rq_insert", {"dd_insert_requests", "blk_mq_insert_request"}},
      {"block", "block_unplug", {"blk_mq_flush_plug_list"}},
      // Issued from the driver's queue_rq: the driver stage on the path.
      {"block",
       "block_rq_issue",
       {"blk_mq_start_request", "virtio_queue_rq", "nvme_queue_rq", "scsi_queue_rq"}},
      {"block", "block_rq_complete", {"blk_update_request", "blk_mq_end_request"}},
      {"irq",
       "irq_handler_entry",
       {"vring_interrupt", "nvme_irq", "ahci_single_level_irq_intr", "common_interrupt"}},
      {"sched", "sched_switch", {"__schedule"}},
      {"sched", "sched_waking", {"try_to_wake_up"}},
      {"sched", "sched_wakeup", {"ttwu_do_activate", "try_to_wake_up"}},
      {"io_uring", "io_uring_file_get", {"io_file_get_normal"}},
      {"io_uring", "io_uring_submit_req", {"io_submit_sqes"}},
      {"io_uring", "io_uring_queue_async_work", {"io_queue_iowq"}},
      {"io_uring", "io_uring_task_add", {"io_req_task_work_add"}},
      {"io_uring", "io_uring_complete", {"io_fill_cqe_req", "io_req_complete_post"}},
      {"io_uring", "io_uring_cqring_wait", {"io_cqring_wait"}},
      {"io_uring", "io_uring_task_work_run", {"tctx_task_work", "io_run_task_work"}},
      {"sock", "sock_recv_length", {"sock_recvmsg"}},
      {"sock", "sk_data_ready", {"sock_def_readable"}},
      {"skb", "skb_copy_datagram_iovec", {"skb_copy_datagram_iter", "skb_copy_datagram_msg"}},
      {"skb", "consume_skb", {"consume_skb"}},
      {"tcp", "tcp_rcv_space_adjust", {"tcp_rcv_space_adjust"}},
  };
  return table;
}

const EventSpec* find_event(std::string_view event) {
  for (const EventSpec& e : event_table())
    if (e.event == event) return &e;
  return nullptr;
}

// Picks stages for functions in call order (see the header for the rule).
class StageChooser {
 public:
  StageChooser(const Model& model, const std::vector<std::string>& path) {
    for (size_t i = 0; i < path.size(); ++i) {
      position_[path[i]] = static_cast<int>(i);
      stages_.push_back(model.find_stage(path[i]));
    }
    for (const Stage& s : model.stages)
      for (const std::string& f : s.functions) by_name_[f].push_back(&s);
  }

  struct Choice {
    std::optional<std::string> stage;  // naming stage (on the path if possible)
    bool on_path = false;
    int counted_at = -1;  // path position the call counts for (-1: none yet)
  };

  // Does not move the current stage: for previews.
  Choice peek(std::string_view function) const {
    Choice c;
    auto it = by_name_.find(std::string(base_name(function)));
    if (it == by_name_.end()) {
      c.counted_at = current_;
      return c;
    }
    std::vector<int> on_path;
    for (const Stage* s : it->second)
      if (auto p = position_.find(s->id); p != position_.end()) on_path.push_back(p->second);
    if (on_path.empty()) {
      c.stage = it->second.front()->id;
      c.counted_at = current_;
      return c;
    }
    std::sort(on_path.begin(), on_path.end());
    int pick = -1;  // the current stage or the first after it, else the nearest one before
    for (int p : on_path)
      if (pick < 0 && p >= current_) pick = p;
    if (pick < 0) pick = on_path.back();  // the nearest one before the current stage
    c.stage = stages_[pick]->id;
    c.on_path = true;
    c.counted_at = pick;
    return c;
  }

  Choice choose(std::string_view function) {
    Choice c = peek(function);
    if (c.on_path) current_ = c.counted_at;
    return c;
  }

  bool named_on_path(std::string_view function) const {
    auto it = by_name_.find(std::string(function));
    if (it == by_name_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const Stage* s) { return position_.count(s->id) > 0; });
  }

  const std::vector<const Stage*>& stages() const { return stages_; }

 private:
  std::map<std::string, int> position_;
  std::vector<const Stage*> stages_;
  std::map<std::string, std::vector<const Stage*>, std::less<>> by_name_;
  int current_ = -1;
};

PathMapping empty_mapping(const StageChooser& chooser, std::string tracer) {
  PathMapping m;
  m.tracer = std::move(tracer);
  for (const Stage* s : chooser.stages()) {
    PathStage ps;
    ps.id = s->id;
    ps.title = s->title;
    ps.lane = to_string(s->lane);
    ps.ftrace_visible =
        std::find(s->visible_to.begin(), s->visible_to.end(), "ftrace") != s->visible_to.end();
    ps.named = s->functions;
    m.stages.push_back(std::move(ps));
  }
  return m;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

void add_near(PathFunction& f, const std::string& stage) {
  for (auto& [id, n] : f.near)
    if (id == stage) {
      ++n;
      return;
    }
  f.near.emplace_back(stage, 1);
}

}  // namespace

FtraceParse parse_ftrace(std::string_view text) {
  FtraceParse out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    const std::string_view l = trim(raw);
    if (l.empty() || l.starts_with('#')) continue;
    if (l.find("[LOST ") != std::string_view::npos && l.ends_with("EVENTS]")) {
      out.lost_events = true;
      continue;
    }
    if (auto parsed = parse_line(raw)) {
      out.lines.push_back(std::move(*parsed));
    } else {
      if (out.malformed++ == 0) out.first_malformed = std::string(l.substr(0, 200));
    }
  }
  return out;
}

std::optional<std::string> dispatch_syscall(std::string_view function, std::string_view parent) {
  static constexpr std::string_view kEntries[] = {"do_syscall_64", "x64_sys_call",
                                                  "do_int80_syscall_32", "__do_fast_syscall_32",
                                                  "ia32_sys_call"};
  if (std::find(std::begin(kEntries), std::end(kEntries), parent) == std::end(kEntries))
    return std::nullopt;
  function = base_name(function);
  if (function == "x64_sys_call" || function == "ia32_sys_call") return std::string();
  for (std::string_view prefix :
       {"__x64_sys_", "__ia32_sys_", "__do_sys_", "__se_sys_", "ksys_", "sys_"})
    if (function.starts_with(prefix) && function.size() > prefix.size())
      return std::string(function.substr(prefix.size()));
  return std::nullopt;
}

Result<CallWindow> call_window(const std::vector<FtraceLine>& lines, int pid,
                               std::string_view begin, std::string_view end,
                               std::string_view syscall) {
  std::vector<const FtraceLine*> mine;
  for (const FtraceLine& l : lines)
    if (l.pid == pid) mine.push_back(&l);
  size_t b = mine.size();
  for (size_t i = 0; i < mine.size(); ++i)
    if (mine[i]->kind == FtraceLine::Kind::marker && mine[i]->text == begin) b = i;
  if (b == mine.size())
    return Error{"the trace has no begin marker of task " + std::to_string(pid), "trace",
                 std::string(begin), "", ""};
  size_t e = mine.size();
  for (size_t i = b + 1; i < mine.size() && e == mine.size(); ++i)
    if (mine[i]->kind == FtraceLine::Kind::marker && mine[i]->text == end) e = i;
  if (e == mine.size())
    return Error{
        "the trace has no end marker after the begin marker (the buffer may have overflowed)",
        "trace", std::string(end), "", ""};

  // Split into syscalls; consecutive dispatch lines (x64_sys_call, then the syscall's own entry
  // that it tail-calls) open one call.
  struct Segment {
    std::string name;
    std::vector<const FtraceLine*> lines;
  };
  std::vector<Segment> segments;
  std::vector<const FtraceLine*> undelimited;
  bool in_dispatch = false;
  for (size_t i = b + 1; i < e; ++i) {
    const FtraceLine* l = mine[i];
    if (l->kind == FtraceLine::Kind::marker) continue;
    undelimited.push_back(l);
    auto d = dispatch_of(*l);
    if (d && !in_dispatch) segments.push_back({});
    in_dispatch = d.has_value();
    if (segments.empty()) continue;  // the rest of the begin marker's write
    if (d && segments.back().name.empty()) segments.back().name = *d;
    segments.back().lines.push_back(l);
  }

  CallWindow w;
  if (segments.empty()) {
    w.delimited = false;
    for (const FtraceLine* l : undelimited) w.lines.push_back(*l);
    return w;
  }
  for (const Segment& s : segments) {
    w.syscalls.push_back(s.name.empty() ? "?" : s.name);
    if (!syscall.empty() && s.name != syscall) continue;
    for (const FtraceLine* l : s.lines) w.lines.push_back(*l);
  }
  if (w.lines.empty()) {
    std::string seen;
    for (const std::string& s : w.syscalls) seen += (seen.empty() ? "" : ", ") + s;
    return Error{"no " + std::string(syscall) + " call between the markers (saw: " + seen + ")",
                 "trace", std::string(syscall), "", ""};
  }
  return w;
}

PathMapping map_functions(const std::vector<FtraceLine>& call, const Model& model,
                          const std::vector<std::string>& path) {
  StageChooser chooser(model, path);
  PathMapping m = empty_mapping(chooser, "function");
  std::map<std::string, size_t> index;  // function -> m.functions
  for (const FtraceLine& l : call) {
    if (l.kind != FtraceLine::Kind::function) continue;
    ++m.calls;
    auto [it, fresh] = index.try_emplace(l.name, m.functions.size());
    if (fresh) {
      PathFunction f;
      f.name = l.name;
      f.irq = l.irq;
      m.functions.push_back(std::move(f));
    }
    PathFunction& f = m.functions[it->second];
    ++f.calls;
    if (!l.irq) f.irq = false;
    if (l.irq) {
      ++m.irq_calls;
      if (fresh) {
        auto c = chooser.peek(l.name);
        f.stage = c.stage;
        f.on_path = c.on_path;
      }
      continue;
    }
    auto c = chooser.choose(l.name);
    if (fresh || (!f.stage && c.stage)) {
      f.stage = c.stage;
      f.on_path = c.on_path || !c.stage;
    }
    if (c.counted_at < 0) {
      ++m.unattributed_calls;
      continue;
    }
    PathStage& st = m.stages[c.counted_at];
    ++st.calls;
    if (c.on_path) {
      ++st.named_calls;
      add_unique(st.seen, std::string(base_name(l.name)));
    } else {
      ++st.unnamed_calls;
      add_unique(st.unnamed, l.name);
      add_near(f, st.id);
    }
  }
  for (PathStage& st : m.stages)
    for (const std::string& n : st.named)
      if (std::find(st.seen.begin(), st.seen.end(), n) == st.seen.end()) st.not_seen.push_back(n);
  return m;
}

std::vector<std::string> event_functions(std::string_view event) {
  const EventSpec* e = find_event(event);
  return e ? e->functions : std::vector<std::string>{};
}

const std::vector<std::string>& path_events() {
  static const std::vector<std::string> events = [] {
    std::vector<std::string> v;
    for (const EventSpec& e : event_table())
      v.push_back(std::string(e.system) + ":" + std::string(e.event));
    return v;
  }();
  return events;
}

PathMapping map_events(const std::vector<FtraceLine>& call, const Model& model,
                       const std::vector<std::string>& path) {
  StageChooser chooser(model, path);
  PathMapping m = empty_mapping(chooser, "tracepoints");
  std::map<std::string, size_t> index;
  for (const FtraceLine& l : call) {
    if (l.kind != FtraceLine::Kind::event) continue;
    const EventSpec* spec = find_event(l.name);
    std::string function;
    if (spec) {
      // The most specific function a path stage names, else the most specific one.
      function = spec->functions.front();
      for (const std::string& f : spec->functions)
        if (chooser.named_on_path(f)) {
          function = f;
          break;
        }
    }
    const std::string event = spec ? std::string(spec->system) + ":" + l.name : l.name;
    auto [it, fresh] = index.try_emplace(event, m.functions.size());
    if (fresh) {
      PathFunction f;
      f.name = function;
      f.event = event;
      m.functions.push_back(std::move(f));
    }
    PathFunction& f = m.functions[it->second];
    ++f.calls;
    if (function.empty()) continue;  // an event we cannot place
    auto c = chooser.choose(function);
    if (fresh) {
      f.stage = c.stage;
      f.on_path = c.on_path || !c.stage;
    }
    if (c.counted_at < 0) continue;
    PathStage& st = m.stages[c.counted_at];
    ++st.events;
    if (c.on_path)
      add_unique(st.seen, function);
    else {
      add_unique(st.unnamed, function);
      add_near(f, st.id);
    }
  }
  return m;
}

}  // namespace sysjourney::measure
