// The signal-cleanup tests' child: forked, it sets something up (files, a mount, a running
// probe), reports one line to the parent and waits to be killed, so that the parent knows what
// to look for and that it is there before it sends the signal.
#pragma once
#include <sys/types.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace sysjourney::measure {

// In the child: tells the parent `line` and waits for a signal.
[[noreturn]] inline void report_and_pause(int report, const std::string& line) {
  const std::string text = line + "\n";
  (void)!::write(report, text.data(), text.size());
  for (;;) ::pause();
}

struct ReportingChild {
  pid_t pid = -1;    // -1: fork failed
  std::string line;  // what it reported; "" if it exited first
};

// Forks; the child runs `child(report)`, which ends in report_and_pause() or _exit(). Returns
// once the child has reported (or died).
inline ReportingChild fork_reporting(const std::function<void(int report)>& child) {
  int sync[2];
  if (::pipe(sync) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(sync[0]);
    child(sync[1]);
    ::_exit(2);
  }
  ::close(sync[1]);
  ReportingChild out{.pid = pid, .line = {}};
  char c;
  while (pid > 0 && ::read(sync[0], &c, 1) == 1 && c != '\n') out.line += c;
  ::close(sync[0]);
  return out;
}

}  // namespace sysjourney::measure
