// What the kernel says about the CPU's vulnerabilities, turned into the model's mitigations.
// The texts come from /sys/devices/system/cpu/vulnerabilities/<file>; which text turns on
// which mitigation is data (model/mechanisms.toml), so a new kernel's wording is an edit there.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model.h"
#include "result.h"

namespace sysjourney {

struct HostMitigations {
  std::vector<std::string> ids;  // mitigation ids, each once, sorted
  std::optional<bool> kpti;      // what meltdown says, when it says
};

// Parses every file's text. Each text is split at "; " and every part must be one the model
// knows for that file; the first unknown part is an error that names the file and the part.
Result<HostMitigations> parse_mitigations(const Model& model,
                                          const std::map<std::string, std::string>& files);

}  // namespace sysjourney
