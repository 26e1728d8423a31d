#include "cli/version.h"

#include <gtest/gtest.h>

#include <cctype>

namespace sysjourney {
namespace {

TEST(Version, NamesProgramModelAndCommit) {
  EXPECT_EQ(version_text("0.1.0", "2026.1", "2be7945d1e2f"),
            "sysjourney 0.1.0\nmodel 2026.1\ncommit 2be7945d1e2f");
}

TEST(Version, NoCommitLineWithoutAGitCheckout) {
  EXPECT_EQ(version_text("0.1.0", "2026.1", ""), "sysjourney 0.1.0\nmodel 2026.1");
}

TEST(Version, SaysWhenTheTreeHadChanges) {
  EXPECT_EQ(version_text("1.0", "3", "abc+"),
            "sysjourney 1.0\nmodel 3\ncommit abc (with uncommitted changes)");
}

TEST(Version, AModelWithoutVersionSaysSo) {
  EXPECT_EQ(version_text("1.0", "", ""), "sysjourney 1.0\nmodel (unversioned)");
}

TEST(Version, TheBuildsCommitIsHexOrEmpty) {
  std::string c = git_commit();
  if (!c.empty() && c.back() == '+') c.pop_back();
  for (char ch : c) EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(ch))) << c;
}

}  // namespace
}  // namespace sysjourney
