// statfs(2) f_type numbers that measure/ tests for, from linux/magic.h: one copy for the code
// (host facts, the probe directory, tracefs) and its tests.
#pragma once

namespace sysjourney::measure {

inline constexpr long kExt4Magic = 0xEF53;  // ext2 and ext3 share it
inline constexpr long kTmpfsMagic = 0x01021994;
inline constexpr long kRamfsMagic = 0x858458f6;
inline constexpr long kProcMagic = 0x9fa0;
inline constexpr long kSysfsMagic = 0x62656572;
inline constexpr long kTracefsMagic = 0x74726163;

}  // namespace sysjourney::measure
