// The one interface between measure/ and the operating system, split by concern. Probes and
// host facts call only this, so their logic runs unchanged against LinuxOs (the machine) and
// FakeOs (tests).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sysjourney::measure {

// The value of a call that returns nothing but can fail.
struct Done {};
using Status = Result<Done>;

// Builds the error every failed system call returns, e.g.
//   os_error("open", "/sys/x", ENOENT).message == "cannot open /sys/x: No such file or directory"
// The errno travels as field "errno" with its number in `value`; read it back with errno_of().
Error os_error(std::string_view what, std::string_view target, int err);
// The errno carried by an os_error(), or 0 for any other error.
int errno_of(const Error& e);

// A device number (st_dev), as in /sys/dev/block/<major>:<minor>.
struct DeviceNumber {
  unsigned major = 0;
  unsigned minor = 0;
};

// Two connected descriptors: bytes written to `writer` arrive at `reader`.
struct FdPair {
  int reader = -1;
  int writer = -1;
};

// What read_pipe, read_unix and read_tcp read from.
enum class Channel { pipe, unix_stream, tcp_loopback };

// The OS by concern, one interface each, so that code asks only for what it uses (the timer
// takes a Clocks&, the probe directory a ProbeFiles&) and a new probe widens one concern, not
// all.
// Os is all of them: LinuxOs and FakeOs implement it, and an Os& converts to any part.

// Files and facts about the system.
class SystemFiles {
 public:
  virtual ~SystemFiles() = default;
  // The whole content of a (small) file such as /proc/cpuinfo or a /sys attribute.
  virtual Result<std::string> read_file(const std::string& path) = 0;
  // Names in a directory, without "." and "..", sorted.
  virtual Result<std::vector<std::string>> list_dir(const std::string& path) = 0;
  virtual Result<std::string> readlink(const std::string& path) = 0;
  // statfs(2) f_type of the filesystem holding `path` (EXT4_SUPER_MAGIC, TMPFS_MAGIC, ...).
  virtual Result<long> fs_magic(const std::string& path) = 0;
  // stat(2) st_dev of `path`: the block device its filesystem lives on.
  virtual Result<DeviceNumber> device_of(const std::string& path) = 0;
  // uname(2) release, e.g. "6.1.0-18-amd64".
  virtual Result<std::string> kernel_release() = 0;
  virtual std::optional<std::string> env(const std::string& name) = 0;
};

class Clocks {
 public:
  virtual ~Clocks() = default;
  // CLOCK_MONOTONIC in nanoseconds (the vDSO on Linux: no kernel entry).
  virtual int64_t monotonic_ns() = 0;
  // The time-stamp counter, or nothing where the CPU has none we can read.
  virtual std::optional<uint64_t> read_tsc() = 0;
  virtual void sleep_ns(int64_t ns) = 0;
};

// The probes' private directory and files, removed on SIGINT, SIGTERM and SIGHUP too.
class ProbeFiles {
 public:
  virtual ~ProbeFiles() = default;
  // mkdtemp(parent/sysjourney-XXXXXX). The directory, and every file made by create_file(), is
  // removed if SIGINT, SIGTERM or SIGHUP arrives before remove() is called for it.
  virtual Result<std::string> make_private_dir(const std::string& parent) = 0;
  // A new file of `bytes` real (not sparse) bytes, flushed to the device with fsync.
  virtual Status create_file(const std::string& path, size_t bytes) = 0;
  // unlink or rmdir, and stop watching the path for signal cleanup.
  virtual Status remove(const std::string& path) = 0;
};

// The calls the probes time (on descriptors, getppid and the kernel clock), and the page cache's
// state.
class TimedCalls {
 public:
  virtual ~TimedCalls() = default;
  virtual Result<int> open(const std::string& path, int flags) = 0;
  virtual Status close(int fd) = 0;
  virtual Result<size_t> pread(int fd, void* buf, size_t n, off_t offset) = 0;
  virtual Result<size_t> read(int fd, void* buf, size_t n) = 0;
  virtual Result<size_t> write(int fd, const void* buf, size_t n) = 0;
  virtual Result<size_t> pwrite(int fd, const void* buf, size_t n, off_t offset) = 0;
  virtual Status fsync(int fd) = 0;
  virtual Status fdatasync(int fd) = 0;
  // Bytes waiting to be read (FIONREAD).
  virtual Result<size_t> bytes_queued(int fd) = 0;
  // posix_fadvise(POSIX_FADV_DONTNEED) over the whole file: drops only this file's clean pages.
  virtual Status drop_cached_pages(int fd) = 0;
  // How many pages of [offset, offset + length) are in the page cache (mmap + mincore); `offset`
  // is a multiple of the page size.
  virtual Result<size_t> resident_pages(int fd, off_t offset, size_t length) = 0;
  Result<size_t> resident_pages(int fd, size_t length) { return resident_pages(fd, 0, length); }
  virtual Result<FdPair> open_channel(Channel kind) = 0;
  // syscall(SYS_getppid): the cheapest real system call, never cached by glibc.
  virtual Result<long> getppid() = 0;
  // syscall(SYS_clock_gettime, CLOCK_MONOTONIC): the vDSO's clock, but through the kernel.
  virtual Result<int64_t> kernel_monotonic_ns() = 0;
};

// Threads and CPUs. The probes pin their timing thread to one CPU, and both sides of a wake-up
// to that same CPU, as the model's wake-up costs assume; a cross-CPU wake-up adds an IPI.
class Scheduling {
 public:
  virtual ~Scheduling() = default;
  virtual int thread_id() = 0;
  // The CPU the calling thread runs on now (sched_getcpu), the CPUs it may run on
  // (sched_getaffinity, ascending) and setting them (sched_setaffinity).
  virtual Result<int> current_cpu() = 0;
  virtual Result<std::vector<int>> thread_affinity() = 0;
  virtual Status set_thread_affinity(const std::vector<int>& cpus) = 0;
  // sched_setscheduler(SCHED_IDLE) for the calling thread: any other thread it wakes on its CPU
  // then runs before it returns to user space. Lowering one's own priority needs no privilege.
  virtual Status idle_priority() = 0;
};

// io_uring: a ring is a small handle. uring_read queues `count` reads of `length` bytes at
// offset 0 into buf[i * length], submits them with one io_uring_enter, and reaps all of them.
class Uring {
 public:
  virtual ~Uring() = default;
  virtual Result<int> uring_open(unsigned entries) = 0;
  virtual Status uring_read(int ring, int fd, char* buf, unsigned length, unsigned count) = 0;
  virtual void uring_close(int ring) = 0;
};

// Processes and ptrace (the read_ptraced probe).
class Processes {
 public:
  virtual ~Processes() = default;
  // fork(2): 0 in the child. The child does not inherit the signal-cleanup duty.
  virtual Result<int> fork() = 0;
  // _exit(2): skips atexit handlers (and the sanitizers' leak check, which would ptrace us).
  [[noreturn]] virtual void exit_child(int code) = 0;
  virtual Status ptrace_traceme() = 0;
  virtual Status stop_self() = 0;  // raise(SIGSTOP)
  // waitpid(pid, &status, 0); returns the status.
  virtual Result<int> wait_child(int pid) = 0;
  virtual Status ptrace_set_options(int pid, long options) = 0;
  // PTRACE_SYSCALL: resume until the next syscall entry or exit, delivering `signal`.
  virtual Status ptrace_resume_syscall(int pid, int signal) = 0;
  virtual Status kill(int pid, int signal) = 0;
};

// Privileges, mounts and control files (measure --trace and --path).
class Tracing {
 public:
  virtual ~Tracing() = default;
  // geteuid(2).
  virtual unsigned effective_uid() = 0;
  // mount(2) of a filesystem without a device, e.g. mount("nodev", "/sys/kernel/tracing",
  // "tracefs"). Until unmount() is called for it, the mount is undone (lazily, after the watched
  // files and directories are removed) if SIGINT, SIGTERM or SIGHUP arrives.
  virtual Status mount(const std::string& source, const std::string& target,
                       const std::string& fstype) = 0;
  // umount(2), and stop watching the target.
  virtual Status unmount(const std::string& target) = 0;
  // mkdir(path, 0700), e.g. a tracefs instance. Removed with rmdir if SIGINT, SIGTERM or SIGHUP
  // arrives before remove() is called for it.
  virtual Status make_dir(const std::string& path) = 0;
  // Replaces the content of an existing file as the shell's `>` does (O_WRONLY | O_TRUNC, then one
  // write), for control files that act on each write: tracefs, /proc/sys. "" only truncates.
  virtual Status write_file(const std::string& path, std::string_view content) = 0;
};

class Os : public SystemFiles,
           public Clocks,
           public ProbeFiles,
           public TimedCalls,
           public Scheduling,
           public Uring,
           public Processes,
           public Tracing {};

// A descriptor from Os, closed on scope exit.
class OsFd {
 public:
  OsFd(TimedCalls& os, int fd) : os_(os), fd_(fd) {}
  ~OsFd() {
    if (fd_ >= 0) (void)os_.close(fd_);
  }
  OsFd(const OsFd&) = delete;
  OsFd& operator=(const OsFd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) (void)os_.close(std::exchange(fd_, -1));
  }

 private:
  TimedCalls& os_;
  int fd_;
};

}  // namespace sysjourney::measure
