// A host profile: what `sysjourney measure` fitted on a real machine. Applied to a scenario it
// replaces the preset's clock and scale factors, and the device latency it measured.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "result.h"

namespace sysjourney {

struct Profile {
  std::string host;                      // a description, e.g. the CPU model
  std::optional<double> ghz;             // measured clock
  std::optional<bool> kpti, pcid;        // what the host runs with
  std::string cpu;                       // the preset it builds on (mitigation, vendor)
  std::string device;                    // the probe directory's device class
  std::map<std::string, double> scales;  // per profile_scales() key (user, trap, kernel, tax, ...)
  // The host's own mitigations (ids from mechanisms.toml) and whether it is a guest; unset
  // means the preset's.
  std::optional<std::vector<std::string>> mitigations;
  std::optional<bool> virtualized;
  std::optional<double> device_ns;  // measured 4 KiB device read at QD1, for `device`
};

// Reads and writes the "sysjourney.profile/1" JSON form.
Result<Profile> parse_profile(const std::string& json_text);
std::string profile_to_json(const Profile& p);

}  // namespace sysjourney
