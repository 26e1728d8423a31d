// The private directory the probes read from. It and its files are removed when the ProbeDir
// goes away, and (through Os::make_private_dir/create_file) on SIGINT, SIGTERM or SIGHUP.
#pragma once
#include <string>
#include <vector>

#include "measure/os.h"

namespace sysjourney::measure {

// Where to put the private directory. `requested` (--dir) wins; otherwise $TMPDIR unless it is
// memory-backed, then /var/tmp, then $TMPDIR or /tmp. Memory-backed filesystems (tmpfs) make
// cold reads and O_DIRECT meaningless, and /tmp is often one.
//   choose_probe_parent(os, "")  -> "/var/tmp"  (with TMPDIR unset)
std::string choose_probe_parent(SystemFiles& os, const std::string& requested);

// True for filesystems whose pages cannot leave memory (tmpfs, ramfs).
bool memory_backed(long fs_magic);

class ProbeDir {
 public:
  // Makes parent/sysjourney-XXXXXX.
  static Result<ProbeDir> create(ProbeFiles& os, const std::string& parent);
  ProbeDir(ProbeDir&& other) noexcept;
  ProbeDir& operator=(ProbeDir&&) = delete;
  ProbeDir(const ProbeDir&) = delete;
  ~ProbeDir();

  // Creates `name` of `bytes` bytes in the directory; returns its path.
  Result<std::string> add_file(const std::string& name, size_t bytes);
  const std::string& path() const { return path_; }

 private:
  ProbeDir(ProbeFiles& os, std::string path) : os_(&os), path_(std::move(path)) {}
  ProbeFiles* os_;
  std::string path_;
  std::vector<std::string> files_;
};

}  // namespace sysjourney::measure
