// `sysjourney measure --trace`: one cold pread(fd, buf, 16) followed through the kernel with
// tracefs, as root. The syscall, page-cache, block, scheduler and interrupt tracepoints split the
// read into segments (entry -> readahead -> bio -> request issue -> device -> completion -> wake-up
// -> exit), each set beside the model's stages for the same stretch.
//
// tracefs is left as it was found: it is mounted for the run only when it was not mounted, and
// everything is done in a private instance (instances/sysjourney-<tid>) that is removed at the
// end, on errors, and on SIGINT/SIGTERM/SIGHUP (Os::make_dir / Os::mount watch both). Nothing
// outside the instance is written.
#pragma once
#include <string>

#include "core/journey.h"
#include "core/model.h"
#include "core/profile.h"
#include "measure/os.h"
#include "measure/trace_events.h"

namespace sysjourney::measure {

struct TraceOptions {
  std::string dir{};    // as --dir: parent of the private probe directory ("" picks one)
  int repetitions = 5;  // cold reads traced; each segment reports its median
  // The model's side. Without `profile`, cpu= (the closest preset) and device= (the probe
  // directory's) are added from the host unless the text sets them.
  std::string scenario = "fd=file,cache=miss,api=pread";
  const Profile* profile = nullptr;  // measure's fitted profile, or nullptr for the preset as is
  size_t file_bytes = size_t{4} << 20;
};

// Needs root and tracefs. Errors: not root, no tracefs (or it cannot be mounted), a probe
// directory on tmpfs or pages that stay cached, no read found in the trace.
Result<TraceReport> trace_cold_read(Os& os, const Model& model, const TraceOptions& options);

}  // namespace sysjourney::measure
