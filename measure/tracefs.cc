#include "measure/tracefs.h"

#include <cerrno>

#include "core/text.h"
#include "measure/fs_magic.h"

namespace sysjourney::measure {
namespace {

constexpr std::string_view kTracefsPath = "/sys/kernel/tracing";
constexpr std::string_view kDebugfsTracingPath = "/sys/kernel/debug/tracing";

Error no_tracefs(const std::string& why) {
  return failure(
      "tracefs is not available: the kernel has no CONFIG_TRACING, or it cannot be mounted here (" +
      why + ")");
}

// Only when /proc can tell, and never a live task's.
void remove_stale_instances(Os& os, const std::string& tracefs, std::string_view prefix, int tid,
                            std::vector<std::string>& notes) {
  if (!os.fs_magic("/proc/self")) return;
  auto names = os.list_dir(tracefs + "/instances");
  if (!names) return;
  for (const std::string& name : *names) {
    if (!name.starts_with(prefix)) continue;
    auto owner = parse_number<int>(std::string_view(name).substr(prefix.size()));
    if (!owner || *owner == tid) continue;
    auto alive = os.fs_magic("/proc/" + std::to_string(*owner));
    if (alive || errno_of(alive.error()) != ENOENT) continue;
    if (os.remove(tracefs + "/instances/" + name))
      notes.push_back("removed the tracing instance " + name + ", left by a run that was killed");
  }
}

}  // namespace

Result<Tracefs> find_tracefs(Os& os) {
  for (std::string_view p : {kTracefsPath, kDebugfsTracingPath}) {
    auto magic = os.fs_magic(std::string(p));
    if (magic && *magic == kTracefsMagic) return Tracefs{.path = std::string(p)};
  }
  const std::string target(kTracefsPath);
  if (auto where = os.fs_magic(target); !where) return no_tracefs(where.error().message);
  if (auto m = os.mount("nodev", target, "tracefs"); !m) return no_tracefs(m.error().message);
  auto magic = os.fs_magic(target);
  if (!magic || *magic != kTracefsMagic) {
    (void)os.unmount(target);
    return no_tracefs("mounted, but " + target + " does not show tracefs");
  }
  return Tracefs{.path = target, .mounted = true};
}

Result<TraceInstance> TraceInstance::make(Os& os, const std::string& tracefs,
                                          std::string_view prefix, int tid,
                                          std::vector<std::string>& notes) {
  remove_stale_instances(os, tracefs, prefix, tid, notes);
  std::string path = tracefs + "/instances/" + std::string(prefix) + std::to_string(tid);
  if (auto made = os.make_dir(path); !made)
    return failure("cannot make a tracing instance: " + made.error().message);
  return TraceInstance(os, std::move(path));
}

TraceInstance::TraceInstance(TraceInstance&& other) noexcept
    : os_(other.os_),
      path_(std::move(other.path_)),
      live_(std::exchange(other.live_, false)),
      tracer_(other.tracer_),
      enabled_(std::move(other.enabled_)) {}

Status TraceInstance::write(std::string_view file, std::string_view content) {
  return os_->write_file(path_ + "/" + std::string(file), content);
}

Result<std::string> TraceInstance::read(std::string_view file) {
  return os_->read_file(path_ + "/" + std::string(file));
}

Status TraceInstance::enable(const std::string& event_dir) {
  auto s = write(event_dir + "/enable", "1");
  if (s) enabled_.push_back(event_dir);
  return s;
}

Status TraceInstance::remove() {
  if (!std::exchange(live_, false)) return Done{};
  (void)write("tracing_on", "0");
  auto removed = os_->remove(path_);
  if (!removed) {
    if (tracer_) (void)write("current_tracer", "nop");
    for (const std::string& e : enabled_) (void)write(e + "/enable", "0");
  }
  return removed;
}

std::string event_dir(const std::string& event) {
  std::string dir = "events/" + event;
  if (auto colon = dir.find(':'); colon != std::string::npos) dir[colon] = '/';
  return dir;
}

std::set<std::string, std::less<>> words_of(std::string_view text) {
  const auto w = words(text);
  return {w.begin(), w.end()};
}

}  // namespace sysjourney::measure
