#include "measure/probe_dir.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <string>

#include "measure/fake_os.h"
#include "measure/fs_magic.h"

namespace sysjourney::measure {
namespace {

// Where the probe directory goes: the --dir option, else $TMPDIR or /var/tmp on a disk, else a
// $TMPDIR in memory, else /tmp.
struct ParentCase {
  const char* name;
  const char* tmpdir = nullptr;  // nullptr: unset
  std::map<std::string, long> fs_magics{};
  std::map<std::string, int> errors{};
  const char* dir_option = "";
  const char* chosen;
};
// gtest prints a failing case by its name, not as a byte dump.
void PrintTo(const ParentCase& c, std::ostream* os) { *os << c.name; }

class ChooseProbeParent : public testing::TestWithParam<ParentCase> {};

TEST_P(ChooseProbeParent, Chooses) {
  const ParentCase& c = GetParam();
  FakeOs os;
  if (c.tmpdir) os.env_vars["TMPDIR"] = c.tmpdir;
  os.fs_magics = c.fs_magics;
  os.errors = c.errors;
  EXPECT_EQ(choose_probe_parent(os, c.dir_option), c.chosen);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ChooseProbeParent,
    testing::Values(ParentCase{.name = "DirOptionWins",
                               .tmpdir = "/scratch",
                               .fs_magics = {{"/scratch", kExt4Magic}},
                               .dir_option = "/data/probe",
                               .chosen = "/data/probe"},
                    ParentCase{.name = "TmpdirOnDisk",
                               .tmpdir = "/scratch",
                               .fs_magics = {{"/scratch", kExt4Magic}, {"/var/tmp", kExt4Magic}},
                               .chosen = "/scratch"},
                    ParentCase{.name = "PrefersVarTmpOverAMemoryTmpdir",
                               .tmpdir = "/tmp",
                               .fs_magics = {{"/tmp", kTmpfsMagic}, {"/var/tmp", kExt4Magic}},
                               .chosen = "/var/tmp"},
                    ParentCase{.name = "MemoryTmpdirWhenNothingElse",
                               .tmpdir = "/run/user/1000",
                               .fs_magics = {{"/run/user/1000", kTmpfsMagic}},
                               .errors = {{"/var/tmp", ENOENT}},
                               .chosen = "/run/user/1000"},
                    ParentCase{.name = "LastResortIsTmp", .chosen = "/tmp"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProbeDir, RemovesItsFilesAndItself) {
  FakeOs os;
  {
    auto dir = ProbeDir::create(os, "/var/tmp");
    ASSERT_TRUE(dir.ok());
    auto a = dir->add_file("a.dat", 100);
    auto b = dir->add_file("b.dat", 200);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, dir->path() + "/a.dat");
    EXPECT_EQ(os.files.at(*b).size(), 200u);
    EXPECT_EQ(os.watched.size(), 3u);  // dir + two files, for the signal path
  }
  EXPECT_TRUE(os.files.empty());
  EXPECT_TRUE(os.dirs.empty());
  EXPECT_TRUE(os.watched.empty());
}

TEST(ProbeDir, MovedFromDoesNotRemove) {
  FakeOs os;
  {
    auto dir = ProbeDir::create(os, "/var/tmp");
    ASSERT_TRUE(dir.ok());
    {
      ProbeDir moved(std::move(*dir));
      EXPECT_EQ(os.dirs.size(), 1u);
    }
    EXPECT_TRUE(os.dirs.empty());
  }
  EXPECT_EQ(os.calls["remove"], 1);
}

TEST(ProbeDir, CannotCreateSaysWhy) {
  FakeOs os;
  os.errors["/readonly"] = EACCES;
  auto dir = ProbeDir::create(os, "/readonly");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().message, "cannot create a directory in /readonly: Permission denied");
  EXPECT_EQ(errno_of(dir.error()), EACCES);
}

}  // namespace
}  // namespace sysjourney::measure
