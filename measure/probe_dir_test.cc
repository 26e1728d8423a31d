#include "measure/probe_dir.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "measure/fake_os.h"
#include "measure/fs_magic.h"

namespace sysjourney::measure {
namespace {

TEST(ChooseProbeParent, DirOptionWins) {
  FakeOs os;
  os.env_vars["TMPDIR"] = "/scratch";
  os.fs_magics["/scratch"] = kExt4Magic;
  EXPECT_EQ(choose_probe_parent(os, "/data/probe"), "/data/probe");
}

TEST(ChooseProbeParent, TmpdirOnDisk) {
  FakeOs os;
  os.env_vars["TMPDIR"] = "/scratch";
  os.fs_magics["/scratch"] = kExt4Magic;
  os.fs_magics["/var/tmp"] = kExt4Magic;
  EXPECT_EQ(choose_probe_parent(os, ""), "/scratch");
}

TEST(ChooseProbeParent, PrefersVarTmpOverAMemoryTmpdir) {
  FakeOs os;
  os.env_vars["TMPDIR"] = "/tmp";
  os.fs_magics["/tmp"] = kTmpfsMagic;
  os.fs_magics["/var/tmp"] = kExt4Magic;
  EXPECT_EQ(choose_probe_parent(os, ""), "/var/tmp");
}

TEST(ChooseProbeParent, MemoryTmpdirWhenNothingElse) {
  FakeOs os;
  os.env_vars["TMPDIR"] = "/run/user/1000";
  os.fs_magics["/run/user/1000"] = kTmpfsMagic;
  os.errors["/var/tmp"] = ENOENT;
  EXPECT_EQ(choose_probe_parent(os, ""), "/run/user/1000");
}

TEST(ChooseProbeParent, LastResortIsTmp) {
  FakeOs os;
  EXPECT_EQ(choose_probe_parent(os, ""), "/tmp");
}

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
