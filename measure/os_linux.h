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

#include "measure/os_overrides.h"

 private:
  std::vector<std::unique_ptr<io_uring>> rings_;
};

}  // namespace sysjourney::measure
