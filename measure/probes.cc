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
constexpr size_t kPage = 4096;
constexpr size_t kHitFileBytes = 64 * 1024;
constexpr size_t kDirectBlock = 4096;
// Cold reads take one page in every two: the page before each one is never read, so the
// kernel sees a lone random read and reads just that page (no readahead of the neighbours).
constexpr size_t kColdStride = 2 * kPage;
constexpr size_t kDirectStride = kDirectBlock;
// The fresh blocks are spread over twice as many slots as a run can use.
constexpr uint64_t kSlotsPerUse = 2;
constexpr int kMinSamples = 5;  // per round
// Per probe and round: a slow machine is cut short rather than running for minutes.
constexpr int64_t kQuickBudgetNs = 20'000'000;
constexpr int64_t kFullBudgetNs = 110'000'000;

enum class File { none, hit, cold, direct, write };

struct Context;
struct ProbeSpec;
using ProbeFn = Result<Samples> (*)(Context&, const ProbeSpec&, const SamplePlan&);

struct ProbeSpec {
  std::string_view id;
  ProbeFn run;
  int batch;         // calls per timed sample; 1: each call timed alone, its tail is real
  int rounds_full;   // timed samples per round in a full run
  int rounds_quick;  // ... in a quick run
  int ops_per_call = 1;
  int bytes = static_cast<int>(kReadBytes);
  File file = File::none;
  bool per_call() const { return batch == 1 && ops_per_call == 1; }
};

// Hands out the blocks of a probe file, each at most once, in a scattered order: the device
// sees neither a sequence to read ahead on nor a block it has served before. Slot 0 is never
// used: a read at offset 0 starts the kernel's initial readahead.
class FreshBlocks {
 public:
  FreshBlocks() = default;
  FreshBlocks(uint64_t slots, uint64_t stride) : slots_(slots), stride_(stride) {
    // Stepping by a prime visits every slot once as long as the slot count is not its multiple.
    if (slots_ % kStep == 0) --slots_;
  }
  static size_t file_bytes(uint64_t slots, uint64_t stride) { return (slots + 1) * stride; }
  std::optional<off_t> next() {
    if (used_ >= slots_) return std::nullopt;
    const uint64_t slot = used_++ * kStep % slots_;
    return static_cast<off_t>((slot + 1) * stride_);
  }

 private:
  static constexpr uint64_t kStep = 7919;
  uint64_t slots_ = 0;
  uint64_t stride_ = 0;
  uint64_t used_ = 0;
};

struct Context {
  Os& os;
  const ProbeOptions& options;
  ProbeDir& dir;
  RoundPolicy policy{};
  long fs_magic = 0;
  std::string fs{};
  double overhead_ns = 0;
  std::string files[5]{};        // by File
  std::string file_errors[5]{};  // why a file could not be made
  FreshBlocks cold_blocks{}, direct_blocks{};
  std::string ptrace_report{};  // made on first use

  SamplePlan plan(const ProbeSpec& spec) const {
    const int wanted = options.quick ? spec.rounds_quick : spec.rounds_full;
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
  // Every call a run can make, retried rounds included: each needs its own fresh block.
  uint64_t calls_per_run(const ProbeSpec& spec) const {
    const SamplePlan p = plan(spec);
    return uint64_t(std::max(policy.rounds, 1) + std::max(policy.max_retries, 0)) *
           uint64_t(p.warmup + p.samples) * uint64_t(p.batch);
  }
  const std::string& file(File f) const { return files[static_cast<int>(f)]; }
};

Status expect_bytes(const Result<size_t>& r, size_t want) {
  if (!r) return r.error();
  if (*r != want)
    return failure("short read: " + std::to_string(*r) + " of " + std::to_string(want) + " bytes");
  return Done{};
}

Status write_all(Os& os, int fd, const char* data, size_t size) {
  for (size_t done = 0; done < size;) {
    auto n = os.write(fd, data + done, size - done);
    if (!n) return n.error();
    done += *n;
  }
  return Done{};
}

// Starts a helper thread, turning std::thread's exception into an error value.
Result<std::thread> start_thread(std::function<void()> body) {
  try {
    return std::thread(std::move(body));
  } catch (const std::system_error& e) {
    return failure(std::string("cannot start a helper thread: ") + e.what());
  }
}

// --- Baselines ----------------------------------------------------------------------------------

// An out-of-line call the compiler can neither inline nor prove pure.
[[gnu::noinline]] uint64_t call_target(uint64_t x) {
  asm volatile("" : "+r"(x));
  return x + 1;
}
uint64_t (*volatile g_call_target)(uint64_t) = call_target;
volatile uint64_t g_sink;

Result<Samples> probe_function_call(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  uint64_t x = 0;
  auto r = time_batches(c.os, plan, [&] {
    x = g_call_target(x);  // each call depends on the last: latency, not throughput
    return Status(Done{});
  });
  g_sink = x;
  return r;
}

// How fast the CPU runs now: the fastest of three timings of 20000 dependent calls (about 30 us),
// so that an interrupt in one of them does not count.
double cpu_work_ns(Os& os) {
  double fastest = 0;
  for (int i = 0; i < 3; ++i) {
    uint64_t x = 0;
    const int64_t t0 = os.monotonic_ns();
    for (int k = 0; k < 20000; ++k) x = g_call_target(x);
    const int64_t t1 = os.monotonic_ns();
    g_sink = x;
    const double ns = static_cast<double>(t1 - t0);
    fastest = i == 0 ? ns : std::min(fastest, ns);
  }
  return fastest;
}

Result<Samples> probe_vdso_clock_gettime(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  // Unsigned, so that the sum wraps: a signed one overflows after ~250,000 reads on a machine
  // up for ten hours (UBSan found it).
  uint64_t sum = 0;
  auto r = time_batches(c.os, plan, [&] {
    sum += static_cast<uint64_t>(c.os.monotonic_ns());
    return Status(Done{});
  });
  g_sink = sum;
  return r;
}

Result<Samples> probe_syscall_getppid(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  return time_batches(c.os, plan, [&]() -> Status {
    if (auto r = c.os.getppid(); !r) return r.error();
    return Done{};
  });
}

Result<Samples> probe_syscall_clock_gettime(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  uint64_t sum = 0;  // unsigned, as in probe_vdso_clock_gettime
  auto r = time_batches(c.os, plan, [&]() -> Status {
    auto t = c.os.kernel_monotonic_ns();
    if (!t) return t.error();
    sum += static_cast<uint64_t>(*t);
    return Done{};
  });
  g_sink = sum;
  return r;
}

// --- Files --------------------------------------------------------------------------------------

Result<Samples> probe_read_file_hit(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  auto fd = c.os.open(c.file(File::hit), O_RDONLY);
  if (!fd) return fd.error();
  OsFd guard(c.os, *fd);
  char buf[kReadBytes];
  // The warm-up batch faults the page in; every timed read then hits.
  return time_batches(
      c.os, plan, [&] { return expect_bytes(c.os.pread(*fd, buf, sizeof buf, 0), sizeof buf); });
}

// Drops the cold file from the page cache once, before any round, and proves no page is left.
// Only this file: the page cache as a whole is never dropped.
Status evict_cold_file(Os& os, const std::string& path, size_t bytes) {
  auto fd = os.open(path, O_RDONLY);
  if (!fd) return fd.error();
  OsFd guard(os, *fd);
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (auto d = os.drop_cached_pages(*fd); !d) return d.error();
    auto resident = os.resident_pages(*fd, bytes);
    if (!resident) return resident.error();
    if (*resident == 0) return Done{};
    if (attempt == 2)
      return failure("pages stay in the page cache after POSIX_FADV_DONTNEED (" +
                     std::to_string(*resident) + " of " + std::to_string(bytes / kPage) + ")");
  }
  return Done{};
}

Result<Samples> probe_read_file_cold(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  if (memory_backed(c.fs_magic))
    return failure("the probe directory is on " + c.fs + ", whose pages cannot be evicted");
  auto fd = c.os.open(c.file(File::cold), O_RDONLY);
  if (!fd) return fd.error();
  OsFd guard(c.os, *fd);
  char buf[kReadBytes];
  off_t offset = 0;
  // Untimed before each read: the next block never read, and proof it is not cached. A block
  // found cached (readahead of an earlier read can reach it) is passed over, never timed; only
  // a run of them means the eviction did not work.
  auto pick = [&]() -> Status {
    for (int tries = 0; tries < 16; ++tries) {
      auto next = c.cold_blocks.next();
      if (!next) return failure("cold.dat has no unread block left");
      offset = *next;
      auto resident = c.os.resident_pages(*fd, offset, kPage);
      if (!resident) return resident.error();
      if (*resident == 0) return Done{};
    }
    return failure("16 blocks in a row, the last at " + std::to_string(offset) +
                   ", of cold.dat were cached before their first read");
  };
  return time_batches(c.os, plan, pick, [&] {
    return expect_bytes(c.os.pread(*fd, buf, sizeof buf, offset), sizeof buf);
  });
}

Result<Samples> probe_read_direct(Context& c, const ProbeSpec&, const SamplePlan& plan) {
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
  off_t offset = 0;
  auto pick = [&]() -> Status {
    auto next = c.direct_blocks.next();
    if (!next) return failure("direct.dat has no unread block left");
    offset = *next;
    return Done{};
  };
  return time_batches(c.os, plan, pick, [&]() -> Status {
    auto r = c.os.pread(*fd, buf.get(), kDirectBlock, offset);
    if (!r && errno_of(r.error()) == EINVAL)
      return failure(c.fs + " rejected an aligned O_DIRECT read: " + r.error().message);
    return expect_bytes(r, kDirectBlock);
  });
}

// --- Pipes and sockets with data already queued --------------------------------------------------

Result<Samples> read_queued(Context& c, const ProbeSpec& spec, const SamplePlan& plan,
                            Channel kind) {
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
      if (*queued >= payload.size()) return Done{};
      if (c.os.monotonic_ns() > deadline) return failure("queued data did not arrive within 1 s");
    }
  };
  return time_batches(c.os, plan, fill, [&] {
    return expect_bytes(c.os.read(reader.get(), buf, sizeof buf), sizeof buf);
  });
}

Result<Samples> probe_read_pipe(Context& c, const ProbeSpec& s, const SamplePlan& p) {
  return read_queued(c, s, p, Channel::pipe);
}
Result<Samples> probe_read_unix(Context& c, const ProbeSpec& s, const SamplePlan& p) {
  return read_queued(c, s, p, Channel::unix_stream);
}
Result<Samples> probe_read_tcp(Context& c, const ProbeSpec& s, const SamplePlan& p) {
  return read_queued(c, s, p, Channel::tcp_loopback);
}

// --- io_uring -----------------------------------------------------------------------------------

Result<Samples> probe_io_uring(Context& c, const ProbeSpec& spec, const SamplePlan& plan) {
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
  auto r = time_batches(c.os, plan,
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

[[noreturn]] void run_traced_child(Context& c, const SamplePlan& plan, int fd,
                                   const std::string& report_path) {
  Result<Samples> result = failure("not run");
  if (auto t = c.os.ptrace_traceme(); !t) {
    result = t.error();
  } else if (auto s = c.os.stop_self(); !s) {
    result = s.error();
  } else {
    char buf[kReadBytes];
    result = time_batches(
        c.os, plan, [&] { return expect_bytes(c.os.pread(fd, buf, sizeof buf, 0), sizeof buf); });
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

Result<Samples> probe_read_ptraced(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  auto fd = c.os.open(c.file(File::hit), O_RDONLY);
  if (!fd) return fd.error();
  OsFd file(c.os, *fd);
  if (c.ptrace_report.empty()) {
    auto report_path = c.dir.add_file("ptrace-report.txt", 0);
    if (!report_path) return report_path.error();
    c.ptrace_report = *report_path;
  }
  // Tracer and tracee share one CPU: the child inherits the timing thread's pin.
  auto pid = c.os.fork();
  if (!pid) return pid.error();
  if (*pid == 0) run_traced_child(c, plan, *fd, c.ptrace_report);

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
  auto report = c.os.read_file(c.ptrace_report);
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

// Waits (at most 5 ms) until thread `tid` sleeps, so each sample measures a real wake-up rather
// than a read that finds the data already there.
// Whether a thread of this process is asleep ('S' in its /proc stat); without /proc, after
// 50 us, as if it were.
bool asleep(Os& os, int tid) {
  auto text = os.read_file("/proc/self/task/" + std::to_string(tid) + "/stat");
  if (!text) {
    os.sleep_ns(50'000);  // no /proc: give the thread ample time to block
    return true;
  }
  const size_t paren = text->rfind(')');
  return paren != std::string::npos && paren + 2 < text->size() && (*text)[paren + 2] == 'S';
}

void wait_until_asleep(Os& os, int tid) {
  const int64_t deadline = os.monotonic_ns() + 5'000'000;
  while (os.monotonic_ns() < deadline) {
    if (asleep(os, tid)) return;
  }
}

// The timing thread reads a pipe and sleeps; a writer on the same CPU stamps the time into the
// 16 bytes and writes them. The writer runs as SCHED_IDLE, so the reader it wakes preempts it
// before its write() returns: the sample is the writer's write() plus the reader's wake-up and
// return, and not whatever the writer would do next. A sample where the writer got back to user
// space first is dropped.
Result<Samples> probe_pipe_wakeup(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  auto data = c.os.open_channel(Channel::pipe);
  if (!data) return data.error();
  OsFd data_reader(c.os, data->reader), data_writer(c.os, data->writer);
  auto ready = c.os.open_channel(Channel::pipe);
  if (!ready) return ready.error();
  OsFd ready_reader(c.os, ready->reader), ready_writer(c.os, ready->writer);

  const int reader_tid = c.os.thread_id();
  std::atomic<int> woken{0};          // data reads the reader has finished
  std::atomic<bool> went_on{false};   // the writer returned before the reader ran
  std::optional<Error> writer_error;  // read after join()
  // The helper inherits the timing thread's CPU.
  auto writer = [&] {
    if (auto p = c.os.idle_priority(); !p) {
      writer_error = p.error();
    } else {
      for (int sent = 0;; ++sent) {
        char said = 0;
        auto r = c.os.read(ready_reader.get(), &said, 1);
        if (!r || *r == 0) {  // end of file: the reader is done
          if (!r) writer_error = r.error();
          break;
        }
        wait_until_asleep(c.os, reader_tid);
        char buf[kReadBytes] = {};
        const int64_t t0 = c.os.monotonic_ns();
        std::memcpy(buf, &t0, sizeof t0);
        auto w = c.os.write(data_writer.get(), buf, sizeof buf);
        if (woken.load() <= sent) went_on = true;
        if (!w) {
          writer_error = w.error();
          break;
        }
      }
    }
    data_writer.reset();  // end of file: a reader still waiting stops
  };
  auto thread = start_thread(writer);
  if (!thread) return thread.error();

  Samples out;
  int late = 0;
  std::optional<Error> reader_error;
  const int64_t start = c.os.monotonic_ns();
  for (int i = 0; i < plan.warmup + plan.samples; ++i) {
    if (auto w = c.os.write(ready_writer.get(), "r", 1); !w) {
      reader_error = w.error();
      break;
    }
    char buf[kReadBytes];
    auto n = c.os.read(data_reader.get(), buf, sizeof buf);
    const int64_t woke = c.os.monotonic_ns();
    const bool dropped = went_on.exchange(false);
    woken.fetch_add(1);
    if (n && *n == 0) break;  // the writer stopped; its error says why
    if (auto s = expect_bytes(n, sizeof buf); !s) {
      reader_error = s.error();
      break;
    }
    if (i < plan.warmup) continue;
    if (dropped) {
      ++late;
      continue;
    }
    int64_t sent = 0;
    std::memcpy(&sent, buf, sizeof sent);
    out.per_op_ns.push_back(per_op_ns(woke - sent, c.overhead_ns, 1));
    if (static_cast<int>(out.per_op_ns.size()) >= plan.min_samples && woke - start > plan.budget_ns)
      break;
  }
  ready_writer.reset();  // end of file: the writer stops
  thread->join();
  if (reader_error) return *reader_error;
  if (writer_error) return *writer_error;
  if (late > static_cast<int>(out.per_op_ns.size()))
    return failure("the woken reader ran after the writer's write() returned in " +
                   std::to_string(late) + " of " + std::to_string(late + out.per_op_ns.size()) +
                   " wake-ups");
  out.ops = static_cast<int64_t>(out.per_op_ns.size());
  return out;
}

// Two threads on one CPU, 16 bytes each way through two pipes: the timing thread writes, the
// echo thread wakes, reads and writes back, and the timing thread wakes with the answer.
Result<Samples> probe_pipe_pingpong(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  auto ping = c.os.open_channel(Channel::pipe);
  if (!ping) return ping.error();
  OsFd ping_reader(c.os, ping->reader), ping_writer(c.os, ping->writer);
  auto pong = c.os.open_channel(Channel::pipe);
  if (!pong) return pong.error();
  OsFd pong_reader(c.os, pong->reader), pong_writer(c.os, pong->writer);

  std::optional<Error> echo_error;  // read after join()
  auto echo = [&] {                 // inherits the timing thread's CPU
    char buf[kReadBytes];
    for (;;) {
      auto n = c.os.read(ping_reader.get(), buf, sizeof buf);
      if (n && *n == 0) break;  // end of file: the timing thread is done
      if (auto s = expect_bytes(n, sizeof buf); !s) {
        echo_error = s.error();
        break;
      }
      if (auto w = write_all(c.os, pong_writer.get(), buf, sizeof buf); !w) {
        echo_error = w.error();
        break;
      }
    }
    pong_writer.reset();  // end of file: a timing thread still waiting stops
  };
  auto thread = start_thread(echo);
  if (!thread) return thread.error();

  char buf[kReadBytes] = {'p'};
  auto r = time_batches(c.os, plan, [&]() -> Status {
    if (auto w = write_all(c.os, ping_writer.get(), buf, sizeof buf); !w) return w;
    auto n = c.os.read(pong_reader.get(), buf, sizeof buf);
    if (n && *n == 0) return failure("the echo thread stopped");
    return expect_bytes(n, sizeof buf);
  });
  ping_writer.reset();
  thread->join();
  if (echo_error) return *echo_error;
  return r;
}

// --- Writes -------------------------------------------------------------------------------------

// pwrite of 16 bytes into the first, cached block of write.dat, back to back.
Result<Samples> probe_write_file(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  auto fd = c.os.open(c.file(File::write), O_WRONLY);
  if (!fd) return fd.error();
  OsFd guard(c.os, *fd);
  char buf[kReadBytes] = {};
  return time_batches(
      c.os, plan, [&] { return expect_bytes(c.os.pwrite(*fd, buf, sizeof buf, 0), sizeof buf); });
}

// A 4 KiB pwrite, then fsync or fdatasync, over write.dat's 16 blocks in turn: what a database's
// commit does (fio --rw=write --bs=4k --fsync=1 over a laid-out file does the same).
Result<Samples> probe_sync_file(Context& c, const ProbeSpec& spec, const SamplePlan& plan) {
  if (memory_backed(c.fs_magic))
    return failure("the probe directory is on " + c.fs + ": a sync would reach no device");
  const bool data_only = spec.id == "fdatasync_file";
  auto fd = c.os.open(c.file(File::write), O_WRONLY);
  if (!fd) return fd.error();
  OsFd guard(c.os, *fd);
  alignas(64) static char block[kPage] = {};
  int next = 0;
  return time_batches(c.os, plan, [&]() -> Status {
    const off_t offset = static_cast<off_t>(next++ % (kHitFileBytes / kPage)) * kPage;
    if (auto w = expect_bytes(c.os.pwrite(*fd, block, sizeof block, offset), sizeof block); !w)
      return w;
    return data_only ? c.os.fdatasync(*fd) : c.os.fsync(*fd);
  });
}

// The timing thread writes 16 bytes to a pipe while a reader is asleep in read() on it; only
// the write() is timed. The reader runs as SCHED_IDLE on the same CPU, so the wake-up it gets
// never preempts the writer before write() returns. Between samples the writer sleeps until the
// reader is asleep again (it can only get there while the writer does not run).
Result<Samples> probe_write_pipe_wakeup(Context& c, const ProbeSpec&, const SamplePlan& plan) {
  auto data = c.os.open_channel(Channel::pipe);
  if (!data) return data.error();
  OsFd data_reader(c.os, data->reader), data_writer(c.os, data->writer);
  std::atomic<int> reader_tid{0};
  std::atomic<int64_t> consumed{0};        // writes the reader has read
  std::optional<Error> reader_error;       // read after join()
  std::atomic<bool> reader_failed{false};  // reader_error is set (the writer stops waiting)
  auto reader = [&] {
    reader_tid = c.os.thread_id();
    if (auto p = c.os.idle_priority(); !p) {
      reader_error = p.error();
      reader_failed = true;
      return;
    }
    for (;;) {
      char buf[kReadBytes];
      auto n = c.os.read(data_reader.get(), buf, sizeof buf);
      if (!n) reader_error = n.error(), reader_failed = true;
      if (!n || *n == 0) return;  // end of file: the writer is done
      consumed.fetch_add(1);
    }
  };
  auto thread = start_thread(reader);
  if (!thread) return thread.error();
  int64_t sent = 0;
  // Untimed: the last write read, and the reader back asleep in read().
  auto until_asleep = [&]() -> Status {
    const int64_t deadline = c.os.monotonic_ns() + 200'000'000;
    while (consumed.load() < sent || reader_tid.load() == 0 || !asleep(c.os, reader_tid.load())) {
      if (reader_failed) return failure("the pipe's reader stopped");  // its error after join()
      if (c.os.monotonic_ns() > deadline)
        return failure("the pipe's reader did not go back to sleep within 200 ms");
      c.os.sleep_ns(20'000);  // gives the CPU to the reader
    }
    return Done{};
  };
  char buf[kReadBytes] = {};
  auto r = time_batches(c.os, plan, until_asleep, [&] {
    ++sent;
    return expect_bytes(c.os.write(data_writer.get(), buf, sizeof buf), sizeof buf);
  });
  data_writer.reset();  // end of file: the reader returns
  thread->join();
  if (reader_error) return *reader_error;
  return r;
}

// --- The table ----------------------------------------------------------------------------------

constexpr int kBytes = static_cast<int>(kReadBytes);
constexpr int kDirectBytes = static_cast<int>(kDirectBlock);
constexpr int kPageBytes = static_cast<int>(kPage);

// One probe a line, in ProbeSpec's order: id, the function that times it, calls per timed sample
// (1: each call timed alone, its tail is real), timed samples per round in a full and a quick
// run, operations per call (io_uring: reads per submit), bytes per call, the probe file it
// needs. Samples per round are sized so a quick round takes about 0.15 s and a full one about
// 1.2 s on a typical machine; the per-round budget cuts a slow or busy machine short.
// clang-format off
constexpr ProbeSpec kProbes[] = {
    {"function_call",         probe_function_call,         1000, 20000, 2000, 1,   0,            File::none},
    {"vdso_clock_gettime",    probe_vdso_clock_gettime,    1000, 2000,  250,  1,   0,            File::none},
    {"syscall_getppid",       probe_syscall_getppid,       100,  10000, 1200, 1,   0,            File::none},
    {"syscall_clock_gettime", probe_syscall_clock_gettime, 100,  10000, 1000, 1,   0,            File::none},
    {"read_file_hit",         probe_read_file_hit,         100,  5000,  600,  1,   kBytes,       File::hit},
    {"read_file_cold",        probe_read_file_cold,        1,    300,   120,  1,   kBytes,       File::cold},
    {"read_direct",           probe_read_direct,           1,    600,   180,  1,   kDirectBytes, File::direct},
    {"read_pipe",             probe_read_pipe,             256,  1500,  180,  1,   kBytes,       File::none},
    {"read_unix",             probe_read_unix,             256,  1500,  180,  1,   kBytes,       File::none},
    {"read_tcp",              probe_read_tcp,              256,  1500,  150,  1,   kBytes,       File::none},
    {"io_uring_batch_1",      probe_io_uring,              128,  1500,  150,  1,   kBytes,       File::hit},
    {"io_uring_batch_8",      probe_io_uring,              16,   2500,  300,  8,   kBytes,       File::hit},
    {"io_uring_batch_32",     probe_io_uring,              4,    2500,  300,  32,  kBytes,       File::hit},
    {"io_uring_batch_128",    probe_io_uring,              1,    2500,  300,  128, kBytes,       File::hit},
    {"read_ptraced",          probe_read_ptraced,          1,    10000, 1200, 1,   kBytes,       File::hit},
    {"pipe_wakeup",           probe_pipe_wakeup,           1,    5000,  600,  1,   kBytes,       File::none},
    {"pipe_pingpong_rtt",     probe_pipe_pingpong,         1,    10000, 1200, 1,   kBytes,       File::none},
    {"write_file",            probe_write_file,            100,  3000,  400,  1,   kBytes,       File::write},
    // A sync takes 20 us on a fast drive and 20 ms on a disk: the round's time budget decides.
    {"fsync_file",            probe_sync_file,             1,    200,   30,   1,   kPageBytes,   File::write},
    {"fdatasync_file",        probe_sync_file,             1,    200,   30,   1,   kPageBytes,   File::write},
    {"write_pipe_wakeup",     probe_write_pipe_wakeup,     1,    2000,  250,  1,   kBytes,       File::none},
};
// clang-format on

constexpr auto kIds = [] {
  std::array<std::string_view, std::size(kProbes)> ids{};
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = kProbes[i].id;
  return ids;
}();

RoundPolicy default_policy(bool quick) {
  if (quick) return RoundPolicy{.rounds = 9, .max_retries = 2, .retry_wait_ns = 250'000'000};
  return RoundPolicy{.rounds = 10, .max_retries = 3, .retry_wait_ns = 500'000'000};
}

// Pins the calling thread to one CPU for as long as it lives, then gives back the CPUs it had.
// The highest allowed CPU, so that runs land on the same one; CPU 0 also tends to take more of
// the machine's housekeeping.
class PinnedThread {
 public:
  explicit PinnedThread(Os& os) : os_(os) {
    auto allowed = os.thread_affinity();
    if (!allowed || allowed->empty()) return;
    allowed_ = *allowed;
    if (os.set_thread_affinity({allowed_.back()})) cpu_ = allowed_.back();
  }
  ~PinnedThread() {
    if (cpu_ >= 0) (void)os_.set_thread_affinity(allowed_);
  }
  PinnedThread(const PinnedThread&) = delete;
  PinnedThread& operator=(const PinnedThread&) = delete;
  int cpu() const { return cpu_; }

 private:
  Os& os_;
  std::vector<int> allowed_;
  int cpu_ = -1;
};

ProbeResult summarize_probe(const Context& c, const ProbeSpec& spec,
                            const std::vector<RoundResult>& kept, size_t index) {
  ProbeResult out{
      .id = std::string(spec.id), .batch = spec.batch * spec.ops_per_call, .bytes = spec.bytes};
  out.timer_overhead_ns = c.overhead_ns;
  out.p99_of = spec.per_call() ? "calls" : "batch_means";
  std::vector<std::vector<double>> rounds;
  for (const RoundResult& round : kept) {
    const Result<Samples>& r = round[index];
    if (!r) {
      out.skipped = r.error().message;
      return out;
    }
    rounds.push_back(r->per_op_ns);
    out.iterations += r->ops;
    out.samples += static_cast<int>(r->per_op_ns.size());
  }
  const RoundSummary s = summarize_rounds(rounds);
  if (s.round_medians.empty()) {
    out = ProbeResult{.id = out.id, .skipped = "no samples were taken"};
    return out;
  }
  out.median_ns = s.median;
  out.p99_ns = s.pooled.p99;
  out.min_ns = s.pooled.min;
  out.rounds = static_cast<int>(s.round_medians.size());
  out.spread = s.spread;
  out.round_medians_ns = s.round_medians;
  if (spec.per_call()) {
    out.p50_call_ns = s.pooled.median;
    out.p99_call_ns = s.pooled.p99;
  }
  return out;
}

}  // namespace

std::span<const std::string_view> probe_ids() { return kIds; }

Result<ProbeRun> run_probes(Os& os, const ProbeOptions& options) {
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
  Context ctx{.os = os,
              .options = options,
              .dir = *dir,
              .policy = options.rounds.value_or(default_policy(options.quick))};
  if (auto magic = os.fs_magic(dir->path())) {
    ctx.fs_magic = *magic;
    ctx.fs = fs_name(*magic);
  } else {
    ctx.fs = "an unknown filesystem";
  }
  // Only the files the selected probes read; a file that cannot be made skips its probes. The
  // cold and direct files hold a fresh block for every call the run can make.
  for (const ProbeSpec* spec : selected) {
    const int f = static_cast<int>(spec->file);
    if (spec->file == File::none || !ctx.files[f].empty() || !ctx.file_errors[f].empty()) continue;
    std::string name = spec->file == File::write ? "write.dat" : "hit.dat";
    size_t bytes = kHitFileBytes;
    if (spec->file == File::cold || spec->file == File::direct) {
      const bool cold = spec->file == File::cold;
      const uint64_t slots = ctx.calls_per_run(*spec) * kSlotsPerUse;
      const uint64_t stride = cold ? kColdStride : kDirectStride;
      (cold ? ctx.cold_blocks : ctx.direct_blocks) = FreshBlocks(slots, stride);
      name = cold ? "cold.dat" : "direct.dat";
      bytes = FreshBlocks::file_bytes(slots, stride);
    }
    auto path = dir->add_file(name, bytes);
    if (!path) {
      ctx.file_errors[f] = path.error().message;
      continue;
    }
    ctx.files[f] = *path;
    if (spec->file == File::cold && !memory_backed(ctx.fs_magic)) {
      if (auto e = evict_cold_file(os, *path, bytes); !e) {
        ctx.files[f].clear();
        ctx.file_errors[f] = e.error().message;
      }
    }
  }

  const PinnedThread pinned(os);
  ctx.overhead_ns = timer_overhead_ns(os, 1000);

  // A probe that fails is not run again; every later round reports the same error.
  const size_t n = selected.size();
  std::vector<std::optional<Error>> failed(n);
  for (size_t i = 0; i < n; ++i) {
    const int f = static_cast<int>(selected[i]->file);
    if (selected[i]->file != File::none && ctx.files[f].empty())
      failed[i] = failure(ctx.file_errors[f]);
  }
  const int total = static_cast<int>(n) * std::max(ctx.policy.rounds, 1);
  auto run_round = [&](int round) {
    RoundResult out;
    for (size_t i = 0; i < n; ++i) {
      if (options.progress)
        options.progress(selected[i]->id, round * static_cast<int>(n) + static_cast<int>(i), total);
      if (failed[i]) {
        out.emplace_back(*failed[i]);
        continue;
      }
      Result<Samples> r = selected[i]->run(ctx, *selected[i], ctx.plan(*selected[i]));
      if (!r) failed[i] = r.error();
      out.push_back(std::move(r));
    }
    return out;
  };
  RoundsRun rounds =
      run_rounds(os, ctx.policy, pinned.cpu(), run_round, [&] { return cpu_work_ns(os); });

  ProbeRun run;
  run.load = rounds.load;
  for (size_t i = 0; i < n; ++i) {
    ProbeResult r = summarize_probe(ctx, *selected[i], rounds.kept, i);
    // A failure in a dropped round never reached `kept`; it still means the probe cannot run.
    if (r.skipped.empty() && failed[i]) r = ProbeResult{.id = r.id, .skipped = failed[i]->message};
    run.probes.push_back(std::move(r));
  }
  return run;
}

}  // namespace sysjourney::measure
