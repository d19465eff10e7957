// Named crash points for crash-safety tests, in SQLite's spirit of test
// hooks built into the product. If the environment variable
// DOWNHILL_CRASH_AT names a point, the process kills itself with SIGKILL
// when it gets there: no destructor, no flush, exactly like a power cut
// (minus the page cache). Unset (always, in production), a point costs one
// cached comparison.
#pragma once

namespace downhill::persistence {

/// Dies at once if DOWNHILL_CRASH_AT equals `name`.
void crash_point(const char* name);

/// A crash point, and whether a sync that dies there has committed its
/// switch already (its target then holds the new data, its run succeeded).
struct named_crash_point {
  const char* name;
  bool after_switch_commit;
};

/// Every name crash_point() is called with, in the order a sync reaches
/// them. The crash-recovery tests kill a sync at each one;
/// tests/unit/crash_points_test.cpp fails if the sources name another.
inline constexpr named_crash_point every_crash_point[] = {
  {"after-snapshot", false},  // environment_copy.cpp: the base's snapshot
  {"mid-copy", false},        // sync_database_task.cpp: half copied
  {"before-switch", false},   // run_finishing.cpp: flushed, not committed
  {"after-switch", true},     // run_finishing.cpp: the switch committed
};

} // namespace downhill::persistence
