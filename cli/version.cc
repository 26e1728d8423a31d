#include "cli/version.h"

#include "git_commit.h"  // generated at build time: SYSJOURNEY_GIT_COMMIT

namespace sysjourney {

std::string git_commit() { return SYSJOURNEY_GIT_COMMIT; }

std::string version_text(const std::string& version, const std::string& model_version,
                         const std::string& commit) {
  std::string out = "sysjourney " + version;
  out += "\nmodel " + (model_version.empty() ? std::string("(unversioned)") : model_version);
  if (!commit.empty()) {
    bool dirty = commit.back() == '+';
    out += "\ncommit " + commit.substr(0, commit.size() - (dirty ? 1 : 0));
    if (dirty) out += " (with uncommitted changes)";
  }
  return out;
}

}  // namespace sysjourney
