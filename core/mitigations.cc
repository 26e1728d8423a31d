#include "mitigations.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "scenario.h"
#include "text.h"

namespace sysjourney {

namespace {

// spectre_v2 appends this to the whole line, after the last part, when a module was built
// without retpolines.
constexpr std::string_view kModuleSuffix = " - vulnerable module loaded";

std::vector<std::string> parts_of(std::string text) {
  text = std::string(trim(text));
  if (text.size() >= kModuleSuffix.size() &&
      text.compare(text.size() - kModuleSuffix.size(), kModuleSuffix.size(), kModuleSuffix) == 0) {
    text.resize(text.size() - kModuleSuffix.size());
  }
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto semi = text.find("; ", pos);
    if (semi == std::string::npos) semi = text.size();
    std::string part(trim(text.substr(pos, semi - pos)));
    if (!part.empty()) out.push_back(part);
    pos = semi + 2;
  }
  return out;
}

const MitigationString* match(const Model& model, const std::string& file,
                              const std::string& part) {
  for (const auto& ms : model.mitigation_strings) {
    if (ms.file != file) continue;
    if (ms.prefix ? part.rfind(ms.text, 0) == 0 : part == ms.text) return &ms;
  }
  return nullptr;
}

}  // namespace

Result<HostMitigations> parse_mitigations(const Model& model,
                                          const std::map<std::string, std::string>& files) {
  std::vector<std::string> known_files;
  for (const auto& ms : model.mitigation_strings) {
    if (std::find(known_files.begin(), known_files.end(), ms.file) == known_files.end())
      known_files.push_back(ms.file);
  }
  std::vector<bool> on(model.mitigations.size(), false);
  HostMitigations out;
  for (const auto& [file, text] : files) {
    if (std::find(known_files.begin(), known_files.end(), file) == known_files.end()) {
      return Error{fmt::format("vulnerabilities/{}: the model does not know this file", file), file,
                   std::string(trim(text)), join(known_files, ", "), "mechanisms.toml"};
    }
    for (const auto& part : parts_of(text)) {
      if (part == "Not affected") continue;  // any file prints it when the CPU lacks the bug
      const MitigationString* ms = match(model, file, part);
      if (!ms) {
        std::vector<std::string> allowed;
        for (const auto& k : model.mitigation_strings) {
          if (k.file == file) allowed.push_back(k.prefix ? k.text + "..." : k.text);
        }
        return Error{
            fmt::format("vulnerabilities/{}: '{}' is not a text the model knows", file, part), file,
            part, join(allowed, " | "), "mechanisms.toml"};
      }
      if (ms->kpti) out.kpti = *ms->kpti;
      for (const auto& id : ms->mitigations) {
        for (std::size_t i = 0; i < model.mitigations.size(); ++i) {
          if (model.mitigations[i].id == id) on[i] = true;
        }
      }
    }
  }
  for (std::size_t i = 0; i < model.mitigations.size(); ++i) {
    if (on[i]) out.ids.push_back(model.mitigations[i].id);
  }
  std::sort(out.ids.begin(), out.ids.end());
  return out;
}

}  // namespace sysjourney
