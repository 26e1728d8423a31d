// The real machine behind Os. Every raw call goes through one wrapper that retries EINTR and
// returns failures as os_error() values. Not final: tests derive from it to watch the real calls.
#pragma once
#include <memory>
#include <vector>

#include "measure/os.h"

struct io_uring;

namespace sysjourney::measure {

class LinuxOs : public Os {
 public:
  LinuxOs();
  ~LinuxOs() override;
  LinuxOs(const LinuxOs&) = delete;
  LinuxOs& operator=(const LinuxOs&) = delete;

  Result<std::string> read_file(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& path) override;
  Result<std::string> readlink(const std::string& path) override;
  Result<long> fs_magic(const std::string& path) override;
  Result<DeviceNumber> device_of(const std::string& path) override;
  Result<std::string> kernel_release() override;
  std::optional<std::string> env(const std::string& name) override;

  int64_t monotonic_ns() override;
  std::optional<uint64_t> read_tsc() override;
  void sleep_ns(int64_t ns) override;

  Result<std::string> make_private_dir(const std::string& parent) override;
  Status create_file(const std::string& path, size_t bytes) override;
  Status remove(const std::string& path) override;

  Result<int> open(const std::string& path, int flags) override;
  Status close(int fd) override;
  Result<size_t> pread(int fd, void* buf, size_t n, off_t offset) override;
  Result<size_t> read(int fd, void* buf, size_t n) override;
  Result<size_t> pwrite(int fd, const void* buf, size_t n, off_t offset) override;
  Status fsync(int fd) override;
  Status fdatasync(int fd) override;
  Result<size_t> write(int fd, const void* buf, size_t n) override;
  Result<size_t> bytes_queued(int fd) override;
  Status drop_cached_pages(int fd) override;
  using Os::resident_pages;
  Result<size_t> resident_pages(int fd, off_t offset, size_t length) override;
  Result<FdPair> open_channel(Channel kind) override;
  Result<long> getppid() override;
  Result<int64_t> kernel_monotonic_ns() override;
  int thread_id() override;
  Result<int> current_cpu() override;
  Result<std::vector<int>> thread_affinity() override;
  Status set_thread_affinity(const std::vector<int>& cpus) override;
  Status idle_priority() override;

  Result<int> uring_open(unsigned entries) override;
  Status uring_read(int handle, int fd, char* buf, unsigned length, unsigned count) override;
  void uring_close(int handle) override;

  Result<int> fork() override;
  [[noreturn]] void exit_child(int code) override;
  Status ptrace_traceme() override;
  Status stop_self() override;
  Result<int> wait_child(int pid) override;
  Status ptrace_set_options(int pid, long options) override;
  Status ptrace_resume_syscall(int pid, int signal) override;
  Status kill(int pid, int signal) override;

  unsigned effective_uid() override;
  Status mount(const std::string& source, const std::string& target,
               const std::string& fstype) override;
  Status unmount(const std::string& target) override;
  Status make_dir(const std::string& path) override;
  Status write_file(const std::string& path, std::string_view content) override;

 private:
  std::vector<std::unique_ptr<io_uring>> rings_;
};

}  // namespace sysjourney::measure
