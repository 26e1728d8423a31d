#include "model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

// Parse errors come back as values; model.cc is the only file that includes toml++.
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "bounds.h"
#include "clause.h"
#include "scenario.h"
#include "text.h"

namespace sysjourney {

namespace {

const std::vector<std::string> kLanes = {"user", "kernel", "hardware"};
const std::vector<std::string> kUnits = {"cycles", "ns"};
const std::vector<std::string>& kScales = scale_classes();
const std::vector<std::string> kEventFields = {"calls",    "indirect", "entries",
                                               "switches", "vmexits",  "source"};
const std::vector<std::string> kTools = {"strace",   "ltrace",   "perf-trace", "ftrace",
                                         "bpftrace", "blktrace", "biolatency"};
const std::vector<std::string> kPer = {"read", "batch", "overlap"};
// The largest number a model may state (1000 s in ns): sums of many such stages stay finite.
constexpr double kMaxNumber = 1e12;

// Reads one file's tables and reports problems with "file:line", field, value, allowed.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  std::string where(const toml::node& n) const {
    return fmt::format("{}:{}", file_, n.source().begin.line);
  }

  Error error(const toml::node& n, const std::string& field, const std::string& value,
              const std::string& allowed, const std::string& message) const {
    return Error{message, field, value, allowed, where(n)};
  }

  Error missing(const toml::node& table, const std::string& owner, const std::string& field,
                const std::string& allowed) const {
    return error(table, field, "", allowed,
                 fmt::format("{}: missing '{}' ({})", owner, field, allowed));
  }

  // Every key of `table` must be one of `known`: catches typos such as "tpy".
  std::optional<Error> check_keys(const toml::table& table, const std::string& owner,
                                  const std::vector<std::string>& known) const {
    for (const auto& [key, node] : table) {
      std::string k(key.str());
      if (!contains(known, k)) {
        return error(
            node, k, k, join(known, ", "),
            fmt::format("{}: unknown field '{}' (allowed {})", owner, k, join(known, ", ")));
      }
    }
    return std::nullopt;
  }

  Result<std::string> string(const toml::table& t, const std::string& owner,
                             const std::string& field, bool required = true) const {
    const toml::node* n = t.get(field);
    if (!n) {
      if (!required) return std::string();
      return missing(t, owner, field, "a string");
    }
    auto v = n->value<std::string>();
    if (!v)
      return error(*n, field, "", "a string",
                   fmt::format("{}: '{}' must be a string", owner, field));
    if (required && v->empty()) {
      return error(*n, field, "", "a non-empty string",
                   fmt::format("{}: '{}' is empty", owner, field));
    }
    return *v;
  }

  Result<std::string> choice(const toml::table& t, const std::string& owner,
                             const std::string& field,
                             const std::vector<std::string>& allowed) const {
    auto s = string(t, owner, field);
    if (!s) return s;
    if (!contains(allowed, *s)) {
      return error(
          *t.get(field), field, *s, join(allowed, ", "),
          fmt::format("{}: {} '{}' is not one of {}", owner, field, *s, join(allowed, ", ")));
    }
    return s;
  }

  Result<bool> boolean(const toml::table& t, const std::string& owner,
                       const std::string& field) const {
    const toml::node* n = t.get(field);
    if (!n) return missing(t, owner, field, "true or false");
    auto v = n->value<bool>();
    if (!v || !n->is_boolean()) {
      return error(*n, field, "", "true or false",
                   fmt::format("{}: '{}' must be true or false", owner, field));
    }
    return *v;
  }

  // A number >= 0 (integers are accepted for floats).
  Result<double> number(const toml::table& t, const std::string& owner, const std::string& field,
                        std::optional<double> fallback = std::nullopt) const {
    const toml::node* n = t.get(field);
    if (!n) {
      if (fallback) return *fallback;
      return missing(t, owner, field, "a number >= 0");
    }
    if (!n->is_number()) {
      return error(*n, field, "", "a number >= 0",
                   fmt::format("{}: '{}' must be a number", owner, field));
    }
    double d = n->value<double>().value_or(0);
    if (!(d >= 0)) {
      return error(*n, field, fmt::format("{}", d), "a number >= 0",
                   fmt::format("{}: '{}' is {}, a cost cannot be negative", owner, field, d));
    }
    // TOML allows inf and 1e308; either would turn a journey's sums into inf, which is not JSON.
    if (!(d <= kMaxNumber)) {
      return error(*n, field, fmt::format("{}", d), "a number from 0 to 1e12",
                   fmt::format("{}: '{}' is {}, above 1e12", owner, field, d));
    }
    return d;
  }

  Result<std::vector<std::string>> strings(const toml::table& t, const std::string& owner,
                                           const std::string& field, bool allow_empty) const {
    const toml::node* n = t.get(field);
    if (!n) return missing(t, owner, field, "a list of strings");
    const toml::array* a = n->as_array();
    if (!a)
      return error(*n, field, "", "a list of strings",
                   fmt::format("{}: '{}' must be a list", owner, field));
    std::vector<std::string> out;
    for (const auto& item : *a) {
      auto v = item.value<std::string>();
      if (!v)
        return error(item, field, "", "strings",
                     fmt::format("{}: '{}' holds a non-string", owner, field));
      out.push_back(*v);
    }
    if (out.empty() && !allow_empty) {
      return error(*n, field, "", "at least one entry",
                   fmt::format("{}: '{}' is empty", owner, field));
    }
    return out;
  }

 private:
  std::string file_;
};

Result<Cost> read_cost(const Reader& r, const toml::table& t, const std::string& owner) {
  if (auto e = r.check_keys(t, owner,
                            {"unit", "low", "typ", "high", "per_page_low", "per_page_typ",
                             "per_page_high", "warm", "source"})) {
    return *e;
  }
  Cost c;
  auto unit = r.choice(t, owner, "unit", kUnits);
  if (!unit) return unit.error();
  c.unit = *unit == "ns" ? Unit::ns : Unit::cycles;
  for (auto [field, dst] : {std::pair{"low", &c.low}, {"typ", &c.typ}, {"high", &c.high}}) {
    auto v = r.number(t, owner, field);
    if (!v) return v.error();
    *dst = *v;
  }
  for (auto [field, dst] : {std::pair{"per_page_low", &c.per_page_low},
                            {"per_page_typ", &c.per_page_typ},
                            {"per_page_high", &c.per_page_high}}) {
    auto v = r.number(t, owner, field, 0.0);
    if (!v) return v.error();
    *dst = *v;
  }
  if (!(c.low <= c.typ && c.typ <= c.high)) {
    return r.error(t, "typ", fmt::format("{}/{}/{}", c.low, c.typ, c.high), "low <= typ <= high",
                   fmt::format("{}: cost range {}/{}/{} is out of order (low <= typ <= high)",
                               owner, c.low, c.typ, c.high));
  }
  if (!(c.per_page_low <= c.per_page_typ && c.per_page_typ <= c.per_page_high)) {
    return r.error(t, "per_page_typ", fmt::format("{}", c.per_page_typ),
                   "per_page_low <= typ <= high",
                   fmt::format("{}: per-page range is out of order", owner));
  }
  if (t.get("warm")) {
    auto warm = r.number(t, owner, "warm");
    if (!warm) return warm.error();
    if (*warm > c.typ) {
      return r.error(
          *t.get("warm"), "warm", fmt::format("{}", *warm), fmt::format("0 to typ ({})", c.typ),
          fmt::format("{}: warm cost {} is above the typical (cold) cost {}", owner, *warm, c.typ));
    }
    c.warm = *warm;
  }
  auto src = r.string(t, owner, "source", false);
  if (!src) return src.error();
  c.source = *src;
  return c;
}

// Conditions look like "key=value", "key=a|b" or "key!=value".
Result<Condition> read_condition(const Reader& r, const toml::node& n, const std::string& text,
                                 const std::string& owner) {
  auto clause = parse_clause(text);
  if (!clause) {
    return r.error(n, "when", text, "key=value, key=a|b or key!=value",
                   fmt::format("{}: condition '{}' is not key=value", owner, text));
  }
  Condition c;
  c.key = std::move(clause->key);
  c.negate = clause->negate;
  c.values = std::move(clause->values);
  const auto& keys = attribute_keys();
  c.key_index = int(std::find(keys.begin(), keys.end(), c.key) - keys.begin());
  if (!contains(attribute_keys(), c.key)) {
    return r.error(n, "when", c.key, join(attribute_keys(), ", "),
                   fmt::format("{}: condition on unknown key '{}' (allowed {})", owner, c.key,
                               join(attribute_keys(), ", ")));
  }
  return c;
}

Result<std::vector<Condition>> read_conditions(const Reader& r, const toml::node* n,
                                               const std::string& owner) {
  std::vector<Condition> out;
  if (!n) return out;
  std::vector<std::pair<const toml::node*, std::string>> texts;
  if (auto s = n->value<std::string>()) {
    texts.push_back({n, *s});
  } else if (const toml::array* a = n->as_array()) {
    for (const auto& item : *a) {
      auto s2 = item.value<std::string>();
      if (!s2) return r.error(item, "when", "", "strings", owner + ": 'when' holds a non-string");
      texts.push_back({&item, *s2});
    }
  } else {
    return r.error(*n, "when", "", "a string or a list of strings", owner + ": bad 'when'");
  }
  for (auto& [node, text] : texts) {
    auto c = read_condition(r, *node, text, owner);
    if (!c) return c.error();
    out.push_back(*c);
  }
  return out;
}

struct RawSegment {
  const toml::array* items = nullptr;
  std::string file;
};

// The stage items of a path or segment before segment references are expanded.
Result<std::vector<PathItem>> read_items(const Reader& r, const toml::array& items,
                                         const std::string& owner,
                                         const std::map<std::string, RawSegment>& segments,
                                         int depth);

Result<std::vector<PathItem>> expand_segment(const toml::node& at, const Reader& r,
                                             const std::string& name, const std::string& owner,
                                             const std::map<std::string, RawSegment>& segments,
                                             int depth) {
  auto it = segments.find(name);
  if (it == segments.end()) {
    std::vector<std::string> names;
    for (const auto& [k, v] : segments) names.push_back(k);
    return r.error(at, "segment", name, join(names, ", "),
                   fmt::format("{}: unknown segment '{}'", owner, name));
  }
  if (depth > 4) {
    return r.error(at, "segment", name, "segments nested at most 4 deep",
                   fmt::format("{}: segment '{}' refers to itself", owner, name));
  }
  Reader seg_reader(it->second.file);
  return read_items(seg_reader, *it->second.items, "segment " + name, segments, depth + 1);
}

Result<std::vector<PathItem>> read_items(const Reader& r, const toml::array& items,
                                         const std::string& owner,
                                         const std::map<std::string, RawSegment>& segments,
                                         int depth) {
  std::vector<PathItem> out;
  for (const auto& node : items) {
    if (auto s = node.value<std::string>()) {
      if (!s->empty() && (*s)[0] == '@') {
        auto sub = expand_segment(node, r, s->substr(1), owner, segments, depth);
        if (!sub) return sub.error();
        out.insert(out.end(), sub->begin(), sub->end());
      } else {
        out.push_back(PathItem{*s, 0, {}, Per::read});
      }
      continue;
    }
    const toml::table* t = node.as_table();
    if (!t) return r.error(node, "stages", "", "stage ids or tables", owner + ": bad stage item");
    if (auto e = r.check_keys(*t, owner, {"stage", "segment", "when", "per"})) return *e;
    auto per_name = t->get("per") ? r.choice(*t, owner, "per", kPer) : Result<std::string>("read");
    if (!per_name) return per_name.error();
    Per per = *per_name == "batch" ? Per::batch : *per_name == "overlap" ? Per::overlap : Per::read;
    auto when = read_conditions(r, t->get("when"), owner);
    if (!when) return when.error();
    if (t->get("segment")) {
      auto name = r.string(*t, owner, "segment");
      if (!name) return name.error();
      auto sub = expand_segment(node, r, *name, owner, segments, depth);
      if (!sub) return sub.error();
      for (auto item : *sub) {
        if (t->get("per")) item.per = per;
        item.when.insert(item.when.end(), when->begin(), when->end());
        out.push_back(item);
      }
      continue;
    }
    auto stage = r.string(*t, owner, "stage");
    if (!stage) return stage.error();
    out.push_back(PathItem{*stage, 0, *when, per});
  }
  return out;
}

// TOML allows non-ASCII text only in strings and comments. toml++ 3.3 (Debian 12), looking for
// whitespace between tokens, reaches __builtin_unreachable() on many non-ASCII characters (such
// as 'é' or 'σ' after a key): undefined behaviour. Refuse them here first, with a clear error.
std::optional<Error> non_ascii_outside_strings(const ModelFile& f) {
  enum class In { code, comment, basic, literal, multi_basic, multi_literal } in = In::code;
  const std::string& t = f.text;
  int line = 1, column = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      // A comment ends with its line; so does an unclosed one-line string (toml++ reports it).
      if (in == In::comment || in == In::basic || in == In::literal) in = In::code;
      continue;
    }
    switch (in) {
      case In::code:
        if (c == '#') {
          in = In::comment;
        } else if (t.compare(i, 3, "\"\"\"") == 0 || t.compare(i, 3, "'''") == 0) {
          in = c == '"' ? In::multi_basic : In::multi_literal;
          i += 2;
          column += 2;
        } else if (c == '"' || c == '\'') {
          in = c == '"' ? In::basic : In::literal;
        } else if (static_cast<unsigned char>(c) >= 0x80) {
          return Error{
              "non-ASCII character outside a string or comment (TOML allows it only there)", "", "",
              "ASCII outside strings and comments", fmt::format("{}:{}:{}", f.name, line, column)};
        }
        break;
      case In::basic:
      case In::multi_basic:
        if (c == '\\' && i + 1 < t.size() && t[i + 1] != '\n') {
          ++i;  // an escaped character (an escaped line end is counted above)
          ++column;
        } else if (in == In::basic && c == '"') {
          in = In::code;
        } else if (in == In::multi_basic && t.compare(i, 3, "\"\"\"") == 0) {
          in = In::code;
          i += 2;
          column += 2;
        }
        break;
      case In::literal:
        if (c == '\'') in = In::code;
        break;
      case In::multi_literal:
        if (t.compare(i, 3, "'''") == 0) {
          in = In::code;
          i += 2;
          column += 2;
        }
        break;
      case In::comment:
        break;
    }
  }
  return std::nullopt;
}

// Values an attribute can take, for checking conditions and cost_by coverage.
std::vector<std::string> attribute_domain(const std::string& key, const Model& m) {
  std::vector<std::string> out;
  if (key == "device") {
    for (const auto& d : m.devices) out.push_back(d.id);
  } else if (key == "cpu") {
    for (const auto& c : m.cpus) out.push_back(c.id);
  } else if (key == "vendor" || key == "mitigation") {
    for (const auto& c : m.cpus) {
      const std::string& v = key == "vendor" ? c.vendor : c.mitigation;
      if (!contains(out, v)) out.push_back(v);
    }
  } else if (key == "kpti" || key == "pcid" || key == "direct" || key == "wait" ||
             key == "nonblock" || key == "virtualized" || key == "full" || key == "plp" ||
             key == "zero" || key == "warm") {
    out = {"on", "off"};
  } else {
    for (const auto& o : scenario_options()) {
      if (key == o.name) out = o.values;
    }
  }
  return out;
}

// Ids already defined, per kind: a second definition is an error that names the first.
class Definitions {
 public:
  std::optional<Error> define(const Reader& r, const toml::node& n, const std::string& kind,
                              const std::string& id) {
    auto key = kind + " " + id;
    if (auto it = seen_.find(key); it != seen_.end()) {
      return r.error(
          n, "id", id, "a unique id",
          fmt::format("duplicate {} id '{}' (first defined at {})", kind, id, it->second));
    }
    seen_[key] = r.where(n);
    return std::nullopt;
  }

 private:
  std::map<std::string, std::string> seen_;  // "kind id" -> where it was defined
};

// [sources.<id>]: citation, url, year, estimate.
std::optional<Error> read_sources(const Reader& r, const toml::table& sources, Definitions& defs,
                                  Model& m) {
  for (const auto& [key, node] : sources) {
    std::string id(key.str());
    std::string owner = "source " + id;
    const toml::table* t = node.as_table();
    if (!t) return r.error(node, id, "", "a table", owner + " must be a table");
    if (auto e = defs.define(r, node, "source", id)) return *e;
    if (auto e = r.check_keys(*t, owner, {"citation", "url", "year", "estimate"})) return *e;
    Source s;
    s.id = id;
    auto citation = r.string(*t, owner, "citation");
    if (!citation) return citation.error();
    s.citation = *citation;
    auto url = r.string(*t, owner, "url", false);
    if (!url) return url.error();
    s.url = *url;
    s.year = static_cast<int>((*t)["year"].value<int64_t>().value_or(0));
    s.estimate = (*t)["estimate"].value<bool>().value_or(false);
    m.sources.push_back(s);
  }
  return std::nullopt;
}

// [mitigations.<id>]: each mitigation's per-event taxes in cycles.
std::optional<Error> read_mitigations(const Reader& r, const toml::table& mits, Definitions& defs,
                                      Model& m) {
  for (const auto& [key, node] : mits) {
    std::string id(key.str());
    std::string owner = "mitigation " + id;
    const toml::table* t = node.as_table();
    if (!t) return r.error(node, id, "", "a table", owner + " must be a table");
    if (auto e = defs.define(r, node, "mitigation", id)) return *e;
    if (auto e = r.check_keys(*t, owner,
                              {"title", "entry", "call", "ret", "indirect", "switch",
                               "call_after_entry", "kpti_without_pcid", "source", "note"})) {
      return *e;
    }
    Mitigation mi;
    mi.id = id;
    auto title = r.string(*t, owner, "title");
    if (!title) return title.error();
    mi.title = *title;
    for (auto [field, dst] : {std::pair{"entry", &mi.entry},
                              {"call", &mi.call},
                              {"ret", &mi.ret},
                              {"indirect", &mi.indirect},
                              {"switch", &mi.context_switch},
                              {"call_after_entry", &mi.call_after_entry}}) {
      auto v = r.number(*t, owner, field, 0.0);
      if (!v) return v.error();
      *dst = *v;
    }
    if (t->get("kpti_without_pcid")) {
      auto b = r.boolean(*t, owner, "kpti_without_pcid");
      if (!b) return b.error();
      mi.kpti_without_pcid = *b;
    }
    auto src = r.string(*t, owner, "source");
    if (!src) return src.error();
    mi.source = *src;
    m.mitigations.push_back(mi);
  }
  return std::nullopt;
}

// [[strings]]: the kernel's vulnerabilities/* texts and the mitigations each one means.
std::optional<Error> read_strings(const Reader& r, const toml::node& sn, Model& m) {
  const toml::array* strs = sn.as_array();
  if (!strs)
    return r.error(sn, "strings", "", "an array of tables [[strings]]",
                   "'strings' must be [[strings]]");
  for (const auto& node : *strs) {
    const toml::table* t = node.as_table();
    if (!t)
      return r.error(node, "strings", "", "a table", "each [[strings]] entry must be a table");
    const std::string owner = "mitigation string";
    if (auto e = r.check_keys(*t, owner, {"file", "text", "prefix", "mitigations", "kpti"}))
      return *e;
    MitigationString ms;
    auto file = r.string(*t, owner, "file");
    if (!file) return file.error();
    ms.file = *file;
    auto text = r.string(*t, owner, "text");
    if (!text) return text.error();
    ms.text = *text;
    if (t->get("prefix")) {
      auto b = r.boolean(*t, owner, "prefix");
      if (!b) return b.error();
      ms.prefix = *b;
    }
    if (t->get("mitigations")) {
      auto ids = r.strings(*t, owner, "mitigations", true);
      if (!ids) return ids.error();
      ms.mitigations = *ids;
    }
    if (t->get("kpti")) {
      auto b = r.boolean(*t, owner, "kpti");
      if (!b) return b.error();
      ms.kpti = *b;
    }
    m.mitigation_strings.push_back(ms);
  }
  return std::nullopt;
}

// [vm]: what a VM exit costs a guest.
std::optional<Error> read_vm(const Reader& r, const toml::node& vn, Model& m) {
  const toml::table* t = vn.as_table();
  if (!t) return r.error(vn, "vm", "", "a table", "'vm' must be a table");
  if (auto e = r.check_keys(*t, "vm", {"exit", "source"})) return *e;
  auto exit = r.number(*t, "vm", "exit");
  if (!exit) return exit.error();
  m.vm.exit_cycles = *exit;
  auto src = r.string(*t, "vm", "source");
  if (!src) return src.error();
  m.vm.source = *src;
  return std::nullopt;
}

// [devices.<id>]: what serves a miss, and how it takes writes and flushes.
std::optional<Error> read_devices(const Reader& r, const toml::table& devices, Definitions& defs,
                                  Model& m) {
  for (const auto& [key, node] : devices) {
    std::string id(key.str());
    std::string owner = "device " + id;
    const toml::table* t = node.as_table();
    if (!t) return r.error(node, id, "", "a table", owner + " must be a table");
    if (auto e = defs.define(r, node, "device", id)) return *e;
    if (auto e = r.check_keys(
            *t, owner,
            {"title", "parallelism", "bandwidth_mb_s", "logical_block", "plp", "source"})) {
      return *e;
    }
    Device d;
    d.id = id;
    auto title = r.string(*t, owner, "title");
    if (!title) return title.error();
    d.title = *title;
    auto par = r.number(*t, owner, "parallelism");
    if (!par) return par.error();
    auto bw = r.number(*t, owner, "bandwidth_mb_s");
    if (!bw) return bw.error();
    auto lb = r.number(*t, owner, "logical_block");
    if (!lb) return lb.error();
    // Whole numbers that fit an int (the casts below), and a rate that keeps transfers finite.
    if (*par < 1 || *par > 1e6 || *par != std::floor(*par) || *bw < 0.001 || *lb < 1 || *lb > 1e9 ||
        *lb != std::floor(*lb)) {
      return r.error(
          node, "parallelism", "",
          "parallelism 1 to 1e6, bandwidth_mb_s >= 0.001, logical_block 1 to 1e9 (whole "
          "numbers)",
          owner +
              ": parallelism, bandwidth and logical block must be positive (whole numbers "
              "for parallelism and logical block)");
    }
    d.parallelism = static_cast<int>(*par);
    d.bandwidth_mb_s = *bw;
    d.logical_block = static_cast<int>(*lb);
    if (t->get("plp")) {  // unset: a volatile write cache, as most drives have
      auto plp = r.boolean(*t, owner, "plp");
      if (!plp) return plp.error();
      d.plp = *plp;
    }
    auto src = r.string(*t, owner, "source");
    if (!src) return src.error();
    d.source = *src;
    m.devices.push_back(d);
  }
  return std::nullopt;
}

// [cpus.<id>]: the CPU presets.
std::optional<Error> read_cpus(const Reader& r, const toml::table& cpus, Definitions& defs,
                               Model& m) {
  for (const auto& [key, node] : cpus) {
    std::string id(key.str());
    std::string owner = "cpu " + id;
    const toml::table* t = node.as_table();
    if (!t) return r.error(node, id, "", "a table", owner + " must be a table");
    if (auto e = defs.define(r, node, "cpu", id)) return *e;
    if (auto e =
            r.check_keys(*t, owner,
                         {"title", "vendor", "ghz", "kpti", "pcid", "mitigation", "mitigations",
                          "virtualized", "device", "scales", "scales_source", "source"})) {
      return *e;
    }
    CpuPreset c;
    c.id = id;
    auto title = r.string(*t, owner, "title");
    if (!title) return title.error();
    c.title = *title;
    auto vendor = r.choice(*t, owner, "vendor", {"intel", "amd"});
    if (!vendor) return vendor.error();
    c.vendor = *vendor;
    auto ghz = r.number(*t, owner, "ghz");
    if (!ghz) return ghz.error();
    if (*ghz < bounds::kGhzMin || *ghz > bounds::kGhzMax) {
      const std::string range = fmt::format("{:.1f} to {:.1f}", bounds::kGhzMin, bounds::kGhzMax);
      return r.error(*t->get("ghz"), "ghz", fmt::format("{}", *ghz), range,
                     fmt::format("{}: ghz {} is outside {}", owner, *ghz, range));
    }
    c.ghz = *ghz;
    for (auto [field, dst] :
         {std::pair{"kpti", &c.kpti}, {"pcid", &c.pcid}, {"virtualized", &c.virtualized}}) {
      auto b = r.boolean(*t, owner, field);
      if (!b) return b.error();
      *dst = *b;
    }
    auto mit = r.string(*t, owner, "mitigation");
    if (!mit) return mit.error();
    c.mitigation = *mit;
    if (t->get("mitigations")) {
      auto ids = r.strings(*t, owner, "mitigations", true);
      if (!ids) return ids.error();
      c.mitigations = *ids;
    }
    auto dev = r.string(*t, owner, "device");
    if (!dev) return dev.error();
    c.device = *dev;
    auto src = r.string(*t, owner, "source");
    if (!src) return src.error();
    c.source = *src;
    if (const toml::node* sn = t->get("scales")) {
      const toml::table* st = sn->as_table();
      if (!st)
        return r.error(*sn, "scales", "", "a table of class = factor", owner + ": bad scales");
      for (const auto& [cls, v] : *st) {
        std::string k(cls.str());
        if (!contains(profile_scales(), k)) {
          return r.error(v, "scales", k, join(profile_scales(), ", "),
                         fmt::format("{}: unknown scale class '{}'", owner, k));
        }
        double f = v.value<double>().value_or(-1);
        if (!(f > 0 && f <= bounds::kScaleMax)) {
          return r.error(v, "scales", k,
                         fmt::format("a factor > 0, at most {:g}", bounds::kScaleMax),
                         fmt::format("{}: scale {} must be > 0 and at most {:g}", owner, k,
                                     bounds::kScaleMax));
        }
        c.scales[k] = f;
      }
    }
    m.cpus.push_back(c);
  }
  return std::nullopt;
}

// [stages.<id>]: every stage a path may take, with its cost and who sees it.
std::optional<Error> read_stages(const Reader& r, const toml::table& stages, Definitions& defs,
                                 Model& m) {
  for (const auto& [key, node] : stages) {
    std::string id(key.str());
    std::string owner = "stage " + id;
    const toml::table* t = node.as_table();
    if (!t) return r.error(node, id, "", "a table", owner + " must be a table");
    if (auto e = defs.define(r, node, "stage", id)) return *e;
    if (auto e =
            r.check_keys(*t, owner,
                         {"title", "short", "lane", "on_cpu", "scale", "functions", "visible_to",
                          "cost", "cost_by", "costs", "events", "source", "explain"})) {
      return *e;
    }
    Stage s;
    s.id = id;
    s.where = r.where(node);
    auto title = r.string(*t, owner, "title");
    if (!title) return title.error();
    s.title = *title;
    if (t->get("short")) {  // the node's name in the page's lanes; unset: from the title
      auto short_name = r.string(*t, owner, "short");
      if (!short_name) return short_name.error();
      if (short_name->empty() || short_name->size() > 10) {
        return r.error(*t->get("short"), "short", *short_name, "1 to 10 characters",
                       owner + ": 'short' must be 1 to 10 characters");
      }
      s.short_name = *short_name;
    }
    auto lane = r.choice(*t, owner, "lane", kLanes);
    if (!lane) return lane.error();
    s.lane = *lane == "user" ? Lane::user : *lane == "hardware" ? Lane::hardware : Lane::kernel;
    auto on_cpu = r.boolean(*t, owner, "on_cpu");
    if (!on_cpu) return on_cpu.error();
    s.on_cpu = *on_cpu;
    auto scale = r.choice(*t, owner, "scale", kScales);
    if (!scale) return scale.error();
    s.scale = *scale;
    s.scale_index = int(std::find(kScales.begin(), kScales.end(), s.scale) - kScales.begin());
    auto functions = r.strings(*t, owner, "functions", false);
    if (!functions) return functions.error();
    s.functions = *functions;
    auto visible = r.strings(*t, owner, "visible_to", true);
    if (!visible) return visible.error();
    for (const auto& tool : *visible) {
      if (!contains(kTools, tool)) {
        return r.error(*t->get("visible_to"), "visible_to", tool, join(kTools, ", "),
                       fmt::format("{}: unknown tool '{}' in visible_to", owner, tool));
      }
    }
    s.visible_to = *visible;
    s.strace_visible = contains(s.visible_to, "strace");
    auto explain = r.string(*t, owner, "explain");
    if (!explain) return explain.error();
    s.explain = *explain;
    auto src = r.string(*t, owner, "source");
    if (!src) return src.error();
    s.source = *src;
    if (const toml::node* en = t->get("events")) {
      const toml::table* et = en->as_table();
      if (!et)
        return r.error(*en, "events", "", "a table of event counts",
                       owner + ": 'events' must be a table");
      if (auto e = r.check_keys(*et, owner + " events", kEventFields)) return *e;
      for (auto [field, dst] : {std::pair{"calls", &s.events.calls},
                                {"indirect", &s.events.indirect},
                                {"entries", &s.events.entries},
                                {"switches", &s.events.switches},
                                {"vmexits", &s.events.vmexits}}) {
        auto v = r.number(*et, owner + " events", field, 0.0);
        if (!v) return v.error();
        *dst = *v;
      }
      auto esrc = r.string(*et, owner + " events", "source");
      if (!esrc) return esrc.error();
      s.events.source = *esrc;
    }
    const toml::node* cost = t->get("cost");
    const toml::node* cost_by = t->get("cost_by");
    if (bool(cost) == bool(cost_by)) {
      return r.error(node, "cost", "", "either cost or cost_by with costs",
                     fmt::format("{}: needs exactly one of 'cost' and 'cost_by'", owner));
    }
    if (cost) {
      const toml::table* ct = cost->as_table();
      if (!ct) return r.error(*cost, "cost", "", "a table", owner + ": 'cost' must be a table");
      auto c = read_cost(r, *ct, owner);
      if (!c) return c.error();
      s.cost = *c;
    } else {
      auto by = r.choice(*t, owner, "cost_by", attribute_keys());
      if (!by) return by.error();
      s.cost_by = *by;
      const auto& keys = attribute_keys();
      s.cost_by_index = int(std::find(keys.begin(), keys.end(), s.cost_by) - keys.begin());
      const toml::table* costs = (*t)["costs"].as_table();
      if (!costs)
        return r.missing(*t, owner, "costs", "a table of costs for each value of cost_by");
      for (const auto& [value, cnode] : *costs) {
        const toml::table* ct = cnode.as_table();
        std::string v(value.str());
        if (!ct)
          return r.error(cnode, "costs", v, "a table", owner + ": each cost must be a table");
        auto c = read_cost(r, *ct, owner + " cost " + v);
        if (!c) return c.error();
        s.costs[v] = *c;
      }
    }
    m.stages.push_back(s);
  }
  return std::nullopt;
}

// [segments.<id>]: named runs of stages that paths include; expanded when the paths are read.
std::optional<Error> read_segments(const Reader& r, const toml::table& segs, Definitions& defs,
                                   std::map<std::string, RawSegment>& segments) {
  for (const auto& [key, node] : segs) {
    std::string id(key.str());
    if (auto e = defs.define(r, node, "segment", id)) return *e;
    const toml::table* t = node.as_table();
    const toml::array* items = t ? (*t)["stages"].as_array() : nullptr;
    if (!items)
      return r.error(node, "stages", id, "a list", "segment " + id + ": needs a 'stages' list");
    segments[id] = RawSegment{items, r.file()};
  }
  return std::nullopt;
}

// The cross-check: every source, mitigation, device and default named is defined, every cost
// has the unit its stage's lane and scale need, and a cost_by covers every value.
std::optional<Error> check_references(Model& m, const std::string& default_where) {
  // Cross references, now that every file is in.
  auto known_source = [&](const std::string& id) { return m.find_source(id) != nullptr; };
  std::vector<std::string> source_ids;
  for (const auto& s : m.sources) source_ids.push_back(s.id);
  auto source_error = [&](const std::string& where, const std::string& owner,
                          const std::string& id) {
    return Error{fmt::format("{}: unknown source id '{}' (define it in sources.toml)", owner, id),
                 "source", id, join(source_ids, ", "), where};
  };
  for (const auto& s : m.stages) {
    if (!known_source(s.source)) return source_error(s.where, "stage " + s.id, s.source);
    auto check_cost = [&](const Cost& c, const std::string& owner) -> std::optional<Error> {
      if (!c.source.empty() && !known_source(c.source))
        return source_error(s.where, owner, c.source);
      // CPU work is counted in cycles; the device and wake-ups in ns (they do not speed up
      // with the clock).
      bool wants_ns = s.lane == Lane::hardware || s.scale == "device" || s.scale == "wake";
      Unit want = wants_ns ? Unit::ns : Unit::cycles;
      if (c.unit != want) {
        return Error{
            fmt::format("{}: unit '{}' does not fit a {} stage with scale '{}' (use '{}')", owner,
                        to_string(c.unit), to_string(s.lane), s.scale, to_string(want)),
            "unit", to_string(c.unit), to_string(want), s.where};
      }
      return std::nullopt;
    };
    if (s.cost) {
      if (auto e = check_cost(*s.cost, "stage " + s.id)) return *e;
    }
    if (!s.cost_by.empty()) {
      for (const auto& [v, c] : s.costs) {
        if (auto e = check_cost(c, "stage " + s.id + " cost " + v)) return *e;
      }
      for (const auto& v : attribute_domain(s.cost_by, m)) {
        if (!s.costs.count(v)) {
          return Error{
              fmt::format("stage {}: no cost for {}={} (cost_by '{}' needs one for every value)",
                          s.id, s.cost_by, v, s.cost_by),
              "costs", v, join(attribute_domain(s.cost_by, m), ", "), s.where};
        }
      }
    }
  }
  for (const auto& s : m.stages) {
    if (s.events.any() && !known_source(s.events.source)) {
      return source_error(s.where, "stage " + s.id + " events", s.events.source);
    }
  }
  std::vector<std::string> mitigation_ids;
  for (const auto& mi : m.mitigations) {
    if (!known_source(mi.source))
      return source_error("mechanisms", "mitigation " + mi.id, mi.source);
    mitigation_ids.push_back(mi.id);
  }
  auto known_mitigation = [&](const std::string& id,
                              const std::string& owner) -> std::optional<Error> {
    if (m.find_mitigation(id)) return std::nullopt;
    return Error{
        fmt::format("{}: unknown mitigation '{}' (define it in mechanisms.toml)", owner, id),
        "mitigations", id, join(mitigation_ids, ", "), "mechanisms"};
  };
  for (const auto& ms : m.mitigation_strings) {
    for (const auto& id : ms.mitigations) {
      if (auto e = known_mitigation(id, "string '" + ms.text + "'")) return *e;
    }
  }
  for (const auto& c : m.cpus) {
    for (const auto& id : c.mitigations) {
      if (auto e = known_mitigation(id, "cpu " + c.id)) return *e;
    }
  }
  if (!m.vm.source.empty() && !known_source(m.vm.source))
    return source_error("mechanisms", "vm", m.vm.source);
  for (const auto& d : m.devices) {
    if (!known_source(d.source)) return source_error("devices", "device " + d.id, d.source);
  }
  for (const auto& c : m.cpus) {
    if (!known_source(c.source)) return source_error("cpus", "cpu " + c.id, c.source);
    if (!m.find_device(c.device)) {
      return Error{fmt::format("cpu {}: unknown device '{}'", c.id, c.device), "device", c.device,
                   join(attribute_domain("device", m), ", "), "cpus"};
    }
  }
  if (m.cpus.empty())
    return Error{"the model defines no CPU presets", "cpus", "", "[cpus.<id>] tables", ""};
  if (m.default_cpu.empty()) m.default_cpu = m.cpus.front().id;
  if (!m.find_cpu(m.default_cpu)) {
    return Error{fmt::format("default CPU preset '{}' is not defined", m.default_cpu), "default",
                 m.default_cpu, join(attribute_domain("cpu", m), ", "), default_where};
  }

  return std::nullopt;
}

// [[paths]], once every stage and segment is in: each path's conditions and its stages, with
// segments expanded and each stage id resolved to its index.
std::optional<Error> read_paths(
    const std::vector<std::pair<const Reader*, const toml::table*>>& raw_paths,
    const std::map<std::string, RawSegment>& segments, Definitions& defs, Model& m) {
  for (const auto& [reader, t] : raw_paths) {
    const Reader& r = *reader;
    if (auto e = r.check_keys(*t, "path", {"id", "title", "when", "stages", "result"})) return *e;
    Path p;
    auto id = r.string(*t, "path", "id");
    if (!id) return id.error();
    p.id = *id;
    std::string owner = "path " + p.id;
    p.where = r.where(*t);
    if (auto e = defs.define(r, *t, "path", p.id)) return *e;
    auto title = r.string(*t, owner, "title");
    if (!title) return title.error();
    p.title = *title;
    auto result = r.string(*t, owner, "result");
    if (!result) return result.error();
    p.result = *result;
    auto when = read_conditions(r, t->get("when"), owner);
    if (!when) return when.error();
    p.when = *when;
    const toml::array* items = (*t)["stages"].as_array();
    if (!items) return r.missing(*t, owner, "stages", "a list of stage ids");
    auto expanded = read_items(r, *items, owner, segments, 0);
    if (!expanded) return expanded.error();
    p.items = *expanded;
    if (p.items.empty())
      return r.error(*t, "stages", "", "at least one stage", owner + ": no stages");
    for (auto& item : p.items) {
      const Stage* st = m.find_stage(item.stage);
      if (!st) {
        return r.error(*t, "stages", item.stage, "a stage id from stages.toml",
                       fmt::format("{}: unknown stage id '{}'", owner, item.stage));
      }
      item.stage_index = std::size_t(st - m.stages.data());
    }
    m.paths.push_back(p);
  }
  if (m.paths.empty())
    return Error{"the model defines no paths", "paths", "", "[[paths]] entries", ""};
  return std::nullopt;
}

// Every condition value must be one the attribute can take: a typo would make a path dead.
std::optional<Error> check_conditions(const Model& m) {
  for (const auto& p : m.paths) {
    auto check = [&](const Condition& c) -> std::optional<Error> {
      auto domain = attribute_domain(c.key, m);
      for (const auto& v : c.values) {
        if (!contains(domain, v)) {
          return Error{
              fmt::format("path {}: condition {} can never hold: '{}' is not a value of {}", p.id,
                          c.key, v, c.key),
              "when", v, join(domain, ", "), p.where};
        }
      }
      return std::nullopt;
    };
    for (const auto& c : p.when)
      if (auto e = check(c)) return *e;
    for (const auto& item : p.items)
      for (const auto& c : item.when)
        if (auto e = check(c)) return *e;
  }
  return std::nullopt;
}

// The values the paths' conditions name, per attribute, and each condition as a bit mask over
// them: the engine then tests bits instead of comparing strings.
std::optional<Error> index_conditions(Model& m) {
  m.condition_values.assign(attribute_keys().size(), {});
  auto name_values = [&](const std::vector<Condition>& conds) {
    for (const auto& c : conds) {
      auto& named = m.condition_values[std::size_t(c.key_index)];
      for (const auto& v : c.values)
        if (!contains(named, v)) named.push_back(v);
    }
  };
  for (const auto& p : m.paths) {
    name_values(p.when);
    for (const auto& item : p.items) name_values(item.when);
  }
  for (std::size_t k = 0; k < attribute_keys().size(); ++k) {
    std::size_t n = m.condition_values[k].size();
    if (n > kMaxConditionValues) {
      return Error{fmt::format("the paths' conditions name {} values of {}; the engine handles at "
                               "most {}",
                               n, attribute_keys()[k], kMaxConditionValues),
                   "when", attribute_keys()[k],
                   fmt::format("at most {} values", kMaxConditionValues), ""};
    }
  }
  auto set_mask = [&](Condition& c) {
    const auto& named = m.condition_values[std::size_t(c.key_index)];
    for (std::size_t i = 0; i < named.size(); ++i)
      if (contains(c.values, named[i])) c.mask |= std::uint64_t{1} << i;
  };
  for (auto& p : m.paths) {
    for (auto& c : p.when) set_mask(c);
    for (auto& item : p.items)
      for (auto& c : item.when) set_mask(c);
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& scale_classes() {
  // "tax": stages that are nothing but a mitigation's cost (KPTI's CR3 writes, the entry code
  // of IBRS, VERW, the BHI loop), scaled with the per-event taxes of the other stages.
  // "flush": what a drive takes to make its cache durable (flushes and FUA writes), which
  // differs between machines far more than its reads do.
  static const std::vector<std::string> classes = {"user",   "trap", "kernel", "wake",
                                                   "device", "tax",  "none",   "flush"};
  return classes;
}

const std::vector<std::string>& profile_scales() {
  static const std::vector<std::string> keys = {"user", "trap", "kernel", "wake", "device",
                                                "tax",  "none", "vmexit", "flush"};
  return keys;
}

const char* to_string(Per p) {
  switch (p) {
    case Per::read:
      return "read";
    case Per::batch:
      return "batch";
    case Per::overlap:
      return "overlap";
  }
  return "read";
}

const char* to_string(Unit u) { return u == Unit::ns ? "ns" : "cycles"; }

const char* to_string(Lane l) {
  switch (l) {
    case Lane::user:
      return "user";
    case Lane::kernel:
      return "kernel";
    case Lane::hardware:
      return "hardware";
  }
  return "kernel";
}

const Stage* Model::find_stage(const std::string& id) const {
  for (const auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}
const CpuPreset* Model::find_cpu(const std::string& id) const {
  for (const auto& c : cpus)
    if (c.id == id) return &c;
  return nullptr;
}
const Device* Model::find_device(const std::string& id) const {
  for (const auto& d : devices)
    if (d.id == id) return &d;
  return nullptr;
}
const Mitigation* Model::find_mitigation(const std::string& id) const {
  for (const auto& mi : mitigations)
    if (mi.id == id) return &mi;
  return nullptr;
}
const Source* Model::find_source(const std::string& id) const {
  for (const auto& s : sources)
    if (s.id == id) return &s;
  return nullptr;
}

Result<Model> load_model(const std::vector<ModelFile>& files) {
  Model m;
  // Parsed documents are kept alive: segments and paths are read after every file is in.
  std::vector<std::pair<Reader, toml::table>> docs;
  std::map<std::string, RawSegment> segments;
  std::vector<std::pair<const Reader*, const toml::table*>> raw_paths;
  std::string default_where;

  for (const auto& f : files) {
    if (auto e = non_ascii_outside_strings(f)) return *e;
    toml::parse_result parsed = toml::parse(f.text, f.name);
    if (!parsed) {
      const auto& err = parsed.error();
      return Error{
          fmt::format("TOML syntax error: {}", err.description()), "", "", "valid TOML",
          fmt::format("{}:{}:{}", f.name, err.source().begin.line, err.source().begin.column)};
    }
    docs.emplace_back(Reader(f.name), std::move(parsed).table());
  }
  Definitions defs;

  for (std::size_t di = 0; di < docs.size(); ++di) {
    const Reader& r = docs[di].first;
    const toml::table& root = docs[di].second;
    if (auto e = r.check_keys(root, "model file",
                              {"stages", "cpus", "devices", "sources", "segments", "paths",
                               "default", "mitigations", "strings", "vm", "model_version"})) {
      return *e;
    }
    if (const toml::node* v = root.get("model_version")) {
      auto text = v->value<std::string>();
      if (!text || text->empty())
        return r.error(*v, "model_version", "", "a non-empty string such as \"2026.1\"",
                       "'model_version' must be a non-empty string");
      if (!m.version.empty())
        return r.error(*v, "model_version", *text, "one model_version in all the model files",
                       "'model_version' is set twice");
      m.version = *text;
    }
    if (const toml::node* d = root.get("default")) {
      auto v = d->value<std::string>();
      if (!v) return r.error(*d, "default", "", "a CPU preset id", "'default' must be a string");
      m.default_cpu = *v;
      default_where = r.where(*d);
    }
    if (const toml::table* t = root["sources"].as_table())
      if (auto e = read_sources(r, *t, defs, m)) return *e;
    if (const toml::table* t = root["mitigations"].as_table())
      if (auto e = read_mitigations(r, *t, defs, m)) return *e;
    if (const toml::node* n = root.get("strings"))
      if (auto e = read_strings(r, *n, m)) return *e;
    if (const toml::node* n = root.get("vm"))
      if (auto e = read_vm(r, *n, m)) return *e;
    if (const toml::table* t = root["devices"].as_table())
      if (auto e = read_devices(r, *t, defs, m)) return *e;
    if (const toml::table* t = root["cpus"].as_table())
      if (auto e = read_cpus(r, *t, defs, m)) return *e;
    if (const toml::table* t = root["stages"].as_table())
      if (auto e = read_stages(r, *t, defs, m)) return *e;
    if (const toml::table* t = root["segments"].as_table())
      if (auto e = read_segments(r, *t, defs, segments)) return *e;
    if (const toml::node* pn = root.get("paths")) {
      const toml::array* paths = pn->as_array();
      if (!paths)
        return r.error(*pn, "paths", "", "an array of tables [[paths]]",
                       "'paths' must be [[paths]]");
      for (const auto& node : *paths) {
        const toml::table* t = node.as_table();
        if (!t)
          return r.error(node, "paths", "", "a table", "each [[paths]] entry must be a table");
        raw_paths.push_back({&r, t});
      }
    }
  }

  if (auto e = check_references(m, default_where)) return *e;
  if (auto e = read_paths(raw_paths, segments, defs, m)) return *e;
  if (auto e = check_conditions(m)) return *e;
  if (auto e = index_conditions(m)) return *e;
  return m;
}
}  // namespace sysjourney
