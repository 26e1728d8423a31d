#include "measure/probes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "measure/batch_timer.h"
#include "measure/host.h"
#include "measure/probe_dir.h"
#include "measure/stats.h"

namespace sysjourney::measure {
namespace {

constexpr size_t kReadBytes = 16;  // read(fd, buf, 16): the call the whole project follows
constexpr size_t kHitFileBytes = 64 * 1024;
constexpr size_t kColdFileBytes = 256 * 1024;
constexpr size_t kDirectFileBytes = 4 * 1024 * 1024;
constexpr size_t kDirectBlock = 4096;
constexpr int kMinSamples = 5;
constexpr int64_t kQuickBudgetNs = 250'000'000;   // x 15 probes: the quick run stays under 5 s
constexpr int64_t kFullBudgetNs = 1'800'000'000;  // x 15 probes: the full run stays under 30 s

enum class File { none, hit, cold, direct };

struct Context;
struct ProbeSpec;
using ProbeFn = Result<Samples> (*)(Context&, const ProbeSpec&);

struct ProbeSpec {
  std::string_view id;
  ProbeFn run;
  int batch;          // calls per timed batch
  int samples_full;   // timed batches in a full run
  int samples_quick;  // ... in a quick run
  int ops_per_call = 1;
  int bytes = static_cast<int>(kReadBytes);
  File file = File::none;
};

struct Context {
  Os& os;
  const ProbeOptions& options;
  ProbeDir& dir;
  long fs_magic = 0;
  std::string fs{};
  double overhead_ns = 0;
  std::string files[4]{};        // by File
  std::string file_errors[4]{};  // why a file could not be made

  SamplePlan plan(const ProbeSpec& spec) const {
    const int wanted = options.quick ? spec.samples_quick : spec.samples_full;
    const int samples =
        std::max(kMinSamples, static_cast<int>(std::lround(wanted * options.scale)));
    return SamplePlan{.batch = spec.batch,
                      .ops_per_call = spec.ops_per_call,
                      .warmup = std::max(1, samples / 10),
                      .samples = samples,
                      .min_samples = kMinSamples,
                      .budget_ns = options.quick ? kQuickBudgetNs : kFullBudgetNs,
                      .overhead_ns = overhead_ns};
  }
  const std::string& file(File f) const { return files[static_cast<int>(f)]; }
};

// A descriptor from Os, closed on scope exit.
class OsFd {
 public:
  OsFd(Os& os, int fd) : os_(os), fd_(fd) {}
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
  Os& os_;
  int fd_;
};

Status expect_bytes(const Result<size_t>& r, size_t want) {
  if (!r) return r.error();
  if (*r != want)
    return failure("short read: " + std::to_string(*r) + " of " + std::to_string(want) + " bytes");
  return Unit{};
}

Status write_all(Os& os, int fd, const char* data, size_t size) {
  for (size_t done = 0; done < size;) {
    auto n = os.write(fd, data + done, size - done);
    if (!n) return n.error();
    done += *n;
  }
  return Unit{};
}

// --- Baselines ----------------------------------------------------------------------------------

// An out-of-line call the compiler can neither inline nor prove pure.
[[gnu::noinline]] uint64_t call_target(uint64_t x) {
  asm volatile("" : "+r"(x));
  return x + 1;
}
uint64_t (*volatile g_call_target)(uint64_t) = call_target;
volatile uint64_t g_sink;

Result<Samples> probe_function_call(Context& c, const ProbeSpec& spec) {
  uint64_t x = 0;
  auto r = time_batches(c.os, c.plan(spec), [&] {
    x = g_call_target(x);  // each call depends on the last: latency, not throughput
    return Status(Unit{});
  });
  g_sink = x;
  return r;
}

Result<Samples> probe_vdso_clock_gettime(Context& c, const ProbeSpec& spec) {
  int64_t sum = 0;
  auto r = time_batches(c.os, c.plan(spec), [&] {
    sum += c.os.monotonic_ns();
    return Status(Unit{});
  });
  g_sink = static_cast<uint64_t>(sum);
  return r;
}

Result<Samples> probe_syscall_getppid(Context& c, const ProbeSpec& spec) {
  return time_batches(c.os, c.plan(spec), [&]() -> Status {
    if (auto r = c.os.getppid(); !r) return r.error();
    return Unit{};
  });
}

// --- Files --------------------------------------------------------------------------------------

Result<Samples> probe_read_file_hit(Context& c, const ProbeSpec& spec) {
  auto fd = c.os.open(c.file(File::hit), O_RDONLY);
  if (!fd) return fd.error();
  OsFd guard(c.os, *fd);
  char buf[kReadBytes];
  // The warm-up batch faults the page in; every timed read then hits.
  return time_batches(c.os, c.plan(spec), [&] {
    return expect_bytes(c.os.pread(*fd, buf, sizeof buf, 0), sizeof buf);
  });
}

Result<Samples> probe_read_file_cold(Context& c, const ProbeSpec& spec) {
  if (memory_backed(c.fs_magic))
    return failure("the probe directory is on " + c.fs + ", whose pages cannot be evicted");
  auto fd = c.os.open(c.file(File::cold), O_RDONLY);
  if (!fd) return fd.error();
  OsFd guard(c.os, *fd);
  char buf[kReadBytes];
  const size_t pages = (kColdFileBytes + 4095) / 4096;
  // Untimed before each read: evict this one file, then prove no page of it is left.
  auto evict = [&]() -> Status {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (auto d = c.os.drop_cached_pages(*fd); !d) return d.error();
      auto resident = c.os.resident_pages(*fd, kColdFileBytes);
      if (!resident) return resident.error();
      if (*resident == 0) return Unit{};
      if (attempt == 2)
        return failure("pages stay in the page cache after POSIX_FADV_DONTNEED (" +
                       std::to_string(*resident) + " of " + std::to_string(pages) + ")");
    }
    return Unit{};
  };
  return time_batches(c.os, c.plan(spec), evict, [&] {
    return expect_bytes(c.os.pread(*fd, buf, sizeof buf, 0), sizeof buf);
  });
}

Result<Samples> probe_read_direct(Context& c, const ProbeSpec& spec) {
  if (memory_backed(c.fs_magic))
    return failure("the probe directory is on " + c.fs +
                   ": O_DIRECT would read memory, not a device");
  auto fd = c.os.open(c.file(File::direct), O_RDONLY | O_DIRECT);
  if (!fd) {
    if (errno_of(fd.error()) == EINVAL)
      return failure(c.fs + " does not support O_DIRECT: " + fd.error().message);
    return fd.error();
  }
  OsFd guard(c.os, *fd);
  // O_DIRECT wants a buffer aligned to the logical block size; a page covers every device.
  void* raw = nullptr;
  if (int e = posix_memalign(&raw, kDirectBlock, kDirectBlock); e != 0)
    return os_error("allocate", "an aligned buffer", e);
  std::unique_ptr<void, decltype(&std::free)> buf(raw, &std::free);
  const uint64_t blocks = kDirectFileBytes / kDirectBlock;
  uint64_t i = 0;
  return time_batches(c.os, c.plan(spec), [&]() -> Status {
    // A stride coprime with the block count visits every block in a scattered order, so neither
    // the device's read-ahead nor a repeated block turns the read into a cache hit.
    const off_t offset = static_cast<off_t>((i++ * 7919 % blocks) * kDirectBlock);
    auto r = c.os.pread(*fd, buf.get(), kDirectBlock, offset);
    if (!r && errno_of(r.error()) == EINVAL)
      return failure(c.fs + " rejected an aligned O_DIRECT read: " + r.error().message);
    return expect_bytes(r, kDirectBlock);
  });
}

// --- Pipes and sockets with data already queued --------------------------------------------------

Result<Samples> read_queued(Context& c, const ProbeSpec& spec, Channel kind) {
  auto pair = c.os.open_channel(kind);
  if (!pair) return pair.error();
  OsFd reader(c.os, pair->reader), writer(c.os, pair->writer);
  // One batch of reads drains exactly what one write queued.
  const std::string payload(spec.batch * kReadBytes, 'q');
  char buf[kReadBytes];
  auto fill = [&]() -> Status {
    if (auto w = write_all(c.os, writer.get(), payload.data(), payload.size()); !w) return w;
    // Loopback TCP may deliver from a softirq a moment later: wait until every byte is queued.
    const int64_t deadline = c.os.monotonic_ns() + 1'000'000'000;
    for (;;) {
      auto queued = c.os.bytes_queued(reader.get());
      if (!queued) return queued.error();
      if (*queued >= payload.size()) return Unit{};
      if (c.os.monotonic_ns() > deadline) return failure("queued data did not arrive within 1 s");
    }
  };
  return time_batches(c.os, c.plan(spec), fill, [&] {
    return expect_bytes(c.os.read(reader.get(), buf, sizeof buf), sizeof buf);
  });
}

Result<Samples> probe_read_pipe(Context& c, const ProbeSpec& s) {
  return read_queued(c, s, Channel::pipe);
}
Result<Samples> probe_read_unix(Context& c, const ProbeSpec& s) {
  return read_queued(c, s, Channel::unix_stream);
}
Result<Samples> probe_read_tcp(Context& c, const ProbeSpec& s) {
  return read_queued(c, s, Channel::tcp_loopback);
}

// --- io_uring -----------------------------------------------------------------------------------

Result<Samples> probe_io_uring(Context& c, const ProbeSpec& spec) {
  const unsigned n = static_cast<unsigned>(spec.ops_per_call);
  auto ring = c.os.uring_open(n);
  if (!ring) return ring.error();
  auto fd = c.os.open(c.file(File::hit), O_RDONLY);
  if (!fd) {
    c.os.uring_close(*ring);
    return fd.error();
  }
  OsFd guard(c.os, *fd);
  std::vector<char> bufs(n * kReadBytes);
  auto r = time_batches(c.os, c.plan(spec),
                        [&] { return c.os.uring_read(*ring, *fd, bufs.data(), kReadBytes, n); });
  c.os.uring_close(*ring);
  return r;
}

// --- A traced reader ----------------------------------------------------------------------------

// The child's report: "ok <ops>\n" and one sample per line, or "error <text>".
std::string encode_report(const Result<Samples>& r) {
  if (!r) return "error " + r.error().message;
  std::string out = "ok " + std::to_string(r->ops) + "\n";
  char line[32];
  for (double v : r->per_op_ns) {
    std::snprintf(line, sizeof line, "%.9g\n", v);
    out += line;
  }
  return out;
}

Result<Samples> decode_report(const std::string& text) {
  if (text.rfind("error ", 0) == 0) return failure(text.substr(6));
  if (text.rfind("ok ", 0) != 0) return failure("the traced child sent no report");
  Samples s;
  const char* p = text.c_str() + 3;
  char* end = nullptr;
  s.ops = std::strtoll(p, &end, 10);
  for (p = end;; p = end) {
    const double v = std::strtod(p, &end);
    if (end == p) break;
    s.per_op_ns.push_back(v);
  }
  return s;
}

[[noreturn]] void run_traced_child(Context& c, const ProbeSpec& spec, int fd,
                                   const std::string& report_path) {
  Result<Samples> result = failure("not run");
  if (auto t = c.os.ptrace_traceme(); !t) {
    result = t.error();
  } else if (auto s = c.os.stop_self(); !s) {
    result = s.error();
  } else {
    char buf[kReadBytes];
    result = time_batches(c.os, c.plan(spec), [&] {
      return expect_bytes(c.os.pread(fd, buf, sizeof buf, 0), sizeof buf);
    });
  }
  // Through a file, not a pipe: a child blocked on a full pipe would never reach the exit the
  // tracer waits for.
  const std::string report = encode_report(result);
  if (auto out = c.os.open(report_path, O_WRONLY | O_TRUNC)) {
    (void)write_all(c.os, *out, report.data(), report.size());
  }
  c.os.exit_child(result ? 0 : 1);
  std::abort();  // exit_child never returns; the compiler cannot see that through a virtual call
}

// Pins the calling thread to the CPU it is on for as long as it lives, then lets it run
// anywhere again. Without it the two sides of a wake-up land on one CPU or on two from run to
// run, and the result flips between two levels (a cross-CPU wake-up adds an IPI).
class SameCpu {
 public:
  explicit SameCpu(Os& os) : os_(os) {
    auto cpu = os.current_cpu();
    if (cpu && os.pin_thread(*cpu)) cpu_ = *cpu;
  }
  ~SameCpu() {
    if (cpu_) (void)os_.pin_thread(std::nullopt);
  }
  std::optional<int> cpu() const { return cpu_; }

 private:
  Os& os_;
  std::optional<int> cpu_;
};

Result<Samples> probe_read_ptraced(Context& c, const ProbeSpec& spec) {
  auto fd = c.os.open(c.file(File::hit), O_RDONLY);
  if (!fd) return fd.error();
  OsFd file(c.os, *fd);
  auto report_path = c.dir.add_file("ptrace-report.txt", 0);
  if (!report_path) return report_path.error();
  // Tracer and tracee share one CPU (the child inherits the pin), as the model assumes.
  SameCpu same_cpu(c.os);
  auto pid = c.os.fork();
  if (!pid) return pid.error();
  if (*pid == 0) run_traced_child(c, spec, *fd, *report_path);

  // A bare tracer: resume at every syscall stop, pass other signals on, decode nothing.
  int64_t syscall_stops = 0;
  std::optional<Error> trace_error;
  bool first_stop = true;
  for (;;) {
    auto status = c.os.wait_child(*pid);
    if (!status) {
      trace_error = status.error();
      break;
    }
    if (WIFEXITED(*status) || WIFSIGNALED(*status)) break;
    if (!WIFSTOPPED(*status)) continue;
    int deliver = 0;
    if (first_stop) {
      first_stop = false;  // the child's own SIGSTOP, right after PTRACE_TRACEME
      if (auto o = c.os.ptrace_set_options(*pid, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL); !o) {
        trace_error = o.error();
        (void)c.os.kill(*pid, SIGKILL);
        (void)c.os.ptrace_resume_syscall(*pid, 0);
        continue;  // reap the child
      }
    } else if (WSTOPSIG(*status) == (SIGTRAP | 0x80)) {
      ++syscall_stops;
    } else {
      deliver = WSTOPSIG(*status);
    }
    if (auto r = c.os.ptrace_resume_syscall(*pid, deliver); !r) {
      trace_error = r.error();
      (void)c.os.kill(*pid, SIGKILL);
    }
  }
  if (trace_error) return *trace_error;
  auto report = c.os.read_file(*report_path);
  if (!report) return report.error();
  auto samples = decode_report(*report);
  if (!samples) return samples;
  // Two stops (entry and exit) per read, or the child was not really traced.
  if (syscall_stops < 2 * samples->ops)
    return failure("the tracer saw " + std::to_string(syscall_stops) + " syscall stops for " +
                   std::to_string(samples->ops) + " reads");
  return samples;
}

// --- Waking a sleeping reader -------------------------------------------------------------------


// Waits (at most 5 ms) until thread `tid` sleeps, so each round measures a real wake-up rather
// than a read that finds the data already there.
void wait_until_asleep(Os& os, int tid) {
  const std::string stat = "/proc/self/task/" + std::to_string(tid) + "/stat";
  const int64_t deadline = os.monotonic_ns() + 5'000'000;
  while (os.monotonic_ns() < deadline) {
    auto text = os.read_file(stat);
    if (!text) {
      os.sleep_ns(50'000);  // no /proc: give the reader ample time to block
      return;
    }
    const size_t paren = text->rfind(')');
    if (paren != std::string::npos && paren + 2 < text->size() && (*text)[paren + 2] == 'S') return;
  }
}

Result<Samples> probe_pipe_wakeup(Context& c, const ProbeSpec& spec) {
  auto data = c.os.open_channel(Channel::pipe);
  if (!data) return data.error();
  OsFd data_reader(c.os, data->reader), data_writer(c.os, data->writer);
  auto ready = c.os.open_channel(Channel::pipe);
  if (!ready) return ready.error();
  OsFd ready_reader(c.os, ready->reader), ready_writer(c.os, ready->writer);
  const SamplePlan plan = c.plan(spec);

  // The reader says "ready", blocks in read(), and on waking subtracts the writer's timestamp
  // (carried in the 16 bytes) from its own. It stops at end of file or on an error.
  std::atomic<int> reader_tid{0};
  std::vector<double> wake_ns;
  std::optional<Error> reader_error;
  SameCpu same_cpu(c.os);
  auto reader = [&] {
    if (same_cpu.cpu()) (void)c.os.pin_thread(same_cpu.cpu());
    reader_tid = c.os.thread_id();
    for (int round = 0;; ++round) {
      if (auto w = c.os.write(ready_writer.get(), "r", 1); !w) {
        reader_error = w.error();
        return;
      }
      char buf[kReadBytes];
      auto n = c.os.read(data_reader.get(), buf, sizeof buf);
      const int64_t woke = c.os.monotonic_ns();
      if (n && *n == 0) return;
      if (auto s = expect_bytes(n, sizeof buf); !s) {
        reader_error = s.error();
        (void)c.os.write(ready_writer.get(), "x", 1);
        return;
      }
      int64_t sent = 0;
      std::memcpy(&sent, buf, sizeof sent);
      if (round >= plan.warmup) wake_ns.push_back(per_op_ns(woke - sent, c.overhead_ns, 1));
    }
  };
  std::thread thread;
  try {
    thread = std::thread(reader);
  } catch (const std::system_error& e) {  // the one way std::thread reports failure
    return failure(std::string("cannot start a reader thread: ") + e.what());
  }

  std::optional<Error> writer_error;
  const int64_t start = c.os.monotonic_ns();
  for (int round = 0; round < plan.warmup + plan.samples; ++round) {
    char said = 0;
    auto r = c.os.read(ready_reader.get(), &said, 1);
    if (!r || *r != 1 || said != 'r') {
      if (!r) writer_error = r.error();
      break;
    }
    wait_until_asleep(c.os, reader_tid.load());
    char buf[kReadBytes] = {};
    const int64_t sent = c.os.monotonic_ns();
    std::memcpy(buf, &sent, sizeof sent);
    if (auto w = c.os.write(data_writer.get(), buf, sizeof buf); !w) {
      writer_error = w.error();
      break;
    }
    if (round >= plan.warmup + plan.min_samples && c.os.monotonic_ns() - start > plan.budget_ns)
      break;
  }
  data_writer.reset();  // end of file tells the reader to stop
  thread.join();
  if (reader_error) return *reader_error;
  if (writer_error) return *writer_error;
  Samples out;
  out.per_op_ns = std::move(wake_ns);
  out.ops = static_cast<int64_t>(out.per_op_ns.size());
  return out;
}

// --- The table ----------------------------------------------------------------------------------

// Counts are per probe: batch x samples is sized so a full run of each stays well inside its
// budget on a typical machine, and the budget cuts it short on a slow one.
constexpr ProbeSpec kProbes[] = {
    {.id = "function_call",
     .run = probe_function_call,
     .batch = 1000,
     .samples_full = 5000,
     .samples_quick = 500,
     .bytes = 0},
    {.id = "vdso_clock_gettime",
     .run = probe_vdso_clock_gettime,
     .batch = 1000,
     .samples_full = 2000,
     .samples_quick = 200,
     .bytes = 0},
    {.id = "syscall_getppid",
     .run = probe_syscall_getppid,
     .batch = 100,
     .samples_full = 5000,
     .samples_quick = 500,
     .bytes = 0},
    {.id = "read_file_hit",
     .run = probe_read_file_hit,
     .batch = 100,
     .samples_full = 5000,
     .samples_quick = 500,
     .file = File::hit},
    {.id = "read_file_cold",
     .run = probe_read_file_cold,
     .batch = 1,
     .samples_full = 1000,
     .samples_quick = 100,
     .file = File::cold},
    {.id = "read_direct",
     .run = probe_read_direct,
     .batch = 1,
     .samples_full = 5000,
     .samples_quick = 500,
     .bytes = static_cast<int>(kDirectBlock),
     .file = File::direct},
    {.id = "read_pipe",
     .run = probe_read_pipe,
     .batch = 256,
     .samples_full = 1000,
     .samples_quick = 100},
    {.id = "read_unix",
     .run = probe_read_unix,
     .batch = 256,
     .samples_full = 1000,
     .samples_quick = 100},
    {.id = "read_tcp",
     .run = probe_read_tcp,
     .batch = 256,
     .samples_full = 1000,
     .samples_quick = 100},
    {.id = "io_uring_batch_1",
     .run = probe_io_uring,
     .batch = 128,
     .samples_full = 2000,
     .samples_quick = 200,
     .ops_per_call = 1,
     .file = File::hit},
    {.id = "io_uring_batch_8",
     .run = probe_io_uring,
     .batch = 16,
     .samples_full = 2000,
     .samples_quick = 200,
     .ops_per_call = 8,
     .file = File::hit},
    {.id = "io_uring_batch_32",
     .run = probe_io_uring,
     .batch = 4,
     .samples_full = 2000,
     .samples_quick = 200,
     .ops_per_call = 32,
     .file = File::hit},
    {.id = "io_uring_batch_128",
     .run = probe_io_uring,
     .batch = 1,
     .samples_full = 2000,
     .samples_quick = 200,
     .ops_per_call = 128,
     .file = File::hit},
    {.id = "read_ptraced",
     .run = probe_read_ptraced,
     .batch = 10,
     .samples_full = 1000,
     .samples_quick = 100,
     .file = File::hit},
    {.id = "pipe_wakeup",
     .run = probe_pipe_wakeup,
     .batch = 1,
     .samples_full = 5000,
     .samples_quick = 500},
};

constexpr auto kIds = [] {
  std::array<std::string_view, std::size(kProbes)> ids{};
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = kProbes[i].id;
  return ids;
}();

struct FileSpec {
  File file;
  std::string_view name;
  size_t bytes;
};
constexpr FileSpec kFiles[] = {
    {.file = File::hit, .name = "hit.dat", .bytes = kHitFileBytes},
    {.file = File::cold, .name = "cold.dat", .bytes = kColdFileBytes},
    {.file = File::direct, .name = "direct.dat", .bytes = kDirectFileBytes},
};

ProbeResult run_one(Context& c, const ProbeSpec& spec) {
  ProbeResult out{
      .id = std::string(spec.id), .batch = spec.batch * spec.ops_per_call, .bytes = spec.bytes};
  out.timer_overhead_ns = c.overhead_ns;
  if (spec.file != File::none && c.file(spec.file).empty()) {
    out.skipped = c.file_errors[static_cast<int>(spec.file)];
    return out;
  }
  auto samples = spec.run(c, spec);
  if (!samples) {
    out.skipped = samples.error().message;
    return out;
  }
  if (samples->per_op_ns.empty()) {
    out.skipped = "no samples were taken";
    return out;
  }
  const Summary s = summarize(samples->per_op_ns);
  out.median_ns = s.median;
  out.p99_ns = s.p99;
  out.min_ns = s.min;
  out.iterations = samples->ops;
  out.samples = static_cast<int>(samples->per_op_ns.size());
  return out;
}

}  // namespace

std::span<const std::string_view> probe_ids() { return kIds; }

Result<std::vector<ProbeResult>> run_probes(Os& os, const ProbeOptions& options) {
  for (const std::string& id : options.only) {
    if (std::ranges::find(kIds, id) == kIds.end()) {
      std::string allowed;
      for (std::string_view known : kIds)
        allowed += (allowed.empty() ? "" : ", ") + std::string(known);
      Error e = failure("unknown probe id '" + id + "'");
      e.field = "probe";
      e.value = id;
      e.allowed = allowed;
      return e;
    }
  }
  std::vector<const ProbeSpec*> selected;
  for (const ProbeSpec& spec : kProbes)
    if (options.only.empty() || std::ranges::find(options.only, spec.id) != options.only.end())
      selected.push_back(&spec);

  auto dir = ProbeDir::create(os, choose_probe_parent(os, options.dir));
  if (!dir) return dir.error();
  Context ctx{.os = os, .options = options, .dir = *dir};
  if (auto magic = os.fs_magic(dir->path())) {
    ctx.fs_magic = *magic;
    ctx.fs = fs_name(*magic);
  } else {
    ctx.fs = "an unknown filesystem";
  }
  // Only the files the selected probes read; a file that cannot be made skips its probes.
  for (const FileSpec& f : kFiles) {
    if (std::ranges::none_of(selected, [&](const ProbeSpec* s) { return s->file == f.file; }))
      continue;
    auto path = dir->add_file(std::string(f.name), f.bytes);
    if (path)
      ctx.files[static_cast<int>(f.file)] = *path;
    else
      ctx.file_errors[static_cast<int>(f.file)] = path.error().message;
  }
  ctx.overhead_ns = timer_overhead_ns(os, 1000);

  std::vector<ProbeResult> results;
  const int total = static_cast<int>(selected.size());
  for (int i = 0; i < total; ++i) {
    if (options.progress) options.progress(selected[i]->id, i, total);
    results.push_back(run_one(ctx, *selected[i]));
  }
  return results;
}

}  // namespace sysjourney::measure
