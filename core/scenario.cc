#include "scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "bounds.h"
#include "text.h"

namespace sysjourney {

namespace {

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;

const std::vector<std::string> kOnOff = {"on", "off"};

Error option_error(const std::string& field, const std::string& value, const std::string& allowed,
                   const std::string& why = "") {
  std::string msg =
      why.empty() ? fmt::format("invalid value '{}' for {}: allowed {}", value, field, allowed)
                  : why;
  return Error{msg, field, value, allowed, ""};
}

std::optional<bool> parse_flag(const std::string& v) {
  const std::string l = lower(v);
  if (l == "on" || l == "true" || l == "1" || l == "yes") return true;
  if (l == "off" || l == "false" || l == "0" || l == "no") return false;
  return std::nullopt;
}

// A finite decimal number; rejects NaN, infinities, hex and trailing garbage.
std::optional<double> parse_number(const std::string& v) {
  if (v.empty() || v.size() > 32) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d, std::chars_format::general);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// Bytes with an optional binary suffix: 16, 4k, 4KiB, 1M, 1GiB.
std::optional<double> parse_size(const std::string& v) {
  std::size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
  auto number = parse_number(v.substr(0, i));
  if (!number) return std::nullopt;
  const std::string suffix = lower(v.substr(i));
  double mult = 1;
  if (suffix.empty() || suffix == "b")
    mult = 1;
  else if (suffix == "k" || suffix == "kib" || suffix == "kb")
    mult = 1024;
  else if (suffix == "m" || suffix == "mib" || suffix == "mb")
    mult = 1024.0 * 1024;
  else if (suffix == "g" || suffix == "gib" || suffix == "gb")
    mult = 1024.0 * 1024 * 1024;
  else
    return std::nullopt;
  return *number * mult;
}

std::string number_text(double d) { return fmt::format("{}", d); }

bool is_write(const std::string& op) { return op == "write" || op == "fsync" || op == "fdatasync"; }

}  // namespace

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

const std::vector<OptionSpec>& scenario_options() {
  static const std::vector<OptionSpec> options = {
      {.name = "op",
       .kind = OptionKind::choice,
       .values = {"read", "write", "fsync", "fdatasync", "function_call", "vdso_clock_gettime",
                  "clock_gettime", "getppid"},
       .help = "what is called: read, write, or a 16-byte write followed by fsync or fdatasync; "
               "the last four are baselines (clock_gettime: the syscall, not the vDSO)"},
      {.name = "fd",
       .kind = OptionKind::choice,
       .values = {"file", "pipe", "tcp", "unix"},
       .help = "what the descriptor refers to"},
      {.name = "cache",
       .kind = OptionKind::choice,
       .values = {"hit", "miss"},
       .help = "page cache state (files)"},
      {.name = "device", .kind = OptionKind::choice, .help = "what serves a miss"},
      {.name = "cpu", .kind = OptionKind::choice, .help = "CPU preset"},
      {.name = "ghz",
       .kind = OptionKind::number,
       .min = bounds::kGhzMin,
       .max = bounds::kGhzMax,
       .help = "clock rate; overrides the preset"},
      {.name = "kpti",
       .kind = OptionKind::flag,
       .help = "page-table isolation; overrides the preset"},
      {.name = "pcid", .kind = OptionKind::flag, .help = "PCID-tagged TLB; overrides the preset"},
      {.name = "bytes",
       .kind = OptionKind::number,
       .min = 0,
       .max = double(kGiB),
       .help = "read or write size: 0 (not to sockets), 16, 4k, 1MiB ... up to 1GiB"},
      {.name = "tracer",
       .kind = OptionKind::choice,
       .values = {"none", "ptrace", "strace"},
       .help = "a tracer attached to the reader"},
      {.name = "api",
       .kind = OptionKind::choice,
       .values = {"read", "pread", "io_uring", "io_uring_sqpoll", "sendfile"},
       .help = "how the read is issued"},
      {.name = "batch",
       .kind = OptionKind::number,
       .min = 1,
       .max = 4096,
       .help = "reads per io_uring_enter (api=io_uring)"},
      {.name = "direct", .kind = OptionKind::flag, .help = "O_DIRECT: bypass the page cache"},
      {.name = "wait",
       .kind = OptionKind::flag,
       .help = "pipe/socket: no data yet, the reader sleeps"},
      {.name = "nonblock",
       .kind = OptionKind::flag,
       .help = "O_NONBLOCK: with wait, return EAGAIN instead of sleeping"},
      {.name = "sync",
       .kind = OptionKind::choice,
       .values = {"none", "dsync", "sync"},
       .help = "writes to files: O_DSYNC (the data durable on return) or O_SYNC (and the inode)"},
      {.name = "full",
       .kind = OptionKind::flag,
       .help = "writes to pipes and sockets: the buffer is full, the writer sleeps (or EAGAIN "
               "with nonblock)"},
      {.name = "warm",
       .kind = OptionKind::flag,
       .help = "the call repeats back to back (a benchmark loop): caches stay hot"},
  };
  return options;
}

std::vector<std::string> allowed_values(const OptionSpec& spec, const Model& model) {
  std::string name = spec.name;
  std::vector<std::string> out;
  if (name == "cpu") {
    for (const auto& c : model.cpus) out.push_back(c.id);
  } else if (name == "device") {
    for (const auto& d : model.devices) out.push_back(d.id);
  } else if (spec.kind == OptionKind::flag) {
    out = kOnOff;
  } else {
    out = spec.values;
  }
  return out;
}

Result<bool> set_option(Scenario& s, const std::string& key, const std::string& value,
                        const Model& model) {
  const auto& options = scenario_options();
  auto it = std::find_if(options.begin(), options.end(),
                         [&](const OptionSpec& o) { return key == o.name; });
  if (it == options.end()) {
    std::vector<std::string> names;
    for (const auto& o : options) names.push_back(o.name);
    std::string allowed = join(names, ", ");
    return option_error("option", key, allowed,
                        fmt::format("unknown option '{}': allowed {}", key, allowed));
  }
  const OptionSpec& spec = *it;
  if (spec.kind == OptionKind::choice) {
    auto allowed = allowed_values(spec, model);
    if (!contains(allowed, value)) return option_error(key, value, join(allowed, ", "));
    if (key == "op")
      s.op = value;
    else if (key == "fd")
      s.fd = value;
    else if (key == "cache")
      s.cache = value, s.cache_given = true;
    else if (key == "sync")
      s.sync = value;
    else if (key == "device")
      s.device = value;
    else if (key == "cpu")
      s.cpu = value;
    else if (key == "tracer")
      s.tracer = value;
    else if (key == "api")
      s.api = value;
    return true;
  }
  if (spec.kind == OptionKind::flag) {
    auto flag = parse_flag(value);
    if (!flag) return option_error(key, value, "on, off");
    if (key == "kpti")
      s.kpti = *flag;
    else if (key == "pcid")
      s.pcid = *flag;
    else if (key == "direct")
      s.direct = *flag;
    else if (key == "wait")
      s.wait = *flag;
    else if (key == "nonblock")
      s.nonblock = *flag;
    else if (key == "warm")
      s.warm = *flag;
    else if (key == "full")
      s.full = *flag;
    return true;
  }
  // Numbers.
  std::string range = fmt::format("{} to {}", number_text(spec.min), number_text(spec.max));
  if (key == "bytes") range = "0 to 1073741824 (1GiB); suffixes k, M, G (KiB, MiB, GiB)";
  auto number = key == "bytes" ? parse_size(value) : parse_number(value);
  if (!number || *number < spec.min || *number > spec.max) {
    return option_error(key, value, range);
  }
  if (key == "ghz") {
    s.ghz = *number;
  } else {
    if (*number != std::floor(*number)) {
      return option_error(key, value, "a whole number, " + range);
    }
    if (key == "bytes")
      s.bytes = static_cast<std::int64_t>(*number);
    else if (key == "batch")
      s.batch = static_cast<int>(*number);
  }
  return true;
}

Result<Scenario> parse_scenario(const std::string& text, const Model& model) {
  Scenario s;
  auto r = apply_scenario_text(s, text, model);
  if (!r) return r.error();
  return s;
}

Result<bool> apply_scenario_text(Scenario& s, const std::string& text, const Model& model) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find_first_of(",&", pos);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(pos, end - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      if (eq == std::string::npos) {
        return Error{fmt::format("expected key=value, got '{}'", part), "scenario", part,
                     "key=value pairs separated by , or &", ""};
      }
      auto r = set_option(s, part.substr(0, eq), part.substr(eq + 1), model);
      if (!r) return r.error();
    }
    pos = end + 1;
  }
  return true;
}

std::optional<Error> resolve_into(const Scenario& s, const Model& model, ResolvedScenario& r) {
  r.mitigations.clear();  // every other field is set below
  r.in = s;
  const std::string& cpu_id = s.cpu.empty() ? model.default_cpu : s.cpu;
  r.cpu = model.find_cpu(cpu_id);
  if (!r.cpu) return option_error("cpu", cpu_id, "a preset from the model");
  const std::string& device_id = s.device.empty() ? r.cpu->device : s.device;
  r.device = model.find_device(device_id);
  if (!r.device) return option_error("device", device_id, "a device from the model");
  r.in.cpu = r.cpu->id;
  r.in.device = r.device->id;
  r.ghz = s.ghz.value_or(r.cpu->ghz);
  r.kpti = s.kpti.value_or(r.cpu->kpti);
  r.pcid = s.pcid.value_or(r.cpu->pcid);
  r.virtualized = r.cpu->virtualized;
  for (const auto& id : r.cpu->mitigations) {
    if (const Mitigation* mi = model.find_mitigation(id)) r.mitigations.push_back(mi);
  }

  const bool writes = is_write(s.op);
  if (writes && !s.cache_given) r.in.cache = "hit";    // a write's block is usually cached
  if (s.op != "read" && !writes) return std::nullopt;  // the baselines ignore the I/O options
  const std::string& op = s.op;
  bool file = s.fd == "file";
  bool uring = s.api == "io_uring" || s.api == "io_uring_sqpoll";
  // Each test once: the checks below ask them again and again.
  const bool plain_api = s.api == "read" || s.api == "pread";  // read/pread (write/pwrite)
  const bool syncs = op == "fsync" || op == "fdatasync";
  const bool sync_flag = s.sync != "none";  // O_DSYNC or O_SYNC
  if (!writes && (sync_flag || s.full)) {
    return s.full ? option_error("full", "on", "off for op=read",
                                 "full (a full pipe or socket buffer) applies to writes")
                  : option_error("sync", s.sync, "none for op=read",
                                 "sync (O_DSYNC / O_SYNC) applies to writes");
  }
  if (s.bytes == 0) {
    if (!plain_api)
      return option_error("bytes", "0", "1 or more here",
                          fmt::format("{}(fd, buf, 0) is modelled with api=read or pread",
                                      writes ? "write" : "read"));
    // A socket's sendmsg still runs (and takes the socket's lock) for 0 bytes: not modelled.
    if (writes && (s.fd == "tcp" || s.fd == "unix"))
      return option_error("bytes", "0", "1 or more for fd=" + s.fd,
                          "write(fd, buf, 0) is modelled for files and pipes");
    if (syncs)
      return option_error("bytes", "0", "1 or more with op=" + op,
                          op + " is modelled after a write that wrote; for 0 bytes use op=write");
  }
  if (syncs && !file) {
    Error e = option_error("fd", s.fd, "file with op=" + op,
                           fmt::format("{}() of a {} fails with EINVAL: only files have data to "
                                       "make durable",
                                       op, s.fd == "pipe" ? "pipe" : "socket"));
    e.errno_name = "EINVAL";
    return e;
  }
  if (syncs) {
    if (s.cache == "miss" && s.cache_given)
      return option_error("cache", "miss", "hit with op=" + op,
                          op + " is modelled after a write to a cached block (cache=hit)");
    if (!plain_api)
      return option_error("api", s.api, "read, pread with op=" + op,
                          op + " is modelled as write() then " + op + "(), not through " + s.api);
    if (s.direct || sync_flag)
      return option_error(s.direct ? "direct" : "sync", s.direct ? "on" : s.sync,
                          s.direct ? "off with op=" + op : "none with op=" + op,
                          op + " follows a plain buffered write; for O_DIRECT or O_DSYNC use "
                               "op=write with direct or sync");
  }
  if (writes && file && s.full) {
    return option_error("full", "on", "off for fd=file",
                        "full applies to pipes and sockets: a file's write never waits for room");
  }
  if (writes && !file && sync_flag) {
    return option_error("sync", s.sync, "none for fd=" + s.fd,
                        "sync (O_DSYNC / O_SYNC) is modelled for regular files (fd=file)");
  }
  if (writes && !plain_api && !(op == "write" && s.api == "io_uring")) {
    return option_error("api", s.api, "read, pread or io_uring with op=write",
                        fmt::format("api={} is not modelled for writes", s.api));
  }
  if (writes && s.api == "io_uring" && (!file || r.in.cache != "hit" || s.direct || sync_flag)) {
    return option_error("api", s.api, "read, pread for this write",
                        "io_uring writes are modelled as buffered writes to a cached file");
  }
  if (writes && file && r.in.cache == "miss" && sync_flag && !s.direct && s.bytes != 0) {
    return option_error("sync", s.sync, "none with cache=miss",
                        "a synchronous write to an uncached block is not modelled; use cache=hit");
  }
  if (!file && !plain_api) {
    return option_error("api", s.api, "read, pread for fd=" + s.fd,
                        fmt::format("api={} is modelled for regular files only (fd=file); "
                                    "with fd={} use read or pread",
                                    s.api, s.fd));
  }
  if (s.batch != 1 && !uring) {
    return option_error("batch", std::to_string(s.batch), "1 unless api=io_uring",
                        "batch applies to api=io_uring and io_uring_sqpoll only");
  }
  if (s.wait && file) {
    return option_error("wait", "on", "off for fd=file",
                        writes ? "wait applies to pipes and sockets: a reader asleep on them"
                               : "wait applies to pipes and sockets: a regular file has data (or "
                                 "EOF) at once");
  }
  if (s.direct) {
    if (!file) {
      return option_error("direct", "on", "off for fd=" + s.fd,
                          "direct (O_DIRECT) is modelled for regular files only (fd=file)");
    }
    if (!plain_api) {
      return option_error("direct", "on", "off with api=" + s.api,
                          "direct (O_DIRECT) is modelled with api=read or pread");
    }
    int block = r.device->logical_block;
    if (s.bytes % block != 0) {
      Error e = option_error(
          "bytes", std::to_string(s.bytes), fmt::format("multiples of {} with direct", block),
          fmt::format("{}() with O_DIRECT fails with EINVAL for {} bytes: the size (and the buffer "
                      "and file offset) must be a multiple of the device's {}-byte logical block",
                      op, s.bytes, block));
      e.errno_name = "EINVAL";
      return e;
    }
  }
  return std::nullopt;
}

Result<ResolvedScenario> resolve(const Scenario& s, const Model& model) {
  ResolvedScenario r;
  if (auto e = resolve_into(s, model, r)) return *e;
  return r;
}

const std::vector<std::string>& attribute_keys() {
  static const std::vector<std::string> keys = {
      "op",          "fd",   "cache",  "device", "cpu",      "api",    "tracer",
      "kpti",        "pcid", "direct", "wait",   "nonblock", "vendor", "mitigation",
      "virtualized", "sync", "full",   "plp",    "zero",     "warm"};
  return keys;
}

Attributes attributes(const ResolvedScenario& s) {
  auto onoff = [](bool b) { return std::string_view(b ? "on" : "off"); };
  // The same order as attribute_keys().
  return {s.in.op,
          s.in.fd,
          s.in.cache,
          s.device->id,
          s.cpu->id,
          s.in.api,
          s.in.tracer,
          onoff(s.kpti),
          onoff(s.pcid),
          onoff(s.in.direct),
          onoff(s.in.wait),
          onoff(s.in.nonblock),
          s.cpu->vendor,
          s.cpu->mitigation,
          onoff(s.virtualized),
          s.in.sync,
          onoff(s.in.full),
          onoff(s.device->plp),
          onoff(s.in.bytes == 0),
          onoff(s.in.warm)};
}

std::vector<std::pair<std::string, std::string>> scenario_pairs(const ResolvedScenario& s) {
  auto onoff = [](bool b) { return std::string(b ? "on" : "off"); };
  return {
      {"op", s.in.op},
      {"fd", s.in.fd},
      {"cache", s.in.cache},
      {"device", s.device->id},
      {"cpu", s.cpu->id},
      {"ghz", number_text(s.ghz)},
      {"kpti", onoff(s.kpti)},
      {"pcid", onoff(s.pcid)},
      {"bytes", std::to_string(s.in.bytes)},
      {"tracer", s.in.tracer},
      {"api", s.in.api},
      {"batch", std::to_string(s.in.batch)},
      {"direct", onoff(s.in.direct)},
      {"wait", onoff(s.in.wait)},
      {"nonblock", onoff(s.in.nonblock)},
      {"sync", s.in.sync},
      {"full", onoff(s.in.full)},
      {"warm", onoff(s.in.warm)},
  };
}

}  // namespace sysjourney
