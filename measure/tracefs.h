// tracefs as measure --trace and measure --path use it: found (or mounted for the run and
// unmounted after), and worked in through a private instance that is removed on every way out,
// so that nothing outside the instance is ever written.
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "measure/os.h"

namespace sysjourney::measure {

struct Tracefs {
  std::string path;      // e.g. "/sys/kernel/tracing"
  bool mounted = false;  // by this run
};

// /sys/kernel/tracing or /sys/kernel/debug/tracing when tracefs is there; else tracefs mounted at
// /sys/kernel/tracing (mounted = true). The error says "tracefs is not available: ...".
Result<Tracefs> find_tracefs(Os& os);

// Unmounts what this run mounted, on every way out, unless released first.
class MountGuard {
 public:
  MountGuard(Tracing& os, std::string target, bool active)
      : os_(os), target_(std::move(target)), active_(active) {}
  MountGuard(const MountGuard&) = delete;
  MountGuard& operator=(const MountGuard&) = delete;
  ~MountGuard() { (void)release(); }
  Status release() {
    if (!std::exchange(active_, false)) return Done{};
    return os_.unmount(target_);
  }

 private:
  Tracing& os_;
  std::string target_;
  bool active_;
};

// A private tracing instance: its own buffer, clock, tracer, events and filters. Removing it
// undoes all of them; if it cannot be removed, its tracer and events are at least switched off.
class TraceInstance {
 public:
  // Makes <tracefs>/instances/<prefix><tid>, first removing instances with that prefix whose
  // task is gone (left by a run that was killed: SIGKILL, a crash), each with a note.
  static Result<TraceInstance> make(Os& os, const std::string& tracefs, std::string_view prefix,
                                    int tid, std::vector<std::string>& notes);
  TraceInstance(TraceInstance&& other) noexcept;
  TraceInstance& operator=(TraceInstance&&) = delete;
  TraceInstance(const TraceInstance&) = delete;
  ~TraceInstance() { (void)remove(); }

  const std::string& path() const { return path_; }
  Status write(std::string_view file, std::string_view content);
  Result<std::string> read(std::string_view file);
  // events/<system>/<event>/enable, remembered so that a failed removal can switch it off.
  Status enable(const std::string& event_dir);
  // current_tracer was set: a failed removal puts "nop" back.
  void tracer_set() { tracer_ = true; }
  Status remove();

 private:
  TraceInstance(Os& os, std::string path) : os_(&os), path_(std::move(path)) {}
  Os* os_;
  std::string path_;
  bool live_ = true;
  bool tracer_ = false;
  std::vector<std::string> enabled_;
};

// "raw_syscalls:sys_enter" -> "events/raw_syscalls/sys_enter".
std::string event_dir(const std::string& event);

// The words of a tracefs list file (available_events, available_tracers, trace_clock).
std::set<std::string, std::less<>> words_of(std::string_view text);

}  // namespace sysjourney::measure
