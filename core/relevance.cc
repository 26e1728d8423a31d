#include "relevance.h"

#include <algorithm>

namespace sysjourney {

namespace {

// The calls that take a descriptor, and those that enter the kernel at all.
const char* const kIo = "op=read|write|fsync|fdatasync";
const char* const kSyscall = "op=read|write|fsync|fdatasync|getppid|clock_gettime";

const char* const kZeroRead = "read(fd, buf, 0) returns before any I/O";
const char* const kZeroWrite = "write(fd, buf, 0) returns before any I/O";
const char* const kSameEagain = "every pipe and socket returns EAGAIN the same way";

}  // namespace

const std::vector<OptionRelevance>& option_relevance() {
  static const std::vector<OptionRelevance> table = {
      {.option = "op"},
      {.option = "fd",
       .applies = {kIo},
       .reason = "only for read() and write()",
       .inert = {{{"op=read", "bytes=0"}, kZeroRead}},
       .same = {{{"op=read", "wait=on", "nonblock=on"}, kSameEagain},
                {{"op=write", "full=on", "nonblock=on"}, kSameEagain}},
       // fsync() of a pipe or a socket is EINVAL.
       .values = {{"pipe", {"op!=fsync|fdatasync"}},
                  {"tcp", {"op!=fsync|fdatasync"}},
                  {"unix", {"op!=fsync|fdatasync"}}}},
      {.option = "cache",
       .applies = {"op=read|write", "fd=file"},
       .reason = "only for read() and write() of files",
       .inert = {{{"direct=on"}, "O_DIRECT bypasses the page cache"},
                 {{"op=read", "bytes=0"}, kZeroRead},
                 {{"op=write", "bytes=0"}, kZeroWrite}}},
      {.option = "device",
       .applies = {kIo, "fd=file"},
       .reason = "only for files",
       .inert = {{{"op=read", "cache=hit", "direct=off"}, "a hit never reaches the device"},
                 {{"op=read", "bytes=0"}, kZeroRead},
                 {{"op=write", "bytes=0"}, kZeroWrite},
                 {{"op=write", "cache=hit", "direct=off", "sync=none"},
                  "a buffered write ends in RAM: no device"}}},
      {.option = "cpu"},
      {.option = "ghz"},
      {.option = "kpti", .applies = {kSyscall}, .reason = "no kernel entry"},
      {.option = "pcid",
       .applies = {kSyscall},
       .reason = "no kernel entry",
       .inert = {{{"kpti=off"}, "matters only with KPTI on"}}},
      {.option = "bytes",
       .applies = {kIo},
       .reason = "only for read() and write()",
       .inert =
           {
               {{"op=write", "fd=tcp|unix"},
                "the model prices a socket write by the call, not by its size"},
           }},
      {.option = "tracer", .applies = {kSyscall}, .reason = "not a system call"},
      {.option = "api",
       .applies = {kIo},
       .reason = "only for read() and write()",
       // Pipes and sockets are read with read() or pread(); writes through io_uring are
       // modelled for write() alone.
       .values = {{"io_uring", {"fd=file", "op=read|write"}},
                  {"io_uring_sqpoll", {"fd=file", "op=read"}},
                  {"sendfile", {"fd=file", "op=read"}}}},
      {.option = "batch",
       .applies = {kIo, "api=io_uring|io_uring_sqpoll"},
       .reason = "only for io_uring"},
      {.option = "direct",
       .applies = {"op=read|write", "fd=file"},
       .reason = "only for files",
       .inert = {{{"op=read", "bytes=0"}, kZeroRead}, {{"op=write", "bytes=0"}, kZeroWrite}}},
      {.option = "wait",
       .applies = {kIo, "fd!=file"},
       .reason = "only for pipes and sockets",
       .inert = {{{"op=read", "bytes=0"}, kZeroRead},
                 {{"op=write", "bytes=0"}, kZeroWrite},
                 {{"op=write", "full=on", "nonblock=on"},
                  "EAGAIN returns before any reader is woken"}}},
      {.option = "nonblock",
       .applies = {kIo, "fd!=file"},
       .reason = "only for pipes and sockets",
       .inert = {{{"op=read", "bytes=0"}, kZeroRead},
                 {{"op=write", "bytes=0"}, kZeroWrite},
                 {{"op=read", "wait=off"}, "matters only when no data is waiting"},
                 {{"op=write", "full=off"}, "matters only when the buffer is full"}}},
      {.option = "sync",
       .applies = {"op=write", "fd=file"},
       .reason = "only for write() to a file",
       // generic_write_sync runs only after a write that wrote.
       .inert = {{{"bytes=0"}, "a 0-byte write flushes nothing"}}},
      {.option = "full",
       .applies = {"op=write", "fd!=file"},
       .reason = "only for writes to pipes and sockets",
       .inert = {{{"bytes=0"}, "pipe_write returns 0 for 0 bytes before it looks for room"}}},
      {.option = "warm",
       .applies = {"op=write|fsync|fdatasync", "fd=file"},
       .reason = "the model has warm figures for writes to files only",
       .inert = {{{"direct=on"}, "the model's warm figures are the buffered path's"},
                 {{"op=write", "bytes=0"}, kZeroWrite}}},
  };
  return table;
}

std::map<std::string, std::string> clause_values(const ResolvedScenario& s) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : scenario_pairs(s)) out[k] = v;
  return out;
}

bool holds(const std::string& clause, const std::map<std::string, std::string>& values) {
  auto c = parse_clause(clause);
  if (!c) return false;
  auto it = values.find(c->key);
  bool in = it != values.end() &&
            std::find(c->values.begin(), c->values.end(), it->second) != c->values.end();
  return c->negate ? !in : in;
}

bool all_hold(const std::vector<std::string>& clauses,
              const std::map<std::string, std::string>& v) {
  return std::all_of(clauses.begin(), clauses.end(),
                     [&](const std::string& c) { return holds(c, v); });
}

const InertRule* first_holding(const std::vector<InertRule>& rules,
                               const std::map<std::string, std::string>& v) {
  for (const InertRule& rule : rules) {
    if (all_hold(rule.when, v)) return &rule;
  }
  return nullptr;
}

Relevance relevance_of(const OptionRelevance& rule, const std::map<std::string, std::string>& v) {
  if (!all_hold(rule.applies, v)) return {false, false, rule.reason};
  if (const InertRule* inert = first_holding(rule.inert, v)) return {true, false, inert->reason};
  return {};
}

bool value_offered(const OptionRelevance& rule, const std::string& value,
                   const std::map<std::string, std::string>& v) {
  auto it = rule.values.find(value);
  return it == rule.values.end() || all_hold(it->second, v);
}

}  // namespace sysjourney
