// `sysjourney measure --path`: one call of a scenario traced with the function tracer, as root,
// and mapped to the model's stages (measure/ftrace_path.h does the parsing and mapping).
//
// Everything happens in a private tracefs instance (instances/sysjourney-path-<tid>): the
// function tracer filtered to this thread (set_ftrace_pid) and to its CPU, a few untraced calls
// first so the path is the steady state, then tracing_on around one call between two
// trace_marker writes. The instance is removed at the end, on errors, and on SIGINT/SIGTERM/SIGHUP
// (Os::make_dir watches it); tracefs is unmounted after if this run mounted it. Nothing outside
// the instance is written.
//
// Where the function tracer is missing or refused, the tracepoints of ftrace_path.h's table stand
// in (as `measure --trace` uses them) and `missing` says what could not be used.
#pragma once
#include <string>
#include <vector>

#include "core/model.h"
#include "core/scenario.h"
#include "measure/ftrace_path.h"
#include "measure/host.h"
#include "measure/os.h"

namespace sysjourney::measure {

// The default of `measure --path`: a 16-byte pread of a file whose pages are cached.
Scenario path_default_scenario();

// Whether --path can run `s` here, before any work: a usage error (exit 2) otherwise. Traced are
// op=read of a file (api read, pread or io_uring; cache hit or miss), of a pipe, unix or tcp
// socket with data waiting (api read; pread, the default, becomes read there), and op=getppid.
Status check_path_scenario(const Model& model, const Scenario& given);

struct PathOptions {
  std::string dir{};  // as --dir: parent of the private probe directory ("" picks one)
  int warmup = 3;     // untraced calls before the traced one
  size_t file_bytes = size_t{1} << 20;
};

struct PathReport {
  HostFacts host;
  std::vector<std::pair<std::string, std::string>> scenario;  // the model's scenario, resolved
  std::string path_id;                                        // the model's path (paths.toml)
  std::string syscall;                                        // the traced call, e.g. "pread64"
  std::string tracefs;                                        // e.g. "/sys/kernel/tracing"
  bool mounted = false;                                       // mounted for this run
  std::vector<std::string> missing;   // what could not be used, and what that costs
  std::vector<std::string> syscalls;  // every syscall between the markers, in order
  PathMapping mapping;                // mapping.tracer: "function" or "tracepoints"
  std::vector<std::string> notes;
};

// Needs root and tracefs. Errors: not root, no tracefs, the instance cannot be made, neither the
// function tracer nor any tracepoint can be used, the call fails, or the trace holds no call.
Result<PathReport> trace_path(Os& os, const Model& model, const Scenario& given,
                              const PathOptions& options);

}  // namespace sysjourney::measure
