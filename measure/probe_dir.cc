#include "measure/probe_dir.h"

#include <utility>

#include "measure/fs_magic.h"

namespace sysjourney::measure {

namespace {}  // namespace

bool memory_backed(long fs_magic) { return fs_magic == kTmpfsMagic || fs_magic == kRamfsMagic; }

std::string choose_probe_parent(SystemFiles& os, const std::string& requested) {
  if (!requested.empty()) return requested;
  std::string tmpdir = os.env("TMPDIR").value_or("");
  auto on_disk = [&](const std::string& dir) {
    if (dir.empty()) return false;
    auto magic = os.fs_magic(dir);
    return magic.ok() && !memory_backed(*magic);
  };
  if (on_disk(tmpdir)) return tmpdir;
  if (on_disk("/var/tmp")) return "/var/tmp";
  if (!tmpdir.empty() && os.fs_magic(tmpdir).ok()) return tmpdir;
  return "/tmp";
}

Result<ProbeDir> ProbeDir::create(ProbeFiles& os, const std::string& parent) {
  auto dir = os.make_private_dir(parent);
  if (!dir) return dir.error();
  return ProbeDir(os, *dir);
}

ProbeDir::ProbeDir(ProbeDir&& other) noexcept
    : os_(other.os_),
      path_(std::exchange(other.path_, {})),
      files_(std::exchange(other.files_, {})) {}

ProbeDir::~ProbeDir() {
  if (path_.empty()) return;
  // Best effort: a failure here has nowhere to go, and the signal path covers the rest.
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) (void)os_->remove(*it);
  (void)os_->remove(path_);
}

Result<std::string> ProbeDir::add_file(const std::string& name, size_t bytes) {
  const std::string path = path_ + "/" + name;
  if (auto s = os_->create_file(path, bytes); !s) return s.error();
  files_.push_back(path);
  return path;
}

}  // namespace sysjourney::measure
