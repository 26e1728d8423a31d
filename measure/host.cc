#include "measure/host.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

#include "core/text.h"
#include "measure/fs_magic.h"
#include "measure/probe_dir.h"

namespace sysjourney::measure {
namespace {

struct FsMagic {
  long magic;
  std::string_view name;
};

// From linux/magic.h and the filesystems' own headers.
constexpr std::array kFsMagics = {
    FsMagic{.magic = kExt4Magic, .name = "ext4"},
    FsMagic{.magic = 0x58465342, .name = "xfs"},
    FsMagic{.magic = 0x9123683E, .name = "btrfs"},
    FsMagic{.magic = kTmpfsMagic, .name = "tmpfs"},
    FsMagic{.magic = kRamfsMagic, .name = "ramfs"},
    FsMagic{.magic = 0x794c7630, .name = "overlay"},
    FsMagic{.magic = 0x2fc12fc1, .name = "zfs"},
    FsMagic{.magic = 0xF2F52010, .name = "f2fs"},
    FsMagic{.magic = 0xca451a4e, .name = "bcachefs"},
    FsMagic{.magic = 0x6969, .name = "nfs"},
    FsMagic{.magic = 0xFE534D42, .name = "smb2"},
    FsMagic{.magic = 0xFF534D42, .name = "cifs"},
    FsMagic{.magic = 0x01021997, .name = "9p"},
    FsMagic{.magic = 0x65735546, .name = "fuse"},
    FsMagic{.magic = 0x73717368, .name = "squashfs"},
    FsMagic{.magic = 0x4d44, .name = "vfat"},
    FsMagic{.magic = 0x2011BAB0, .name = "exfat"},
    FsMagic{.magic = 0x5346544e, .name = "ntfs"},
    FsMagic{.magic = 0x00c36400, .name = "ceph"},
    FsMagic{.magic = kProcMagic, .name = "proc"},
    FsMagic{.magic = kSysfsMagic, .name = "sysfs"},
};

constexpr std::string_view kVulnerabilities = "/sys/devices/system/cpu/vulnerabilities";

// The value of the first "key<tabs>: value" line in /proc/cpuinfo, or "".
std::string cpuinfo_field(std::string_view cpuinfo, std::string_view key) {
  size_t pos = 0;
  while (pos < cpuinfo.size()) {
    size_t end = cpuinfo.find('\n', pos);
    if (end == std::string_view::npos) end = cpuinfo.size();
    const std::string_view line = cpuinfo.substr(pos, end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && trim(line.substr(0, colon)) == key)
      return std::string(trim(line.substr(colon + 1)));
    pos = end + 1;
  }
  return "";
}

bool has_word(std::string_view words, std::string_view word) {
  size_t pos = 0;
  while ((pos = words.find(word, pos)) != std::string_view::npos) {
    const bool starts = pos == 0 || words[pos - 1] == ' ';
    const size_t end = pos + word.size();
    if (starts && (end == words.size() || words[end] == ' ')) return true;
    pos = end;
  }
  return false;
}

std::string parent_path(const std::string& path) { return path.substr(0, path.rfind('/')); }
std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

void read_cpu(Os& os, const HostOptions& options, HostFacts& facts) {
  auto cpuinfo = os.read_file("/proc/cpuinfo");
  if (!cpuinfo) facts.notes.push_back(cpuinfo.error().message);
  const std::string text = cpuinfo ? *cpuinfo : "";
  facts.cpu_model = cpuinfo_field(text, "model name");
  const std::string flags = cpuinfo_field(text, "flags");
  facts.pcid = has_word(flags, "pcid");
  facts.virtualized = has_word(flags, "hypervisor");

  facts.ghz = calibrate_tsc_ghz(os, options.tsc_window_ns);
  // A TSC that ticks at a rate no CPU runs at is not the CPU clock (or the clock is broken).
  if (facts.ghz > 0.2 && facts.ghz < 10) {
    facts.ghz_source = "tsc";
    return;
  }
  facts.ghz = 0;
  const std::string mhz = cpuinfo_field(text, "cpu MHz");
  double value = 0;
  std::from_chars(mhz.data(), mhz.data() + mhz.size(), value);
  if (value > 0) {
    facts.ghz = value / 1000;
    facts.ghz_source = "cpuinfo";
  } else {
    facts.notes.push_back("CPU clock unknown: no usable TSC and no \"cpu MHz\" in /proc/cpuinfo");
  }
}

void read_mitigations(SystemFiles& os, HostFacts& facts) {
  const std::string dir(kVulnerabilities);
  auto names = os.list_dir(dir);
  if (!names) {
    facts.notes.push_back(names.error().message);
    return;
  }
  for (const std::string& name : *names) {
    auto text = os.read_file(dir + "/" + name);
    if (!text) {
      facts.notes.push_back(text.error().message);
      continue;
    }
    facts.mitigations[name] = std::string(trim(*text));
  }
  auto meltdown = facts.mitigations.find("meltdown");
  facts.kpti =
      meltdown != facts.mitigations.end() && meltdown->second.find("PTI") != std::string::npos;
}

// The /sys/block directory of the whole disk under a /sys/dev/block/M:m link: partitions step up
// to their disk; device-mapper and md devices step down to their first underlying device.
std::optional<std::string> whole_disk(SystemFiles& os, std::string sys_path,
                                      std::vector<std::string>& notes) {
  for (int depth = 0; depth < 8; ++depth) {
    if (os.read_file(sys_path + "/partition").ok()) {
      sys_path = parent_path(sys_path);
      continue;
    }
    auto slaves = os.list_dir(sys_path + "/slaves");
    if (!slaves || slaves->empty()) return sys_path;
    const std::string link = sys_path + "/slaves/" + slaves->front();
    auto target = os.readlink(link);
    if (!target) {
      notes.push_back(target.error().message);
      return std::nullopt;
    }
    sys_path = normalize_path(sys_path + "/slaves/" + *target);
  }
  notes.push_back("block device stack deeper than 8 levels under " + sys_path);
  return std::nullopt;
}

void read_storage(SystemFiles& os, HostFacts& facts) {
  facts.device = "unknown";
  if (auto magic = os.fs_magic(facts.dir)) {
    facts.fs = fs_name(*magic);
  } else {
    facts.notes.push_back(magic.error().message);
  }
  auto dev = os.device_of(facts.dir);
  if (!dev) {
    facts.notes.push_back(dev.error().message);
    return;
  }
  const std::string number = std::to_string(dev->major) + ":" + std::to_string(dev->minor);
  auto link = os.readlink("/sys/dev/block/" + number);
  if (!link) {
    // Normal for tmpfs, overlay and btrfs: their st_dev is anonymous, not a disk.
    facts.notes.push_back("no block device behind " + facts.dir + " (" + number +
                          "): " + link.error().message);
    return;
  }
  auto disk = whole_disk(os, normalize_path("/sys/dev/block/" + *link), facts.notes);
  if (!disk) return;
  facts.block_device = base_name(*disk);
  if (auto rot = os.read_file(*disk + "/queue/rotational")) {
    const std::string v(trim(*rot));
    if (v == "0" || v == "1") facts.rotational = v == "1";
  } else {
    facts.notes.push_back(rot.error().message);
  }
  if (auto sched = os.read_file(*disk + "/queue/scheduler")) {
    facts.scheduler = bracketed_scheduler(*sched);
  } else {
    facts.notes.push_back(sched.error().message);
  }
  facts.device = classify_device(facts.block_device, *disk, facts.rotational);
}

}  // namespace

std::string fs_name(long magic) {
  for (const FsMagic& m : kFsMagics)
    if (m.magic == magic) return std::string(m.name);
  char hex[24];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(magic));
  return hex;
}

std::string bracketed_scheduler(std::string_view text) {
  const size_t open = text.find('[');
  const size_t close = text.find(']', open);
  if (open == std::string_view::npos || close == std::string_view::npos)
    return std::string(trim(text));
  return std::string(text.substr(open + 1, close - open - 1));
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  std::string out;
  for (std::string_view p : parts) (out += '/') += p;
  return out.empty() ? "/" : out;
}

std::string classify_device(std::string_view name, std::string_view sys_path,
                            std::optional<bool> rotational) {
  if (name.starts_with("nvme")) return "nvme";
  // virtio-blk is vd*; virtio-scsi disks are sd* but sit under a virtio bus in /sys.
  if (name.starts_with("vd") || sys_path.find("/virtio") != std::string_view::npos) return "virtio";
  const bool ata_or_scsi = name.starts_with("sd") || name.starts_with("hd");
  if (ata_or_scsi && rotational == true) return "hdd";
  if (ata_or_scsi && rotational == false) return "sata_ssd";
  return "unknown";
}

double calibrate_tsc_ghz(Clocks& clock, int64_t window_ns) {
  // rdtsc and the clock are read back to back at both ends, so their skew cancels out.
  const auto c0 = clock.read_tsc();
  const int64_t t0 = clock.monotonic_ns();
  if (!c0) return 0;
  clock.sleep_ns(window_ns);
  const auto c1 = clock.read_tsc();
  const int64_t t1 = clock.monotonic_ns();
  if (!c1 || t1 <= t0 || *c1 <= *c0) return 0;
  return static_cast<double>(*c1 - *c0) / static_cast<double>(t1 - t0);
}

HostFacts read_host_facts(Os& os, const HostOptions& options) {
  HostFacts facts;
  read_cpu(os, options, facts);
  if (auto release = os.kernel_release()) {
    facts.kernel = *release;
  } else {
    facts.notes.push_back(release.error().message);
  }
  read_mitigations(os, facts);
  facts.dir = choose_probe_parent(os, options.dir);
  read_storage(os, facts);
  return facts;
}

}  // namespace sysjourney::measure
