#include "measure/fake_os.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sysjourney::measure {
namespace {

// The value scripted for `path` or its nearest scripted ancestor, as a mount covers its subtree.
template <class V>
const V* nearest(const std::map<std::string, V>& by_path, std::string path) {
  for (;;) {
    auto it = by_path.find(path);
    if (it != by_path.end()) return &it->second;
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos || path == "/") return nullptr;
    path.resize(slash == 0 ? 1 : slash);
  }
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

Error unscripted(std::string_view what) { return os_error(what, "", ENOSYS); }

constexpr size_t kPage = 4096;

}  // namespace

void FakeOs::spend(const std::string& call) {
  ++calls[call];
  auto it = latency_ns.find(call);
  if (it == latency_ns.end() || it->second.empty()) return;
  size_t& next = next_latency_[call];
  advance(it->second[next % it->second.size()]);
  ++next;
}

std::optional<Error> FakeOs::scripted_error(std::string_view what, const std::string& path) {
  auto it = errors.find(path);
  if (it == errors.end()) return std::nullopt;
  return os_error(what, path, it->second);
}

Result<std::string> FakeOs::read_file(const std::string& path) {
  if (on_read) on_read(path);
  if (auto e = scripted_error("open", path)) return *e;
  if (auto script = read_script.find(path);
      script != read_script.end() && !script->second.empty()) {
    std::string next = script->second.front();
    if (script->second.size() > 1) script->second.erase(script->second.begin());
    return next;
  }
  auto it = files.find(path);
  if (it == files.end()) return os_error("open", path, ENOENT);
  return it->second;
}

Result<std::vector<std::string>> FakeOs::list_dir(const std::string& path) {
  if (auto e = scripted_error("open directory", path)) return *e;
  std::set<std::string> names;
  const std::string prefix = path + "/";
  auto collect = [&](const std::string& p) {
    if (p.rfind(prefix, 0) != 0) return;
    const std::string rest = p.substr(prefix.size());
    names.insert(rest.substr(0, rest.find('/')));
  };
  for (const auto& [p, _] : files) collect(p);
  for (const auto& [p, _] : links) collect(p);
  for (const auto& p : dirs) collect(p);
  if (names.empty() && !dirs.count(path)) return os_error("open directory", path, ENOENT);
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::string> FakeOs::readlink(const std::string& path) {
  if (auto e = scripted_error("read link", path)) return *e;
  auto it = links.find(path);
  if (it == links.end()) return os_error("read link", path, ENOENT);
  return it->second;
}

Result<long> FakeOs::fs_magic(const std::string& path) {
  if (auto e = scripted_error("statfs", path)) return *e;
  const long* magic = nearest(fs_magics, path);
  if (!magic) return os_error("statfs", path, ENOENT);
  return *magic;
}

Result<DeviceNumber> FakeOs::device_of(const std::string& path) {
  if (auto e = scripted_error("stat", path)) return *e;
  const DeviceNumber* dev = nearest(devices, path);
  if (!dev) return os_error("stat", path, ENOENT);
  return *dev;
}

Result<std::string> FakeOs::kernel_release() { return release; }

std::optional<std::string> FakeOs::env(const std::string& name) {
  auto it = env_vars.find(name);
  if (it == env_vars.end()) return std::nullopt;
  return it->second;
}

int64_t FakeOs::monotonic_ns() {
  const int64_t t = now_ns;
  advance(clock_cost_ns);
  return t;
}

std::optional<uint64_t> FakeOs::read_tsc() {
  if (tsc_ghz <= 0) return std::nullopt;
  return static_cast<uint64_t>(static_cast<double>(now_ns) * tsc_ghz);
}

void FakeOs::sleep_ns(int64_t ns) {
  ++calls["sleep"];
  slept_ns += ns;
  advance(ns);
}

Result<std::string> FakeOs::make_private_dir(const std::string& parent) {
  if (auto e = scripted_error("create a directory in", parent)) return *e;
  const std::string dir = parent + "/sysjourney-fake" + std::to_string(next_dir_++);
  dirs.insert(dir);
  watched.push_back(dir);
  return dir;
}

Status FakeOs::create_file(const std::string& path, size_t bytes) {
  if (auto e = scripted_error("create", path)) return *e;
  if (!dirs.count(parent_of(path))) return os_error("create", path, ENOENT);
  files[path] = std::string(bytes, 'x');
  watched.push_back(path);
  return Done{};
}

Status FakeOs::remove(const std::string& path) {
  ++calls["remove"];
  std::erase(watched, path);
  if (auto e = scripted_error("remove", path)) return *e;
  evicted_.erase(path);
  if (files.erase(path) || dirs.erase(path)) return Done{};
  return os_error("remove", path, ENOENT);
}

Result<int> FakeOs::open(const std::string& path, int flags) {
  if (auto e = scripted_error("open", path)) return *e;
  if (!files.count(path)) return os_error("open", path, ENOENT);
  fds_[next_fd_] = OpenFile{.path = path, .direct = (flags & O_DIRECT) != 0};
  return next_fd_++;
}

Status FakeOs::close(int fd) {
  if (!fds_.erase(fd)) return os_error("close", "fd " + std::to_string(fd), EBADF);
  return Done{};
}

Result<size_t> FakeOs::pread(int fd, void* buf, size_t n, off_t offset) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return os_error("pread", "fd " + std::to_string(fd), EBADF);
  const std::string& path = it->second.path;
  const std::string& content = files[path];
  const size_t start = std::min(static_cast<size_t>(offset), content.size());
  const size_t count = std::min(n, content.size() - start);
  PreadCall call{.path = path, .offset = offset, .bytes = n, .direct = it->second.direct};
  if (call.direct) {
    spend("pread_direct");
  } else {
    // The pages this read touches; any of them evicted makes it a cold read that brings them back.
    std::set<size_t>& evicted = evicted_[path];
    for (size_t page = start / kPage; page * kPage < start + std::max<size_t>(count, 1); ++page)
      call.cold = evicted.erase(page) > 0 || call.cold;
    spend(call.cold ? "pread_cold" : "pread");
  }
  preads.push_back(call);
  std::memcpy(buf, content.data() + start, count);
  return count;
}

Result<size_t> FakeOs::pwrite(int fd, const void* buf, size_t n, off_t offset) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return os_error("pwrite", "fd " + std::to_string(fd), EBADF);
  std::string& content = files[it->second.path];
  const size_t start = static_cast<size_t>(offset);
  if (content.size() < start + n) content.resize(start + n);
  std::memcpy(content.data() + start, buf, n);
  spend("pwrite");
  return n;
}

Status FakeOs::fsync(int fd) {
  if (!fds_.count(fd)) return os_error("fsync", "fd " + std::to_string(fd), EBADF);
  spend("fsync");
  return Done{};
}

Status FakeOs::fdatasync(int fd) {
  if (!fds_.count(fd)) return os_error("fdatasync", "fd " + std::to_string(fd), EBADF);
  spend("fdatasync");
  return Done{};
}

Status FakeOs::drop_cached_pages(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return os_error("drop cached pages of", "fd " + std::to_string(fd), EBADF);
  if (!evictable) return Done{};
  const size_t pages = (files[it->second.path].size() + kPage - 1) / kPage;
  std::set<size_t>& evicted = evicted_[it->second.path];
  for (size_t page = 0; page < pages; ++page) evicted.insert(page);
  return Done{};
}

Result<size_t> FakeOs::resident_pages(int fd, off_t offset, size_t length) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return os_error("mmap", "fd " + std::to_string(fd), EBADF);
  const std::set<size_t>& evicted = evicted_[it->second.path];
  size_t resident = 0;
  const size_t first = static_cast<size_t>(offset) / kPage;
  for (size_t page = first; page < first + (length + kPage - 1) / kPage; ++page)
    resident += evicted.count(page) ? 0 : 1;
  return resident;
}

Result<long> FakeOs::getppid() {
  spend("getppid");
  return 1L;
}

Result<int64_t> FakeOs::kernel_monotonic_ns() {
  spend("clock_gettime");
  return now_ns;
}

Result<int> FakeOs::current_cpu() {
  if (affinity.empty()) return os_error("sched_getcpu", "", EINVAL);
  return affinity.front();
}

Status FakeOs::set_thread_affinity(const std::vector<int>& cpus) {
  affinity_log.push_back(cpus);
  if (cpus.empty()) return os_error("sched_setaffinity", "", EINVAL);
  affinity = cpus;
  return Done{};
}

// Not scripted: the probes that need these report "skipped" with the ENOSYS message.
Result<size_t> FakeOs::read(int, void*, size_t) { return unscripted("read"); }
Result<size_t> FakeOs::write(int, const void*, size_t) { return unscripted("write"); }
Result<size_t> FakeOs::bytes_queued(int) { return unscripted("ask how many bytes wait on"); }
Result<FdPair> FakeOs::open_channel(Channel) { return unscripted("create a channel"); }
Result<int> FakeOs::uring_open(unsigned) { return unscripted("set up io_uring"); }
Status FakeOs::uring_read(int, int, char*, unsigned, unsigned) {
  return unscripted("submit to io_uring");
}
Result<int> FakeOs::fork() { return unscripted("fork"); }
void FakeOs::exit_child(int code) { std::_Exit(code); }
Status FakeOs::ptrace_traceme() { return unscripted("ptrace(PTRACE_TRACEME)"); }
Status FakeOs::stop_self() { return unscripted("stop"); }
Result<int> FakeOs::wait_child(int) { return unscripted("wait for"); }
Status FakeOs::ptrace_set_options(int, long) { return unscripted("ptrace(PTRACE_SETOPTIONS)"); }
Status FakeOs::ptrace_resume_syscall(int, int) { return unscripted("ptrace(PTRACE_SYSCALL)"); }
Status FakeOs::kill(int, int) { return unscripted("send a signal to"); }

Status FakeOs::mount(const std::string&, const std::string& target, const std::string& fstype) {
  ++calls["mount"];
  if (auto it = mount_errors.find(target); it != mount_errors.end())
    return os_error("mount " + fstype + " on", target, it->second);
  if (mounts.count(target)) return os_error("mount " + fstype + " on", target, EBUSY);
  auto before = fs_magics.find(target);
  magic_before_mount_[target] =
      before == fs_magics.end() ? std::nullopt : std::optional<long>(before->second);
  if (auto magic = fstype_magics.find(fstype); magic != fstype_magics.end())
    fs_magics[target] = magic->second;
  mounts[target] = fstype;
  watched.push_back(target);
  return Done{};
}

Status FakeOs::unmount(const std::string& target) {
  ++calls["unmount"];
  if (!mounts.erase(target)) return os_error("unmount", target, EINVAL);
  const std::optional<long> before = magic_before_mount_[target];
  if (before)
    fs_magics[target] = *before;
  else
    fs_magics.erase(target);
  std::erase(watched, target);
  return Done{};
}

Status FakeOs::make_dir(const std::string& path) {
  if (auto e = scripted_error("create directory", path)) return *e;
  if (dirs.count(path) || files.count(path)) return os_error("create directory", path, EEXIST);
  dirs.insert(path);
  watched.push_back(path);
  return Done{};
}

Status FakeOs::write_file(const std::string& path, std::string_view content) {
  if (auto e = scripted_error("write to", path)) return *e;
  bool exists = files.count(path) > 0;
  for (std::string dir = parent_of(path); !exists && !dir.empty(); dir = parent_of(dir))
    exists = dirs.count(dir) > 0;
  if (!exists) return os_error("open", path, ENOENT);
  files[path] = std::string(content);
  writes.emplace_back(path, std::string(content));
  if (on_write) on_write(path, std::string(content));
  return Done{};
}

}  // namespace sysjourney::measure
