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

} // namespace downhill::persistence
