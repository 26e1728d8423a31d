#include "measure/os_linux.h"

#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace sysjourney::measure {
namespace {

std::string describe_target(std::string_view path) { return std::string(path); }
std::string describe_target(int fd) { return "fd " + std::to_string(fd); }
struct Pid {
  int pid;
};
std::string describe_target(Pid p) { return "pid " + std::to_string(p.pid); }

// The one wrapper every raw call goes through: retries EINTR and turns -1/errno into an
// os_error(). Calls that report errors another way (posix_fadvise, liburing's -errno) are
// adapted to -1/errno by their lambda first.
template <class Target, class Call>
Result<long> sys(std::string_view what, const Target& target, Call call) {
  for (;;) {
    const long r = static_cast<long>(call());
    if (r != -1) return r;
    if (errno != EINTR) return os_error(what, describe_target(target), errno);
  }
}

// Adapts a call returning an error number (0 = success) or -errno to the -1/errno convention.
long from_error_number(int r) {
  if (r == 0) return 0;
  errno = r < 0 ? -r : r;
  return -1;
}

// Closes a descriptor on scope exit unless released; keeps open_channel() leak-free on errors.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = other.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// --- Signal cleanup -----------------------------------------------------------------------------
// Paths of probe files and directories, and mounts, that must not outlive the process. The
// handler may run at any moment, so the table is fixed-size and each slot is published with an
// atomic flag.
namespace cleanup {

constexpr int kSlots = 16;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// A path is unlinked or removed as a directory; a mount point is unmounted.
enum class Kind { path, mount };

struct Slot {
  std::atomic<bool> used{false};
  Kind kind = Kind::path;  // written before `used` is published
  char path[PATH_MAX];
};

Slot g_slots[kSlots];
std::mutex g_mutex;  // serialises track/untrack; never taken by the handler
int g_count = 0;
struct sigaction g_previous[std::size(kSignals)];

extern "C" void on_signal(int sig) {
  const int saved = errno;
  // Files first, then directories (a tracefs instance too), then mounts: what sits on a mount
  // goes before it. unlink, rmdir and umount2 are plain system calls, safe in a handler.
  auto each = [](Kind kind, auto act) {
    for (Slot& s : g_slots)
      if (s.used.load(std::memory_order_acquire) && s.kind == kind) act(s.path);
  };
  each(Kind::path, [](const char* p) { ::unlink(p); });
  // A directory made inside another watched one must go first: repeat while any goes.
  auto remove_dirs = [&] {
    bool busy = false;
    for (int pass = 0; pass < kSlots; ++pass) {
      bool removed = false;
      busy = false;
      each(Kind::path, [&](const char* p) {
        if (::rmdir(p) == 0)
          removed = true;
        else if (errno == EBUSY)
          busy = true;
      });
      if (!removed) break;
    }
    return busy;
  };
  // A tracefs instance refuses rmdir (EBUSY) while one of its files is open, e.g. the `trace`
  // file being read when the signal came. The process dies next, so close its descriptors and
  // try again.
  if (remove_dirs()) {
    bool closed = false;
#ifdef SYS_close_range
    closed = ::syscall(SYS_close_range, 3U, ~0U, 0U) == 0;
#endif
    for (int fd = 3; !closed && fd < 1024; ++fd) ::close(fd);
    remove_dirs();
  }
  each(Kind::mount, [](const char* p) { ::umount2(p, MNT_DETACH); });
  // Die of the same signal with its default action, so whoever waits for us sees the real cause.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);  // pending until the handler returns, since `sig` is blocked while it runs
  errno = saved;
}

Status track(const std::string& path, Kind kind = Kind::path) {
  if (path.size() >= PATH_MAX) return os_error("watch", path, ENAMETOOLONG);
  std::lock_guard lock(g_mutex);
  for (Slot& s : g_slots) {
    if (s.used.load(std::memory_order_relaxed)) continue;
    s.kind = kind;
    std::memcpy(s.path, path.c_str(), path.size() + 1);
    s.used.store(true, std::memory_order_release);
    if (g_count++ == 0) {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      for (size_t i = 0; i < std::size(kSignals); ++i)
        ::sigaction(kSignals[i], &sa, &g_previous[i]);
    }
    return Done{};
  }
  return os_error("watch", path, ENOSPC);
}

void untrack(const std::string& path, Kind kind = Kind::path) {
  std::lock_guard lock(g_mutex);
  for (Slot& s : g_slots) {
    if (!s.used.load(std::memory_order_relaxed) || s.kind != kind || path != s.path) continue;
    s.used.store(false, std::memory_order_release);
    if (--g_count == 0) {
      for (size_t i = 0; i < std::size(kSignals); ++i)
        ::sigaction(kSignals[i], &g_previous[i], nullptr);
    }
    return;
  }
}

// A forked child must not delete its parent's files; it may not take the mutex either, since
// another thread of the parent could have held it at the fork.
void forget_in_child() {
  for (Slot& s : g_slots) s.used.store(false, std::memory_order_relaxed);
  g_count = 0;
  for (size_t i = 0; i < std::size(kSignals); ++i)
    ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

// Runs `act` and, when it succeeds, watches `path`, with the cleanup signals blocked in between:
// a signal then neither misses what `act` made nor undoes something that was there before.
// `undo` reverses `act` when the path cannot be watched.
template <class Act, class Undo>
Status act_then_track(const std::string& path, Kind kind, Act act, Undo undo) {
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : kSignals) sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &old);
  Status done = act();
  Status tracked = done ? track(path, kind) : done;
  if (done && !tracked) undo();
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return tracked;
}

}  // namespace cleanup
}  // namespace

LinuxOs::LinuxOs() = default;

LinuxOs::~LinuxOs() {
  for (size_t i = 0; i < rings_.size(); ++i) uring_close(static_cast<int>(i));
}

// --- Files and facts ----------------------------------------------------------------------------

Result<std::string> LinuxOs::read_file(const std::string& path) {
  auto fd = sys("open", path, [&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
  if (!fd) return fd.error();
  ScopedFd guard(static_cast<int>(*fd));
  std::string content;
  char buf[4096];
  for (;;) {
    auto n = sys("read", path, [&] { return ::read(guard.get(), buf, sizeof buf); });
    if (!n) return n.error();
    if (*n == 0) break;
    content.append(buf, static_cast<size_t>(*n));
  }
  return content;
}

Result<std::vector<std::string>> LinuxOs::list_dir(const std::string& path) {
  DIR* dir = nullptr;
  auto opened = sys("open directory", path, [&] {
    dir = ::opendir(path.c_str());
    return dir ? 0 : -1;
  });
  if (!opened) return opened.error();
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (!entry) {
      const int err = errno;
      ::closedir(dir);
      if (err != 0) return os_error("list", path, err);
      break;
    }
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> LinuxOs::readlink(const std::string& path) {
  char buf[PATH_MAX];
  auto n = sys("read link", path, [&] { return ::readlink(path.c_str(), buf, sizeof buf); });
  if (!n) return n.error();
  return std::string(buf, static_cast<size_t>(*n));
}

Result<long> LinuxOs::fs_magic(const std::string& path) {
  struct statfs st {};
  auto r = sys("statfs", path, [&] { return ::statfs(path.c_str(), &st); });
  if (!r) return r.error();
  return static_cast<long>(st.f_type);
}

Result<DeviceNumber> LinuxOs::device_of(const std::string& path) {
  struct stat st {};
  auto r = sys("stat", path, [&] { return ::stat(path.c_str(), &st); });
  if (!r) return r.error();
  return DeviceNumber{.major = ::major(st.st_dev), .minor = ::minor(st.st_dev)};
}

Result<std::string> LinuxOs::kernel_release() {
  struct utsname u {};
  auto r = sys("read the kernel release", "", [&] { return ::uname(&u); });
  if (!r) return r.error();
  return std::string(u.release);
}

std::optional<std::string> LinuxOs::env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

// --- Clocks -------------------------------------------------------------------------------------

int64_t LinuxOs::monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // cannot fail for CLOCK_MONOTONIC
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::optional<uint64_t> LinuxOs::read_tsc() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return std::nullopt;
#endif
}

void LinuxOs::sleep_ns(int64_t ns) {
  // An absolute deadline makes the EINTR retry resume the same sleep instead of restarting it.
  timespec deadline;
  ::clock_gettime(CLOCK_MONOTONIC, &deadline);
  const int64_t end = int64_t{deadline.tv_sec} * 1'000'000'000 + deadline.tv_nsec + ns;
  deadline.tv_sec = end / 1'000'000'000;
  deadline.tv_nsec = end % 1'000'000'000;
  (void)sys("sleep", "", [&] {
    return from_error_number(::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr));
  });
}

// --- Probe files --------------------------------------------------------------------------------

Result<std::string> LinuxOs::make_private_dir(const std::string& parent) {
  std::string templ = parent + "/sysjourney-XXXXXX";
  // Block the cleanup signals so none lands between mkdtemp and track.
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : cleanup::kSignals) sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &old);
  auto made =
      sys("create a directory in", parent, [&] { return ::mkdtemp(templ.data()) ? 0 : -1; });
  Status tracked = made ? cleanup::track(templ) : Status(made.error());
  if (made && !tracked) ::rmdir(templ.c_str());
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!tracked) return tracked.error();
  return templ;
}

Status LinuxOs::create_file(const std::string& path, size_t bytes) {
  // Watch first: a signal after open() but before track() would otherwise leave the file.
  if (auto t = cleanup::track(path); !t) return t.error();
  auto fd = sys("create", path, [&] {
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  });
  if (!fd) {
    cleanup::untrack(path);
    return fd.error();
  }
  ScopedFd guard(static_cast<int>(*fd));
  // Real bytes, not a hole: a sparse file would be "read" without touching the device.
  std::string chunk(64 * 1024, '\0');
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>('a' + i % 26);
  for (size_t done = 0; done < bytes;) {
    const size_t want = std::min(chunk.size(), bytes - done);
    auto n = sys("write", path, [&] { return ::write(guard.get(), chunk.data(), want); });
    if (!n) return n.error();
    done += static_cast<size_t>(*n);
  }
  // Clean pages only: posix_fadvise(DONTNEED) skips dirty ones and O_DIRECT must see the data.
  if (auto s = sys("fsync", path, [&] { return ::fsync(guard.get()); }); !s) return s.error();
  return Done{};
}

Status LinuxOs::remove(const std::string& path) {
  auto r = sys("remove", path, [&] {
    const int u = ::unlink(path.c_str());
    return u == -1 && errno == EISDIR ? ::rmdir(path.c_str()) : u;
  });
  cleanup::untrack(path);
  if (!r) return r.error();
  return Done{};
}

// --- The timed calls ----------------------------------------------------------------------------

Result<int> LinuxOs::open(const std::string& path, int flags) {
  auto fd = sys("open", path, [&] { return ::open(path.c_str(), flags | O_CLOEXEC); });
  if (!fd) return fd.error();
  return static_cast<int>(*fd);
}

Status LinuxOs::close(int fd) {
  // No retry on EINTR for close: Linux has already released the descriptor.
  if (::close(fd) == -1 && errno != EINTR) return os_error("close", describe_target(fd), errno);
  return Done{};
}

Result<size_t> LinuxOs::pread(int fd, void* buf, size_t n, off_t offset) {
  auto r = sys("pread", fd, [&] { return ::pread(fd, buf, n, offset); });
  if (!r) return r.error();
  return static_cast<size_t>(*r);
}

Result<size_t> LinuxOs::read(int fd, void* buf, size_t n) {
  auto r = sys("read", fd, [&] { return ::read(fd, buf, n); });
  if (!r) return r.error();
  return static_cast<size_t>(*r);
}

Result<size_t> LinuxOs::write(int fd, const void* buf, size_t n) {
  auto r = sys("write", fd, [&] { return ::write(fd, buf, n); });
  if (!r) return r.error();
  return static_cast<size_t>(*r);
}

Result<size_t> LinuxOs::pwrite(int fd, const void* buf, size_t n, off_t offset) {
  auto r = sys("pwrite", fd, [&] { return ::pwrite(fd, buf, n, offset); });
  if (!r) return r.error();
  return static_cast<size_t>(*r);
}

Status LinuxOs::fsync(int fd) {
  auto r = sys("fsync", fd, [&] { return ::fsync(fd); });
  if (!r) return r.error();
  return Done{};
}

Status LinuxOs::fdatasync(int fd) {
  auto r = sys("fdatasync", fd, [&] { return ::fdatasync(fd); });
  if (!r) return r.error();
  return Done{};
}

Result<size_t> LinuxOs::bytes_queued(int fd) {
  int n = 0;
  auto r = sys("ask how many bytes wait on", fd, [&] { return ::ioctl(fd, FIONREAD, &n); });
  if (!r) return r.error();
  return static_cast<size_t>(n);
}

Status LinuxOs::drop_cached_pages(int fd) {
  auto r = sys("drop cached pages of", fd,
               [&] { return from_error_number(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)); });
  if (!r) return r.error();
  return Done{};
}

Result<size_t> LinuxOs::resident_pages(int fd, off_t offset, size_t length) {
  if (length == 0) return size_t{0};
  void* addr = nullptr;
  auto m = sys("mmap", fd, [&] {
    addr = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, offset);
    return addr == MAP_FAILED ? -1 : 0;
  });
  if (!m) return m.error();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((length + page - 1) / page);
  auto r = sys("mincore", fd, [&] { return ::mincore(addr, length, vec.data()); });
  ::munmap(addr, length);
  if (!r) return r.error();
  return static_cast<size_t>(
      std::count_if(vec.begin(), vec.end(), [](unsigned char v) { return v & 1; }));
}

Result<FdPair> LinuxOs::open_channel(Channel kind) {
  int fds[2];
  if (kind == Channel::pipe) {
    auto r = sys("create a pipe", "", [&] { return ::pipe2(fds, O_CLOEXEC); });
    if (!r) return r.error();
    return FdPair{.reader = fds[0], .writer = fds[1]};
  }
  if (kind == Channel::unix_stream) {
    auto r = sys("create a unix socket pair", "",
                 [&] { return ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); });
    if (!r) return r.error();
    return FdPair{.reader = fds[0], .writer = fds[1]};
  }
  // TCP over loopback: listen on an ephemeral port of 127.0.0.1, connect, accept.
  auto make_socket = [&](ScopedFd& out) -> Status {
    auto s = sys("create a TCP socket", "",
                 [] { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); });
    if (!s) return s.error();
    out = ScopedFd(static_cast<int>(*s));
    return Done{};
  };
  ScopedFd listener, client, server;
  if (auto s = make_socket(listener); !s) return s.error();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (auto r = sys("bind", "127.0.0.1:0", [&] { return ::bind(listener.get(), sa, len); }); !r)
    return r.error();
  if (auto r = sys("listen on", "127.0.0.1", [&] { return ::listen(listener.get(), 1); }); !r)
    return r.error();
  if (auto r =
          sys("getsockname", "127.0.0.1", [&] { return ::getsockname(listener.get(), sa, &len); });
      !r)
    return r.error();
  if (auto s = make_socket(client); !s) return s.error();
  if (auto r = sys("connect to", "127.0.0.1", [&] { return ::connect(client.get(), sa, len); }); !r)
    return r.error();
  auto accepted = sys("accept on", "127.0.0.1",
                      [&] { return ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC); });
  if (!accepted) return accepted.error();
  server = ScopedFd(static_cast<int>(*accepted));
  const int one = 1;
  for (int fd : {client.get(), server.get()}) {
    auto r = sys("set TCP_NODELAY on", fd,
                 [&] { return ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); });
    if (!r) return r.error();
  }
  return FdPair{.reader = server.release(), .writer = client.release()};
}

Result<long> LinuxOs::getppid() {
  return sys("getppid", "", [] { return ::syscall(SYS_getppid); });
}

Result<int64_t> LinuxOs::kernel_monotonic_ns() {
  timespec ts{};
  auto r =
      sys("clock_gettime", "", [&] { return ::syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); });
  if (!r) return r.error();
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int LinuxOs::thread_id() { return static_cast<int>(::syscall(SYS_gettid)); }

Result<int> LinuxOs::current_cpu() {
  int cpu = ::sched_getcpu();
  if (cpu < 0) return os_error("sched_getcpu", "", errno);
  return cpu;
}

Result<std::vector<int>> LinuxOs::thread_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0)
    return os_error("sched_getaffinity", "", errno);
  std::vector<int> cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &set)) cpus.push_back(i);
  return cpus;
}

Status LinuxOs::set_thread_affinity(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::string named;
  for (int cpu : cpus) {
    named += (named.empty() ? "" : ",") + std::to_string(cpu);
    if (cpu < 0 || cpu >= CPU_SETSIZE) return os_error("sched_setaffinity", named, EINVAL);
    CPU_SET(cpu, &set);
  }
  // Pid 0 is the calling thread, not the whole process.
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    return os_error("sched_setaffinity", named, errno);
  return Done{};
}

Status LinuxOs::idle_priority() {
  const sched_param param{};
  auto r = sys("set SCHED_IDLE for", "this thread",
               [&] { return ::sched_setscheduler(0, SCHED_IDLE, &param); });
  if (!r) return r.error();
  return Done{};
}

// --- io_uring -----------------------------------------------------------------------------------

Result<int> LinuxOs::uring_open(unsigned entries) {
  auto ring = std::make_unique<io_uring>();
  auto r = sys("set up io_uring", "",
               [&] { return from_error_number(::io_uring_queue_init(entries, ring.get(), 0)); });
  if (!r) return r.error();
  for (size_t i = 0; i < rings_.size(); ++i) {
    if (!rings_[i]) {
      rings_[i] = std::move(ring);
      return static_cast<int>(i);
    }
  }
  rings_.push_back(std::move(ring));
  return static_cast<int>(rings_.size() - 1);
}

Status LinuxOs::uring_read(int handle, int fd, char* buf, unsigned length, unsigned count) {
  if (handle < 0 || static_cast<size_t>(handle) >= rings_.size() || !rings_[handle])
    return os_error("use io_uring", "ring " + std::to_string(handle), EBADF);
  io_uring* ring = rings_[handle].get();
  for (unsigned i = 0; i < count; ++i) {
    io_uring_sqe* sqe = ::io_uring_get_sqe(ring);
    if (!sqe) return os_error("queue a read on io_uring", "", EBUSY);
    ::io_uring_prep_read(sqe, fd, buf + size_t{i} * length, length, 0);
  }
  auto submitted = sys("submit to io_uring", "", [&] {
    const int r = ::io_uring_submit_and_wait(ring, count);
    return r < 0 ? from_error_number(r) : r;
  });
  if (!submitted) return submitted.error();
  // Reap every completion even after a failure, so the next batch starts with an empty queue.
  std::optional<Error> first_error;
  for (unsigned seen = 0; seen < count; ++seen) {
    io_uring_cqe* cqe = nullptr;
    auto waited = sys("wait for io_uring", "",
                      [&] { return from_error_number(::io_uring_wait_cqe(ring, &cqe)); });
    if (!waited) return waited.error();
    const int res = cqe->res;
    ::io_uring_cqe_seen(ring, cqe);
    if (first_error) continue;
    if (res < 0)
      first_error = os_error("read through io_uring from", describe_target(fd), -res);
    else if (static_cast<unsigned>(res) != length)
      first_error = failure("short read through io_uring: " + std::to_string(res) + " of " +
                            std::to_string(length) + " bytes");
  }
  if (first_error) return *first_error;
  return Done{};
}

void LinuxOs::uring_close(int handle) {
  if (handle < 0 || static_cast<size_t>(handle) >= rings_.size() || !rings_[handle]) return;
  ::io_uring_queue_exit(rings_[handle].get());
  rings_[handle].reset();
}

// --- Processes and ptrace -----------------------------------------------------------------------

Result<int> LinuxOs::fork() {
  auto pid = sys("fork", "", [] { return ::fork(); });
  if (!pid) return pid.error();
  if (*pid == 0) cleanup::forget_in_child();
  return static_cast<int>(*pid);
}

void LinuxOs::exit_child(int code) { ::_exit(code); }

Status LinuxOs::ptrace_traceme() {
  auto r = sys("ptrace(PTRACE_TRACEME)", "",
               [] { return ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr); });
  if (!r) return r.error();
  return Done{};
}

Status LinuxOs::stop_self() {
  auto r = sys("stop", "self", [] { return ::raise(SIGSTOP) == 0 ? 0 : -1; });
  if (!r) return r.error();
  return Done{};
}

Result<int> LinuxOs::wait_child(int pid) {
  int status = 0;
  auto r = sys("wait for", Pid{pid}, [&] { return ::waitpid(pid, &status, 0); });
  if (!r) return r.error();
  return status;
}

Status LinuxOs::ptrace_set_options(int pid, long options) {
  auto r = sys("ptrace(PTRACE_SETOPTIONS)", Pid{pid}, [&] {
    return ::ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(options));
  });
  if (!r) return r.error();
  return Done{};
}

Status LinuxOs::ptrace_resume_syscall(int pid, int signal) {
  auto r = sys("ptrace(PTRACE_SYSCALL)", Pid{pid}, [&] {
    return ::ptrace(PTRACE_SYSCALL, pid, nullptr,
                    reinterpret_cast<void*>(static_cast<long>(signal)));
  });
  if (!r) return r.error();
  return Done{};
}

Status LinuxOs::kill(int pid, int signal) {
  auto r = sys("send a signal to", Pid{pid}, [&] { return ::kill(pid, signal); });
  if (!r) return r.error();
  return Done{};
}

// --- Privileges, mounts and control files -------------------------------------------------------

unsigned LinuxOs::effective_uid() { return ::geteuid(); }

Status LinuxOs::mount(const std::string& source, const std::string& target,
                      const std::string& fstype) {
  return cleanup::act_then_track(
      target, cleanup::Kind::mount,
      [&]() -> Status {
        auto r = sys("mount " + fstype + " on", target, [&] {
          return ::mount(source.c_str(), target.c_str(), fstype.c_str(), 0, nullptr);
        });
        if (!r) return r.error();
        return Done{};
      },
      [&] { ::umount2(target.c_str(), MNT_DETACH); });
}

Status LinuxOs::unmount(const std::string& target) {
  auto r = sys("unmount", target, [&] { return ::umount(target.c_str()); });
  if (!r) return r.error();  // still mounted: keep watching it
  cleanup::untrack(target, cleanup::Kind::mount);
  return Done{};
}

Status LinuxOs::make_dir(const std::string& path) {
  return cleanup::act_then_track(
      path, cleanup::Kind::path,
      [&]() -> Status {
        auto r = sys("create directory", path, [&] { return ::mkdir(path.c_str(), 0700); });
        if (!r) return r.error();
        return Done{};
      },
      [&] { ::rmdir(path.c_str()); });
}

Status LinuxOs::write_file(const std::string& path, std::string_view content) {
  auto fd = sys("open", path, [&] { return ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC); });
  if (!fd) return fd.error();
  ScopedFd guard(static_cast<int>(*fd));
  if (content.empty()) return Done{};
  // One write: a control file acts on each write, so a split one would be two commands.
  auto n =
      sys("write to", path, [&] { return ::write(guard.get(), content.data(), content.size()); });
  if (!n) return n.error();
  if (static_cast<size_t>(*n) != content.size())
    return failure("short write to " + path + ": " + std::to_string(*n) + " of " +
                   std::to_string(content.size()) + " bytes");
  return Done{};
}

}  // namespace sysjourney::measure
