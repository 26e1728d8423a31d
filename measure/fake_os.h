// A scripted Os for tests: an in-memory file tree, errno values to fail with, and a clock that
// moves only when a call is made. Calls it has no script for fail with ENOSYS, which the probes
// report as "skipped".
#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "measure/os.h"

namespace sysjourney::measure {

class FakeOs final : public Os {
 public:
  // --- Script ---
  std::map<std::string, std::string> files;  // read_file / pread content; probe files land here
  // Successive read_file() results for a path, ahead of `files` (e.g. /proc/stat moving on
  // between two reads); the last one repeats. on_read runs before each read_file().
  std::map<std::string, std::vector<std::string>> read_script;
  std::function<void(const std::string& path)> on_read;
  std::map<std::string, int> errors;            // path -> errno for any call on that path
  std::map<std::string, std::string> links;     // readlink
  std::map<std::string, long> fs_magics;        // statfs f_type of a path and all below it
  std::map<std::string, DeviceNumber> devices;  // stat st_dev of a path and all below it
  std::map<std::string, std::string> env_vars;
  std::string release = "6.1.0-fake";

  // Time: monotonic_ns() returns `now_ns`, then advances it by `clock_cost_ns`, so two reads in a
  // row are clock_cost_ns apart. Each call named in `latency_ns` ("pread", "pread_cold",
  // "pread_direct", "getppid", "clock_gettime") advances the clock by the next value of its
  // list, cycling. pwrite() writes into the file's content and costs latency_ns["pwrite"]; fsync
  // and fdatasync cost theirs.
  int64_t now_ns = 1'000'000;
  int64_t clock_cost_ns = 20;
  double tsc_ghz = 0;  // 0: no TSC
  std::map<std::string, std::vector<int64_t>> latency_ns;

  // Page cache, per 4 KiB page of each file: files start resident. When `evictable`,
  // drop_cached_pages() evicts a file's pages; a pread touching an evicted page costs
  // latency_ns["pread_cold"] and brings the pages it read back. When false pages stay resident,
  // as on tmpfs. A descriptor opened with O_DIRECT reads past the cache: "pread_direct".
  bool evictable = false;

  // CPUs: the affinity a thread starts with; set_thread_affinity() replaces it (all threads
  // share it here) and logs each request.
  std::vector<int> affinity = {0};

  // Privileges, mounts and control files. mount() of `fstype` makes fs_magic(target) the value
  // fstype_magics gives it (unmount() restores the one before); mount_errors fail it with an errno.
  // write_file() needs the file in `files` or a directory made by make_dir() above it; it stores
  // the content, logs the write and then calls on_write, which may script the kernel's reaction
  // (e.g. fill a tracefs `trace` file when tracing stops).
  unsigned euid = 1000;
  int tid = 1;  // thread_id()
  std::map<std::string, long> fstype_magics;
  std::map<std::string, int> mount_errors;  // target -> errno for mount()
  std::function<void(const std::string& path, const std::string& content)> on_write;

  // --- What happened ---
  std::set<std::string> dirs;        // directories made with make_private_dir or make_dir
  std::vector<std::string> watched;  // paths currently watched for signal cleanup
  std::map<std::string, int> calls;  // timed calls, remove(), mount() and unmount() -> count
  std::map<std::string, std::string> mounts;                // target -> fstype, mounted now
  std::vector<std::pair<std::string, std::string>> writes;  // write_file(path, content), in order
  struct PreadCall {
    std::string path;
    off_t offset = 0;
    size_t bytes = 0;
    bool direct = false;  // through an O_DIRECT descriptor
    bool cold = false;    // touched a page that was not in the cache
  };
  std::vector<PreadCall> preads;               // every pread(), in order
  std::vector<std::vector<int>> affinity_log;  // every set_thread_affinity(), in order
  int idle_priority_calls = 0;
  int64_t slept_ns = 0;  // sleep_ns() in total

  void advance(int64_t ns) { now_ns += ns; }

  // --- Os --- (the calls scripted in one line are defined below the class)
#include "measure/os_overrides.h"

  // Open descriptors, for tests that check nothing leaks.
  size_t open_fds() const { return fds_.size(); }

 private:
  struct OpenFile {
    std::string path;
    bool direct = false;
  };
  void spend(const std::string& call);
  std::optional<Error> scripted_error(std::string_view what, const std::string& path);

  std::map<int, OpenFile> fds_;
  std::map<std::string, std::set<size_t>> evicted_;  // path -> pages not in the cache
  std::map<std::string, size_t> next_latency_;
  std::map<std::string, std::optional<long>> magic_before_mount_;
  int next_fd_ = 3;
  int next_dir_ = 0;
};

inline int FakeOs::thread_id() { return tid; }
inline Result<std::vector<int>> FakeOs::thread_affinity() { return affinity; }
inline Status FakeOs::idle_priority() {
  ++idle_priority_calls;
  return Done{};
}
inline void FakeOs::uring_close(int /*handle*/) {}
inline unsigned FakeOs::effective_uid() { return euid; }

}  // namespace sysjourney::measure
