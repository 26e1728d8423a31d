// Facts about the machine that decide which model applies: CPU, kernel, mitigations, and the
// filesystem and device behind the probe directory. All read through Os; what cannot be read is
// left unknown and explained in `notes`, never fatal.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "measure/load.h"
#include "measure/os.h"

namespace sysjourney::measure {

struct HostFacts {
  std::string cpu_model{};                           // /proc/cpuinfo "model name"
  double ghz = 0;                                    // 0 when unknown
  std::string ghz_source{};                          // "tsc" (calibrated), "cpuinfo" (MHz) or ""
  std::string kernel{};                              // uname release
  bool kpti = false;                                 // vulnerabilities/meltdown says "PTI"
  bool pcid = false;                                 // cpuinfo flag
  bool virtualized = false;                          // cpuinfo flag "hypervisor"
  std::map<std::string, std::string> mitigations{};  // vulnerabilities/<name> -> its text
  std::string dir{};                                 // the directory fs and device describe
  std::string fs{};                                  // "ext4", "tmpfs", ...; "0x..." if unnamed
  std::string device{};                              // nvme, virtio, sata_ssd, hdd or unknown
  std::string block_device{};                        // the whole disk, e.g. "nvme0n1"; "" if none
  std::optional<bool> rotational{};                  // queue/rotational
  std::string scheduler{};                           // queue/scheduler, the [selected] one
  std::vector<std::string> notes{};                  // what could not be read, and why
  // How busy the machine was while the probes ran: filled in by measure_machine(), not by
  // read_host_facts(); known == false when no probes ran here (e.g. a document read by `fit`).
  MachineLoad load{};
};

struct HostOptions {
  std::string dir{};                   // as --dir; "" picks choose_probe_parent()
  int64_t tsc_window_ns = 60'000'000;  // how long to count TSC ticks against the clock
};

HostFacts read_host_facts(Os& os, const HostOptions& options);

// --- The pieces, public for tests
// ------------------------------------------------------------------

// statfs f_type -> name: fs_name(0xEF53) == "ext4" (ext2/3 share the number), unknown -> "0x...".
std::string fs_name(long magic);

// The selected scheduler: bracketed_scheduler("none [mq-deadline] kyber\n") == "mq-deadline".
std::string bracketed_scheduler(std::string_view text);

// Resolves ".." and "." in an absolute path: normalize_path("/sys/dev/block/../../devices/x")
// == "/sys/devices/x".
std::string normalize_path(std::string_view path);

// "nvme", "virtio", "sata_ssd", "hdd" or "unknown" from the whole disk's name, its /sys path and
// queue/rotational. Only sd*/hd* disks are called sata_ssd or hdd: loop, zram and md devices
// report rotational too but are neither.
std::string classify_device(std::string_view name, std::string_view sys_path,
                            std::optional<bool> rotational);

// TSC ticks per nanosecond counted over `window_ns` of CLOCK_MONOTONIC; 0 without a TSC.
double calibrate_tsc_ghz(Clocks& clock, int64_t window_ns);

}  // namespace sysjourney::measure
