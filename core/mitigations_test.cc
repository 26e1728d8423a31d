#include "mitigations.h"

#include <gtest/gtest.h>

#include "builtin_model.h"

namespace sysjourney {
namespace {

const Model& model() {
  static const Model m = *builtin_model();
  return m;
}

std::vector<std::string> ids(const std::map<std::string, std::string>& files) {
  auto r = parse_mitigations(model(), files);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? r->ids : std::vector<std::string>{};
}

using V = std::vector<std::string>;

TEST(Mitigations, ThisKindOfIntelGuestHasOnlyEibrs) {
  EXPECT_EQ(
      ids({{"spectre_v2",
            "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; PBRSB-eIBRS: SW sequence; "
            "BHI: Vulnerable\n"},
           {"meltdown", "Not affected"},
           {"spectre_v1", "Mitigation: usercopy/swapgs barriers and __user pointer sanitization"},
           {"tsx_async_abort", "Mitigation: TSX disabled"},
           {"spec_store_bypass", "Mitigation: Speculative Store Bypass disabled via prctl"}}),
      V{"eibrs"});
}

TEST(Mitigations, Zen3WithRetpolinesAndSafeRet) {
  EXPECT_EQ(
      ids({{"spectre_v2",
            "Mitigation: Retpolines; IBPB: conditional; IBRS_FW; STIBP: always-on; RSB filling; "
            "PBRSB-eIBRS: Not affected; BHI: Not affected"},
           {"spec_rstack_overflow", "Mitigation: Safe RET"},
           {"retbleed", "Not affected"},
           {"meltdown", "Not affected"}}),
      (V{"retpoline", "rsb_fill", "safe_ret"}));
}

TEST(Mitigations, SkylakeWithIbrsAndKpti) {
  auto r =
      parse_mitigations(model(), {{"meltdown", "Mitigation: PTI"},
                                  {"spectre_v2",
                                   "Mitigation: IBRS; IBPB: conditional; STIBP: conditional; "
                                   "RSB filling; PBRSB-eIBRS: Not affected; BHI: Not affected"},
                                  {"retbleed", "Mitigation: IBRS"},
                                  {"mds", "Mitigation: Clear CPU buffers; SMT vulnerable"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ids, (V{"ibrs", "rsb_fill", "verw"}));
  EXPECT_EQ(r->kpti, true);
}

TEST(Mitigations, IceLakeWithTheBhiLoopAndAGuestWithPtiForced) {
  EXPECT_EQ(ids({{"spectre_v2",
                  "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; RSB filling; "
                  "PBRSB-eIBRS: SW sequence; BHI: SW loop, KVM: SW loop"}}),
            (V{"bhi_loop", "eibrs", "rsb_fill"}));
  auto r = parse_mitigations(model(), {{"meltdown", "Mitigation: PTI"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kpti, true);
  EXPECT_TRUE(r->ids.empty());
}

TEST(Mitigations, OlderSpellingsAndSuffixes) {
  // Linux up to 6.2, and 6.5's SRSO spelling.
  EXPECT_EQ(ids({{"spectre_v2",
                  "Mitigation: Enhanced IBRS + Retpolines; IBPB: conditional; RSB filling"}}),
            (V{"eibrs", "retpoline", "rsb_fill"}));
  EXPECT_EQ(ids({{"spec_rstack_overflow", "Mitigation: safe RET, no microcode"}}), V{"safe_ret"});
  EXPECT_EQ(ids({{"spectre_v2", "Mitigation: Retpolines; RSB filling - vulnerable module loaded"}}),
            (V{"retpoline", "rsb_fill"}));
}

// Every spectre_v2 line the kernel can compose: base, then the optional fragments in order.
TEST(Mitigations, EveryComposedSpectreV2LineParses) {
  const V bases = {"Vulnerable",
                   "Mitigation: Retpolines",
                   "Vulnerable: LFENCE",
                   "Mitigation: LFENCE",
                   "Mitigation: Enhanced / Automatic IBRS",
                   "Mitigation: Enhanced / Automatic IBRS + LFENCE",
                   "Mitigation: Enhanced / Automatic IBRS + Retpolines",
                   "Mitigation: IBRS",
                   "Mitigation: Enhanced IBRS",
                   "Mitigation: Enhanced IBRS + LFENCE",
                   "Mitigation: Enhanced IBRS + Retpolines",
                   "Vulnerable: eIBRS with unprivileged eBPF",
                   "Vulnerable: eIBRS+LFENCE with unprivileged eBPF and SMT"};
  const V ibpb = {"", "; IBPB: conditional", "; IBPB: always-on", "; IBPB: disabled"};
  const V fw = {"", "; IBRS_FW"};
  const V stibp = {"", "; STIBP: disabled", "; STIBP: forced", "; STIBP: always-on",
                   "; STIBP: conditional"};
  const V rsb = {"", "; RSB filling"};
  const V pbrsb = {"", "; PBRSB-eIBRS: SW sequence", "; PBRSB-eIBRS: Vulnerable",
                   "; PBRSB-eIBRS: Not affected"};
  const V bhi = {"",
                 "; BHI: Not affected",
                 "; BHI: BHI_DIS_S",
                 "; BHI: SW loop, KVM: SW loop",
                 "; BHI: Retpoline",
                 "; BHI: Vulnerable, KVM: SW loop",
                 "; BHI: Vulnerable",
                 "; BHI: Syscall hardening, KVM: SW loop",
                 "; BHI: Vulnerable (Syscall hardening enabled)"};
  const V module = {"", " - vulnerable module loaded"};
  int lines = 0;
  for (const auto& b : bases)
    for (const auto& i : ibpb)
      for (const auto& f : fw)
        for (const auto& s : stibp)
          for (const auto& r : rsb)
            for (const auto& p : pbrsb)
              for (const auto& h : bhi)
                for (const auto& m : module) {
                  std::string line = b + i + f + s + r + p + h + m;
                  auto parsed = parse_mitigations(model(), {{"spectre_v2", line}});
                  ASSERT_TRUE(parsed) << line << ": " << parsed.error().message;
                  bool retpoline = b.find("Retpoline") != std::string::npos;
                  EXPECT_EQ(std::count(parsed->ids.begin(), parsed->ids.end(), "retpoline"),
                            retpoline ? 1 : 0)
                      << line;
                  EXPECT_EQ(std::count(parsed->ids.begin(), parsed->ids.end(), "bhi_loop"),
                            h.rfind("; BHI: SW loop", 0) == 0 ? 1 : 0)
                      << line;
                  ++lines;
                }
  EXPECT_GT(lines, 10000);
}

TEST(Mitigations, EveryOtherFilesTextsParse) {
  const std::vector<std::pair<std::string, V>> texts = {
      {"meltdown",
       {"Not affected", "Mitigation: PTI", "Vulnerable",
        "Unknown (XEN PV detected, hypervisor mitigation required)"}},
      {"spectre_v1",
       {"Mitigation: usercopy/swapgs barriers and __user pointer sanitization",
        "Vulnerable: __user pointer sanitization and usercopy barriers only; no swapgs barriers"}},
      {"spec_store_bypass",
       {"Vulnerable", "Mitigation: Speculative Store Bypass disabled",
        "Mitigation: Speculative Store Bypass disabled via prctl",
        "Mitigation: Speculative Store Bypass disabled via prctl and seccomp"}},
      {"l1tf",
       {"Mitigation: PTE Inversion",
        "Mitigation: PTE Inversion; VMX: conditional cache flushes, SMT vulnerable",
        "Mitigation: PTE Inversion; VMX: EPT disabled", "Vulnerable"}},
      {"mds",
       {"Vulnerable; SMT vulnerable", "Mitigation: Clear CPU buffers; SMT Host state unknown",
        "Vulnerable: Clear CPU buffers attempted, no microcode; SMT vulnerable",
        "Mitigation: Clear CPU buffers; SMT mitigated",
        "Mitigation: Clear CPU buffers; SMT disabled"}},
      {"tsx_async_abort",
       {"Vulnerable", "Mitigation: TSX disabled", "Mitigation: Clear CPU buffers; SMT vulnerable"}},
      {"itlb_multihit",
       {"KVM: Mitigation: VMX unsupported", "KVM: Mitigation: VMX disabled",
        "KVM: Mitigation: Split huge pages", "KVM: Vulnerable", "Processor vulnerable"}},
      {"srbds",
       {"Vulnerable", "Vulnerable: No microcode", "Mitigation: Microcode",
        "Mitigation: TSX disabled", "Unknown: Dependent on hypervisor status"}},
      {"mmio_stale_data",
       {"Vulnerable", "Mitigation: Clear CPU buffers; SMT vulnerable", "Unknown: No mitigations",
        "Vulnerable: Clear CPU buffers attempted, no microcode; SMT Host state unknown"}},
      {"retbleed",
       {"Vulnerable", "Mitigation: untrained return thunk; SMT enabled with STIBP protection",
        "Mitigation: IBPB; SMT vulnerable", "Mitigation: IBRS", "Mitigation: Enhanced IBRS",
        "Mitigation: Stuffing", "Vulnerable: untrained return thunk / IBPB on non-AMD based uarch",
        "Vulnerable; SMT disabled"}},
      {"gather_data_sampling",
       {"Vulnerable", "Vulnerable: No microcode", "Mitigation: AVX disabled, no microcode",
        "Mitigation: Microcode", "Mitigation: Microcode (locked)",
        "Unknown: Dependent on hypervisor status"}},
      {"spec_rstack_overflow",
       {"Vulnerable", "Vulnerable: No microcode", "Vulnerable: Safe RET, no microcode",
        "Vulnerable: Microcode, no safe RET", "Mitigation: SMT disabled", "Mitigation: Safe RET",
        "Mitigation: IBPB", "Mitigation: IBPB on VMEXIT only", "Mitigation: Reduced Speculation",
        "Mitigation: safe RET, no microcode", "Mitigation: microcode"}},
      {"reg_file_data_sampling",
       {"Vulnerable", "Mitigation: Clear Register File", "Vulnerable: No microcode"}},
      {"indirect_target_selection",
       {"Vulnerable", "Mitigation: Vulnerable, KVM: Not affected",
        "Mitigation: Aligned branch/return thunks", "Mitigation: Retpolines, Stuffing RSB"}},
      {"tsa",
       {"Vulnerable", "Vulnerable: No microcode",
        "Mitigation: Clear CPU buffers: user/kernel boundary", "Mitigation: Clear CPU buffers: VM",
        "Mitigation: Clear CPU buffers"}},
      {"vmscape",
       {"Vulnerable", "Mitigation: IBPB before exit to userspace", "Mitigation: IBPB on VMEXIT"}},
      {"old_microcode", {"Vulnerable", "Unknown: running under hypervisor"}},
      {"ghostwrite", {"Not affected"}},
  };
  for (const auto& [file, list] : texts) {
    for (const auto& text : list) {
      auto r = parse_mitigations(model(), {{file, text}});
      EXPECT_TRUE(r) << file << ": " << text << ": " << (r ? "" : r.error().message);
    }
    auto na = parse_mitigations(model(), {{file, "Not affected\n"}});
    EXPECT_TRUE(na) << file;
  }
}

TEST(Mitigations, WhatEachTextTurnsOn) {
  EXPECT_EQ(ids({{"spec_rstack_overflow", "Mitigation: IBPB"}}), V{"ibpb_entry"});
  EXPECT_EQ(ids({{"spec_rstack_overflow", "Mitigation: IBPB on VMEXIT only"}}), V{});
  EXPECT_EQ(ids({{"retbleed", "Mitigation: Stuffing"}}), V{"call_depth"});
  EXPECT_EQ(ids({{"tsa", "Mitigation: Clear CPU buffers: VM"}}), V{});
  EXPECT_EQ(ids({{"tsa", "Mitigation: Clear CPU buffers: user/kernel boundary"}}), V{"verw"});
  EXPECT_EQ(ids({{"mds", "Vulnerable: Clear CPU buffers attempted, no microcode; SMT vulnerable"}}),
            V{"verw"});
  EXPECT_EQ(ids({{"indirect_target_selection", "Mitigation: Aligned branch/return thunks"}}),
            V{"its_thunks"});
}

TEST(Mitigations, AnUnknownTextIsAnErrorThatNamesTheFileAndTheText) {
  auto r = parse_mitigations(
      model(), {{"spectre_v2", "Mitigation: Enhanced / Automatic IBRS; Quantum shield: on"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "spectre_v2");
  EXPECT_EQ(r.error().value, "Quantum shield: on");
  EXPECT_NE(r.error().message.find("Quantum shield: on"), std::string::npos);
  EXPECT_NE(r.error().allowed.find("RSB filling"), std::string::npos);

  auto f = parse_mitigations(model(), {{"flux_capacitor", "Vulnerable"}});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().field, "flux_capacitor");
  EXPECT_NE(f.error().allowed.find("spectre_v2"), std::string::npos);
}

}  // namespace
}  // namespace sysjourney
