// What `sysjourney --version` prints: the program, the model it carries and, for a build from a
// git checkout, the commit it was built from.
#pragma once
#include <string>

namespace sysjourney {

// The commit the build saw (cmake/GitCommit.cmake), e.g. "2be7945d1e2f" or "2be7945d1e2f+";
// "+" marks uncommitted changes. Empty when the source was not a git checkout (a tarball, a
// .deb's build without .git), so that nothing bogus is printed.
std::string git_commit();

// "sysjourney 0.1.0\nmodel 2026.1\ncommit 2be7945d1e2f", leaving out the lines it has no value
// for. No trailing newline (CLI11 adds one).
std::string version_text(const std::string& version, const std::string& model_version,
                         const std::string& commit);

}  // namespace sysjourney
