// The model: stages, CPU presets, devices, paths and sources, loaded from TOML text.
// core/ does no I/O: callers hand in the files' names and contents (embedded or from --model).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "result.h"

namespace sysjourney {

enum class Unit { cycles, ns };
enum class Lane { user, kernel, hardware };

// A cost range. `typ` is what the journey shows; low/high bound it and feed sampling.
// `per_page` is added for every 4 KiB page the read touches beyond the first.
struct Cost {
  Unit unit = Unit::cycles;
  double low = 0, typ = 0, high = 0;
  double per_page_low = 0, per_page_typ = 0, per_page_high = 0;
  // Typical cost with hot caches when the work repeats back to back (a batch); unset = typ.
  std::optional<double> warm;
  std::string source;  // source id; falls back to the stage's
};

// How often a stage does the things the CPU's mitigations tax: function calls (each with its
// return), indirect calls and jumps, kernel entries (with their exit), context switches and,
// in a guest, VM exits. Counted from a real function trace of Linux 6.x or read from the
// kernel source; `source` names which.
struct Events {
  double calls = 0, indirect = 0, entries = 0, switches = 0, vmexits = 0;
  std::string source;
  bool any() const { return calls + indirect + entries + switches + vmexits > 0; }
};

struct Stage {
  std::string id;
  std::string title;
  std::string short_name;  // a word or two for the page's lanes ("SYSCALL", "drive")
  Lane lane = Lane::kernel;
  bool on_cpu = true;
  // Which calibration factor applies: "user", "trap", "kernel", "wake", "device" or "none".
  std::string scale;
  int scale_index = 0;  // into scale_classes(), resolved at load
  std::vector<std::string> functions;
  std::vector<std::string> visible_to;
  bool strace_visible = false;  // "strace" is in visible_to (kept so each journey need not search)
  std::string explain;
  std::string source;
  // Either one cost, or costs picked by a scenario attribute (`cost_by`, e.g. "device").
  std::optional<Cost> cost;
  std::string cost_by;
  std::map<std::string, Cost, std::less<>> costs;
  Events events;
  std::string where;       // "stages.toml:12", for messages
  int cost_by_index = -1;  // into attribute_keys(), resolved at load
};

struct Source {
  std::string id;
  std::string citation;
  std::string url;
  int year = 0;
  bool estimate = false;
};

// One mitigation's tax per event, in cycles (see mechanisms.toml).
struct Mitigation {
  std::string id;
  std::string title;
  double entry = 0;           // per kernel entry and exit
  double call = 0;            // per function call (call depth tracking's accounting)
  double ret = 0;             // per function return (return thunks, SRSO safe RET)
  double indirect = 0;        // per indirect call or jump (retpolines)
  double context_switch = 0;  // per context switch (IBPB, RSB filling)
  // Per function call, but only in the work right after a kernel entry: KPTI without PCID
  // flushes the TLB on every entry, so the first read after it refills the TLB as it goes;
  // the other reads of an io_uring batch find it warm.
  double call_after_entry = 0;
  bool kpti_without_pcid =
      false;  // in force whenever KPTI runs without PCID, whatever the texts say
  std::string source;
};

// A text the kernel prints in /sys/devices/system/cpu/vulnerabilities/<file>, or one
// "; "-separated part of it, and what it turns on.
struct MitigationString {
  std::string file;     // "spectre_v2"
  std::string text;     // "Mitigation: Retpolines"
  bool prefix = false;  // text need only start the part ("BHI: Vulnerable, KVM: SW loop")
  std::vector<std::string> mitigations;
  std::optional<bool> kpti;  // meltdown: "Mitigation: PTI"
};

// What a guest pays when it leaves the CPU to the hypervisor and comes back.
struct VmCosts {
  double exit_cycles = 0;
  std::string source;
};

struct CpuPreset {
  std::string id;
  std::string title;
  std::string vendor;
  double ghz = 3.0;
  bool kpti = false;
  bool pcid = true;
  std::string mitigation;  // a short label of the Spectre v2 family, for display and conditions
  std::vector<std::string> mitigations;  // ids from mechanisms.toml: what taxes each event
  bool virtualized = false;
  std::string device;                    // the device a read on this machine usually meets
  std::map<std::string, double> scales;  // per stage scale class; missing = 1
  std::string source;
};

struct Device {
  std::string id;
  std::string title;
  int parallelism = 1;        // reads the device serves at once (io_uring overlap)
  double bandwidth_mb_s = 0;  // sequential transfer rate, for reads beyond 4 KiB
  int logical_block = 512;    // O_DIRECT alignment
  bool plp = false;           // power-loss protection: no volatile cache, so no flushes
  std::string source;
};

// A condition on the scenario, "key=value", "key=a|b" or "key!=value".
struct Condition {
  std::string key;
  int key_index = -1;  // into attribute_keys(), resolved at load
  std::vector<std::string> values;
  bool negate = false;
  // Bit i set: `values` holds Model::condition_values[key_index][i]. Set at load, so that a journey
  // tests a bit instead of comparing strings (the longest paths have ~100 conditions).
  std::uint64_t mask = 0;
};

// How often a path item is paid: every read, once per io_uring_enter batch, or as device time
// that the reads of a batch overlap.
enum class Per { read, batch, overlap };
const char* to_string(Per p);

// One step of a path: a stage, paid once per read or once per io_uring_enter batch.
struct PathItem {
  std::string stage;
  std::size_t stage_index = 0;  // into Model::stages, resolved at load
  std::vector<Condition> when;
  Per per = Per::read;
};

struct Path {
  std::string id;
  std::string title;
  std::vector<Condition> when;  // the scenarios this path serves
  std::vector<PathItem> items;  // segments already expanded
  std::string result;           // what the call returns, e.g. "16 bytes" or "EAGAIN"
  std::string where;
};

struct Model {
  std::vector<Stage> stages;
  std::vector<CpuPreset> cpus;
  std::vector<Device> devices;
  std::vector<Path> paths;
  std::vector<Source> sources;
  std::vector<Mitigation> mitigations;
  std::vector<MitigationString> mitigation_strings;
  VmCosts vm;
  std::string default_cpu;
  std::string version;  // `model_version` (model/version.toml); empty when no file sets it
  // By attribute_keys() index: the values some condition names (at most kMaxConditionValues
  // each, a bit per value in a condition's mask). A journey looks its attributes up here once.
  std::vector<std::vector<std::string>> condition_values;

  const Stage* find_stage(const std::string& id) const;
  const CpuPreset* find_cpu(const std::string& id) const;
  const Device* find_device(const std::string& id) const;
  const Source* find_source(const std::string& id) const;
  const Mitigation* find_mitigation(const std::string& id) const;
};

constexpr std::size_t kMaxConditionValues = 63;  // bit 63 stands for "named by no condition"

struct ModelFile {
  std::string name;  // e.g. "stages.toml"
  std::string text;
};

// Parses and validates every file. The first problem found is returned with the file, line,
// field, value and what is allowed.
Result<Model> load_model(const std::vector<ModelFile>& files);

// The scale classes a stage can belong to, in a fixed order (at most kMaxScaleClasses: the
// engine keeps their factors in an array; a test checks).
const std::vector<std::string>& scale_classes();
constexpr std::size_t kMaxScaleClasses = 16;

// The factors a host profile (and the fit) can set: the stage classes, plus "tax" (every
// mitigation's per-event cost) and "vmexit" (a guest's exits to the hypervisor).
const std::vector<std::string>& profile_scales();

const char* to_string(Unit u);
const char* to_string(Lane l);

}  // namespace sysjourney
