#include "measure/os_linux.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "measure/child_test_util.h"
#include "measure/fs_magic.h"
#include "measure/probe_dir.h"

namespace sysjourney::measure {
namespace {

// The state letter of a thread of this process ('S' while blocked), or 0 when unreadable.
char thread_state(LinuxOs& os, int tid) {
  auto stat = os.read_file("/proc/self/task/" + std::to_string(tid) + "/stat");
  if (!stat) return 0;
  const size_t paren = stat->rfind(')');
  return paren + 2 < stat->size() ? (*stat)[paren + 2] : 0;
}

// Spins (no sleeping) until `done` or ten seconds pass.
template <class Done>
bool spin_until(LinuxOs& os, Done done) {
  const int64_t deadline = os.monotonic_ns() + 10'000'000'000;
  while (!done())
    if (os.monotonic_ns() > deadline) return false;
  return true;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(LinuxOs, ErrorsCarryTheCallThePathAndErrno) {
  LinuxOs os;
  auto r = os.read_file("/sys/no/such/attribute");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot open /sys/no/such/attribute: No such file or directory");
  EXPECT_EQ(errno_of(r.error()), ENOENT);
  EXPECT_EQ(errno_of(failure("not from the OS")), 0);
}

TEST(LinuxOs, ReadsProcFilesWholly) {
  LinuxOs os;
  auto r = os.read_file("/proc/self/status");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->find("Pid:"), std::string::npos);
  EXPECT_NE(r->find("VmRSS"), std::string::npos);  // past any short first read
}

TEST(LinuxOs, ListsADirectorySorted) {
  LinuxOs os;
  auto dir = os.make_private_dir(choose_probe_parent(os, ""));
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  ASSERT_TRUE(os.create_file(*dir + "/b", 10).ok());
  ASSERT_TRUE(os.create_file(*dir + "/a", 10).ok());
  auto names = os.list_dir(*dir);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(os.remove(*dir + "/a").ok());
  EXPECT_TRUE(os.remove(*dir + "/b").ok());
  EXPECT_TRUE(os.remove(*dir).ok());
  EXPECT_FALSE(exists(*dir));
}

TEST(LinuxOs, CreatedFilesHoldRealBytes) {
  LinuxOs os;
  auto dir = os.make_private_dir(choose_probe_parent(os, ""));
  ASSERT_TRUE(dir.ok());
  const std::string file = *dir + "/f";
  ASSERT_TRUE(os.create_file(file, 100'000).ok());
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 100'000);
  EXPECT_GE(st.st_blocks * 512, 100'000);  // allocated, not a hole
  auto again = os.create_file(file, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(errno_of(again.error()), EEXIST);
  (void)os.remove(file);
  (void)os.remove(*dir);
}

TEST(LinuxOs, RetriesACallInterruptedBySignal) {
  LinuxOs os;
  static std::atomic<int> handled{0};
  struct sigaction sa {
  }, old{};
  sa.sa_handler = [](int) { ++handled; };
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the kernel returns EINTR to the blocked read
  ASSERT_EQ(::sigaction(SIGUSR1, &sa, &old), 0);
  handled = 0;

  auto pipe = os.open_channel(Channel::pipe);
  ASSERT_TRUE(pipe.ok());
  std::atomic<int> tid{0};
  std::atomic<bool> finished{false};
  char got = 0;
  std::optional<Result<size_t>> result;
  std::thread reader([&] {
    tid = os.thread_id();
    result = os.read(pipe->reader, &got, 1);
    finished = true;
  });
  ASSERT_TRUE(spin_until(os, [&] { return tid != 0 && thread_state(os, tid) == 'S'; }));
  ::pthread_kill(reader.native_handle(), SIGUSR1);
  ASSERT_TRUE(spin_until(os, [&] { return handled == 1; }));
  // Back asleep in read() after the interruption: the wrapper retried.
  EXPECT_TRUE(spin_until(os, [&] { return finished || thread_state(os, tid) == 'S'; }));
  ASSERT_TRUE(os.write(pipe->writer, "z", 1).ok());
  reader.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ(**result, 1u);
  EXPECT_EQ(got, 'z');
  (void)os.close(pipe->reader);
  (void)os.close(pipe->writer);
}

TEST(LinuxOs, ChannelsCarryBytes) {
  LinuxOs os;
  for (Channel kind : {Channel::pipe, Channel::unix_stream, Channel::tcp_loopback}) {
    auto p = os.open_channel(kind);
    ASSERT_TRUE(p.ok()) << p.error().message;
    ASSERT_TRUE(os.write(p->writer, "0123456789abcdefXYZ", 19).ok());
    ASSERT_TRUE(spin_until(os, [&] { return os.bytes_queued(p->reader).value() == 19; }));
    char buf[16];
    auto n = os.read(p->reader, buf, sizeof buf);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 16u);
    EXPECT_EQ(std::string(buf, 16), "0123456789abcdef");
    EXPECT_EQ(os.bytes_queued(p->reader).value(), 3u);
    EXPECT_TRUE(os.close(p->reader).ok());
    EXPECT_TRUE(os.close(p->writer).ok());
  }
}

TEST(LinuxOs, DropsOneFilesPages) {
  LinuxOs os;
  auto dir = os.make_private_dir(choose_probe_parent(os, ""));
  ASSERT_TRUE(dir.ok());
  const std::string file = *dir + "/f";
  ASSERT_TRUE(os.create_file(file, 64 * 1024).ok());
  auto fd = os.open(file, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  char buf[16];
  ASSERT_TRUE(os.pread(*fd, buf, sizeof buf, 0).ok());
  EXPECT_GT(os.resident_pages(*fd, 64 * 1024).value(), 0u);
  ASSERT_TRUE(os.drop_cached_pages(*fd).ok());
  auto magic = os.fs_magic(*dir);
  if (magic.ok() && *magic != kTmpfsMagic) {
    EXPECT_EQ(os.resident_pages(*fd, 64 * 1024).value(), 0u);
  }
  (void)os.close(*fd);
  (void)os.remove(file);
  (void)os.remove(*dir);
}

TEST(LinuxOs, ARandomColdReadBringsBackOnlyItsPage) {
  LinuxOs os;
  auto dir = os.make_private_dir(choose_probe_parent(os, ""));
  ASSERT_TRUE(dir.ok());
  auto magic = os.fs_magic(*dir);
  if (!magic.ok() || memory_backed(*magic)) {
    (void)os.remove(*dir);
    GTEST_SKIP() << "the probe directory is memory-backed";
  }
  const std::string file = *dir + "/f";
  ASSERT_TRUE(os.create_file(file, 1024 * 1024).ok());
  auto fd = os.open(file, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(os.drop_cached_pages(*fd).ok());
  ASSERT_EQ(os.resident_pages(*fd, 1024 * 1024).value(), 0u);
  // 16 bytes at page 100, whose neighbour was never read: that page and no readahead around it.
  char buf[16];
  ASSERT_EQ(os.pread(*fd, buf, sizeof buf, 100 * 4096).value(), sizeof buf);
  EXPECT_EQ(os.resident_pages(*fd, 100 * 4096, 4096).value(), 1u);
  EXPECT_EQ(os.resident_pages(*fd, 99 * 4096, 4096).value(), 0u);
  EXPECT_EQ(os.resident_pages(*fd, 1024 * 1024).value(), 1u);
  (void)os.close(*fd);
  (void)os.remove(file);
  (void)os.remove(*dir);
}

TEST(LinuxOs, TheKernelsClockAgreesWithTheVdso) {
  LinuxOs os;
  const int64_t before = os.monotonic_ns();
  auto kernel = os.kernel_monotonic_ns();
  const int64_t after = os.monotonic_ns();
  ASSERT_TRUE(kernel.ok()) << kernel.error().message;
  EXPECT_GE(*kernel, before);
  EXPECT_LE(*kernel, after);
}

TEST(LinuxOs, PinsAThreadAndGivesItsCpusBack) {
  LinuxOs os;
  std::thread([&] {  // a thread of its own: the test runner's affinity stays as it is
    auto allowed = os.thread_affinity();
    ASSERT_TRUE(allowed.ok()) << allowed.error().message;
    ASSERT_FALSE(allowed->empty());
    EXPECT_TRUE(std::is_sorted(allowed->begin(), allowed->end()));
    const int cpu = allowed->back();
    ASSERT_TRUE(os.set_thread_affinity({cpu}).ok());
    EXPECT_EQ(os.thread_affinity().value(), std::vector<int>{cpu});
    EXPECT_EQ(os.current_cpu().value(), cpu);
    ASSERT_TRUE(os.set_thread_affinity(*allowed).ok());
    EXPECT_EQ(os.thread_affinity().value(), *allowed);
    auto bad = os.set_thread_affinity({-1});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(errno_of(bad.error()), EINVAL);
  })
      .join();
}

TEST(LinuxOs, IdlePriorityIsForTheCallingThreadOnly) {
  LinuxOs os;
  std::thread([&] { EXPECT_TRUE(os.idle_priority().ok()); }).join();
  EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
  std::thread([&] {
    ASSERT_TRUE(os.idle_priority().ok());
    EXPECT_EQ(::sched_getscheduler(0), SCHED_IDLE);
  }).join();
}

TEST(LinuxOs, UringReadsABatch) {
  LinuxOs os;
  auto ring = os.uring_open(8);
  if (!ring.ok()) GTEST_SKIP() << ring.error().message;
  auto fd = os.open("/proc/self/exe", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  std::vector<char> bufs(8 * 16);
  auto r = os.uring_read(*ring, *fd, bufs.data(), 16, 8);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(std::memcmp(bufs.data() + i * 16,
                          "\x7f"
                          "ELF",
                          4),
              0);
  auto bad = os.uring_read(*ring, -1, bufs.data(), 16, 8);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(errno_of(bad.error()), EBADF);
  EXPECT_TRUE(os.uring_read(*ring, *fd, bufs.data(), 16, 8).ok());  // the failed batch was reaped
  os.uring_close(*ring);
  (void)os.close(*fd);
}

TEST(LinuxOs, ASignalRemovesWatchedPathsAndStillKills) {
  LinuxOs os;
  const ReportingChild child = fork_reporting([&](int report) {
    auto dir = os.make_private_dir(choose_probe_parent(os, ""));
    if (!dir || !os.create_file(*dir + "/f", 4096)) ::_exit(2);
    report_and_pause(report, *dir);
  });
  const pid_t pid = child.pid;
  ASSERT_GT(pid, 0);
  const std::string& dir = child.line;
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(exists(dir + "/f"));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
  EXPECT_FALSE(exists(dir));
}

TEST(LinuxOs, RemovedPathsAreNoLongerWatched) {
  LinuxOs os;
  struct sigaction before {};
  ::sigaction(SIGTERM, nullptr, &before);
  auto dir = os.make_private_dir(choose_probe_parent(os, ""));
  ASSERT_TRUE(dir.ok());
  struct sigaction during {};
  ::sigaction(SIGTERM, nullptr, &during);
  EXPECT_NE(during.sa_handler, before.sa_handler);
  ASSERT_TRUE(os.remove(*dir).ok());
  struct sigaction after {};
  ::sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);  // the previous handler is back
}

}  // namespace
}  // namespace sysjourney::measure
