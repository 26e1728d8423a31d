#include "measure/tracefs.h"

#include <gtest/gtest.h>

#include "measure/fake_os.h"
#include "measure/fs_magic.h"

namespace sysjourney::measure {
namespace {

const std::string kTracing = "/sys/kernel/tracing";
const std::string kInstances = kTracing + "/instances/";

FakeOs with_tracefs() {
  FakeOs os;
  os.euid = 0;
  os.fs_magics[kTracing] = kTracefsMagic;
  os.fs_magics["/proc/self"] = kProcMagic;
  os.dirs.insert(kTracing + "/instances");
  return os;
}

TEST(Tracefs, FoundWhereItIsAndMountedOnlyWhenNowhere) {
  FakeOs there = with_tracefs();
  auto found = find_tracefs(there);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->path, kTracing);
  EXPECT_FALSE(found->mounted);
  EXPECT_EQ(there.calls.count("mount"), 0u);

  FakeOs bare;
  bare.fs_magics[kTracing] = kSysfsMagic;
  bare.fstype_magics["tracefs"] = kTracefsMagic;
  auto mounted = find_tracefs(bare);
  ASSERT_TRUE(mounted.ok()) << mounted.error().message;
  EXPECT_TRUE(mounted->mounted);
  {
    MountGuard guard(bare, mounted->path, mounted->mounted);
    EXPECT_EQ(bare.fs_magics[kTracing], kTracefsMagic);
  }
  EXPECT_EQ(bare.fs_magics[kTracing], kSysfsMagic);  // the guard unmounted it

  FakeOs refused;
  refused.fs_magics[kTracing] = kSysfsMagic;
  refused.mount_errors[kTracing] = EPERM;
  auto none = find_tracefs(refused);
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.error().message.starts_with("tracefs is not available")) << none.error().message;
}

TEST(Tracefs, AnInstanceRemovesOnlyItsOwnPrefixsDeadInstancesAndItselfAtTheEnd) {
  FakeOs os = with_tracefs();
  os.fs_magics["/proc/555"] = kProcMagic;  // a live run
  for (const char* name :
       {"sysjourney-999", "sysjourney-555", "sysjourney-path-998", "sysjourney-x", "someone-else"})
    os.dirs.insert(kInstances + name);
  std::vector<std::string> notes;
  {
    auto inst = TraceInstance::make(os, kTracing, "sysjourney-", 42, notes);
    ASSERT_TRUE(inst.ok()) << inst.error().message;
    EXPECT_EQ(inst->path(), kInstances + "sysjourney-42");
    EXPECT_TRUE(os.dirs.count(kInstances + "sysjourney-42"));
  }
  EXPECT_FALSE(os.dirs.count(kInstances + "sysjourney-42"));  // removed with the object
  EXPECT_FALSE(os.dirs.count(kInstances + "sysjourney-999"));
  EXPECT_TRUE(os.dirs.count(kInstances + "sysjourney-555"));
  EXPECT_TRUE(os.dirs.count(kInstances + "sysjourney-path-998"));  // another prefix's
  EXPECT_TRUE(os.dirs.count(kInstances + "sysjourney-x"));
  EXPECT_TRUE(os.dirs.count(kInstances + "someone-else"));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("sysjourney-999, left by a run that was killed"), std::string::npos);

  auto path_inst = TraceInstance::make(os, kTracing, "sysjourney-path-", 42, notes);
  ASSERT_TRUE(path_inst.ok());
  EXPECT_FALSE(os.dirs.count(kInstances + "sysjourney-path-998"));
}

TEST(Tracefs, AnInstanceThatCannotBeRemovedSwitchesItsEventsAndTracerOff) {
  FakeOs os = with_tracefs();
  std::vector<std::string> notes;
  auto inst = TraceInstance::make(os, kTracing, "sysjourney-", 7, notes);
  ASSERT_TRUE(inst.ok());
  ASSERT_TRUE(inst->enable("events/sched/sched_switch").ok());
  inst->tracer_set();
  os.errors[inst->path()] = EBUSY;
  EXPECT_FALSE(inst->remove().ok());
  EXPECT_EQ(os.files[inst->path() + "/events/sched/sched_switch/enable"], "0");
  EXPECT_EQ(os.files[inst->path() + "/current_tracer"], "nop");
  EXPECT_EQ(os.files[inst->path() + "/tracing_on"], "0");
}

TEST(Tracefs, ListFilesAndEventDirectories) {
  EXPECT_EQ(words_of("local [mono] x86-tsc\n"),
            (std::set<std::string, std::less<>>{"local", "[mono]", "x86-tsc"}));
  EXPECT_EQ(words_of("sched:sched_switch\nirq:irq_handler_entry\n\n").size(), 2u);
  EXPECT_TRUE(words_of("").empty());
  EXPECT_EQ(event_dir("raw_syscalls:sys_enter"), "events/raw_syscalls/sys_enter");
}

}  // namespace
}  // namespace sysjourney::measure
