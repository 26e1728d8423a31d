#include "measure/host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>

#include "measure/fake_os.h"
#include "measure/fs_magic.h"

namespace sysjourney::measure {
namespace {

const std::string kVuln = "/sys/devices/system/cpu/vulnerabilities";

bool has_note(const HostFacts& h, std::string_view text) {
  return std::ranges::any_of(
      h.notes, [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// The block device found behind the probe directory, and how it was classified.
struct Disk {
  std::string device, block_device;
  std::optional<bool> rotational;
  std::string scheduler;
};
void expect_disk(const HostFacts& h, const Disk& d) {
  EXPECT_EQ(h.device, d.device);
  EXPECT_EQ(h.block_device, d.block_device);
  EXPECT_EQ(h.rotational, d.rotational);
  EXPECT_EQ(h.scheduler, d.scheduler);
}

// A KVM guest with an NVMe partition under /var/tmp.
FakeOs nvme_guest() {
  FakeOs os;
  os.files["/proc/cpuinfo"] =
      "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ "
      "2.10GHz\n"
      "cpu MHz\t\t: 2095.078\nflags\t\t: fpu vme pcid sse hypervisor x2apic\n\n"
      "processor\t: 1\nmodel name\t: something else\n";
  os.files[kVuln + "/meltdown"] = "Mitigation: PTI\n";
  os.files[kVuln + "/spectre_v2"] = "Mitigation: Retpolines; IBPB: conditional\n";
  os.release = "6.1.0-18-amd64";
  os.fs_magics["/var/tmp"] = kExt4Magic;
  os.devices["/var/tmp"] = {.major = 259, .minor = 2};
  os.links["/sys/dev/block/259:2"] =
      "../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2";
  const std::string part = "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2";
  os.files[part + "/partition"] = "2\n";
  const std::string disk = "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1";
  os.files[disk + "/queue/rotational"] = "0\n";
  os.files[disk + "/queue/scheduler"] = "[none] mq-deadline kyber\n";
  return os;
}

TEST(HostFacts, ReadsCpuKernelAndMitigations) {
  FakeOs os = nvme_guest();
  os.tsc_ghz = 2.1;
  const HostFacts h = read_host_facts(os, {});
  EXPECT_EQ(h.cpu_model, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
  EXPECT_NEAR(h.ghz, 2.1, 1e-9);
  EXPECT_EQ(h.ghz_source, "tsc");
  EXPECT_EQ(h.kernel, "6.1.0-18-amd64");
  EXPECT_TRUE(h.kpti);
  EXPECT_TRUE(h.pcid);
  EXPECT_TRUE(h.virtualized);
  ASSERT_EQ(h.mitigations.size(), 2u);
  EXPECT_EQ(h.mitigations.at("spectre_v2"), "Mitigation: Retpolines; IBPB: conditional");
  EXPECT_TRUE(h.notes.empty()) << h.notes.front();
}

TEST(HostFacts, WalksFromAPartitionToItsDisk) {
  FakeOs os = nvme_guest();
  const HostFacts h = read_host_facts(os, {});
  EXPECT_EQ(h.dir, "/var/tmp");
  EXPECT_EQ(h.fs, "ext4");
  expect_disk(
      h, {.device = "nvme", .block_device = "nvme0n1", .rotational = false, .scheduler = "none"});
}

TEST(HostFacts, FallsBackToCpuinfoMhzWithoutATsc) {
  FakeOs os = nvme_guest();
  os.tsc_ghz = 0;
  const HostFacts h = read_host_facts(os, {});
  EXPECT_NEAR(h.ghz, 2.095078, 1e-9);
  EXPECT_EQ(h.ghz_source, "cpuinfo");
}

TEST(HostFacts, NoPtiAndNoFlags) {
  FakeOs os = nvme_guest();
  os.files[kVuln + "/meltdown"] = "Not affected\n";
  os.files["/proc/cpuinfo"] = "model name\t: AMD EPYC 7B13\nflags\t\t: fpu pcidx sse\n";
  const HostFacts h = read_host_facts(os, {});
  EXPECT_FALSE(h.kpti);
  EXPECT_FALSE(h.pcid);  // "pcidx" is not "pcid"
  EXPECT_FALSE(h.virtualized);
}

TEST(HostFacts, UnreadableFilesBecomeNotesWithErrno) {
  FakeOs os = nvme_guest();
  os.errors["/proc/cpuinfo"] = EACCES;
  os.errors[kVuln] = ENOENT;
  const HostFacts h = read_host_facts(os, {});
  EXPECT_EQ(h.cpu_model, "");
  EXPECT_FALSE(h.kpti);
  EXPECT_TRUE(h.mitigations.empty());
  EXPECT_TRUE(has_note(h, "cannot open /proc/cpuinfo: Permission denied"));
  EXPECT_TRUE(has_note(h, "cannot open directory " + kVuln + ": No such file or directory"));
  EXPECT_EQ(h.device, "nvme");  // the rest still works
}

TEST(HostFacts, OneUnreadableMitigationKeepsTheOthers) {
  FakeOs os = nvme_guest();
  os.errors[kVuln + "/spectre_v2"] = EACCES;
  const HostFacts h = read_host_facts(os, {});
  EXPECT_EQ(h.mitigations.count("spectre_v2"), 0u);
  EXPECT_TRUE(h.kpti);
  EXPECT_TRUE(has_note(h, "cannot open " + kVuln + "/spectre_v2: Permission denied"));
}

TEST(HostFacts, TmpfsHasNoBlockDevice) {
  FakeOs os = nvme_guest();
  os.fs_magics["/scratch"] = kTmpfsMagic;
  os.devices["/scratch"] = {.major = 0, .minor = 45};
  const HostFacts h = read_host_facts(os, {.dir = "/scratch"});
  EXPECT_EQ(h.fs, "tmpfs");
  EXPECT_EQ(h.device, "unknown");
  EXPECT_EQ(h.block_device, "");
  EXPECT_FALSE(h.rotational.has_value());
  EXPECT_TRUE(
      has_note(h,
               "no block device behind /scratch (0:45): cannot read link /sys/dev/block/0:45: "
               "No such file or directory"));
}

TEST(HostFacts, VirtioDiskReportingRotationalIsStillVirtio) {
  FakeOs os = nvme_guest();
  os.devices["/var/tmp"] = {.major = 254, .minor = 0};
  os.links["/sys/dev/block/254:0"] = "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda";
  os.files["/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda/queue/rotational"] = "1\n";
  os.files["/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda/queue/scheduler"] =
      "none [mq-deadline] kyber bfq\n";
  const HostFacts h = read_host_facts(os, {});
  expect_disk(
      h,
      {.device = "virtio", .block_device = "vda", .rotational = true, .scheduler = "mq-deadline"});
}

TEST(HostFacts, DeviceMapperStepsDownToItsDisk) {
  FakeOs os = nvme_guest();
  os.devices["/var/tmp"] = {.major = 253, .minor = 0};
  os.links["/sys/dev/block/253:0"] = "../../devices/virtual/block/dm-0";
  os.links["/sys/devices/virtual/block/dm-0/slaves/sda3"] =
      "../../../../pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda3";
  const std::string sda =
      "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda";
  os.files[sda + "/sda3/partition"] = "3\n";
  os.files[sda + "/queue/rotational"] = "1\n";
  os.files[sda + "/queue/scheduler"] = "mq-deadline [bfq] none\n";
  const HostFacts h = read_host_facts(os, {});
  EXPECT_EQ(h.block_device, "sda");
  EXPECT_EQ(h.device, "hdd");
  EXPECT_EQ(h.scheduler, "bfq");
}

TEST(HostFacts, UnreadableQueueAttributesLeaveTheDeviceByName) {
  FakeOs os = nvme_guest();
  const std::string disk = "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1";
  os.errors[disk + "/queue/rotational"] = EACCES;
  const HostFacts h = read_host_facts(os, {});
  EXPECT_FALSE(h.rotational.has_value());
  EXPECT_EQ(h.device, "nvme");
  EXPECT_TRUE(has_note(h, "cannot open " + disk + "/queue/rotational: Permission denied"));
}

TEST(ClassifyDevice, ByNamePathAndRotational) {
  EXPECT_EQ(classify_device("nvme0n1", "/sys/devices/pci/nvme/nvme0/nvme0n1", false), "nvme");
  EXPECT_EQ(classify_device("vda", "/sys/devices/pci/virtio1/block/vda", true), "virtio");
  EXPECT_EQ(classify_device("sdb", "/sys/devices/pci/virtio2/host0/block/sdb", false), "virtio");
  EXPECT_EQ(classify_device("sda", "/sys/devices/pci/ata1/block/sda", false), "sata_ssd");
  EXPECT_EQ(classify_device("sda", "/sys/devices/pci/ata1/block/sda", true), "hdd");
  EXPECT_EQ(classify_device("sda", "/sys/devices/pci/ata1/block/sda", std::nullopt), "unknown");
  EXPECT_EQ(classify_device("loop0", "/sys/devices/virtual/block/loop0", true), "unknown");
  EXPECT_EQ(classify_device("mmcblk0", "/sys/devices/platform/mmc/block/mmcblk0", false),
            "unknown");
}

TEST(FsName, KnownAndUnknown) {
  EXPECT_EQ(fs_name(kExt4Magic), "ext4");
  EXPECT_EQ(fs_name(0x58465342), "xfs");
  EXPECT_EQ(fs_name(0x9123683E), "btrfs");
  EXPECT_EQ(fs_name(0x794c7630), "overlay");
  EXPECT_EQ(fs_name(0x12345678), "0x12345678");
}

TEST(BracketedScheduler, PicksTheSelectedOne) {
  EXPECT_EQ(bracketed_scheduler("none [mq-deadline] kyber bfq\n"), "mq-deadline");
  EXPECT_EQ(bracketed_scheduler("[none] mq-deadline\n"), "none");
  EXPECT_EQ(bracketed_scheduler("none\n"), "none");
}

TEST(NormalizePath, ResolvesDotDot) {
  EXPECT_EQ(normalize_path("/sys/dev/block/../../devices/virtual/block/loop0"),
            "/sys/devices/virtual/block/loop0");
  EXPECT_EQ(normalize_path("/a/./b//c/.."), "/a/b");
  EXPECT_EQ(normalize_path("/.."), "/");
}

TEST(CalibrateTsc, CountsTicksAgainstTheClock) {
  FakeOs os;
  os.tsc_ghz = 3.2;
  EXPECT_NEAR(calibrate_tsc_ghz(os, 50'000'000), 3.2, 1e-6);
  os.tsc_ghz = 0;
  EXPECT_EQ(calibrate_tsc_ghz(os, 50'000'000), 0);
}

}  // namespace
}  // namespace sysjourney::measure
