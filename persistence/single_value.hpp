// One integer read by a statement that answers one row of one column: a
// count(*), a PRAGMA. Apart from sqlite.hpp so that the few callers do not
// rebuild everything that includes it.
#pragma once

#include "persistence/sqlite.hpp"

#include <cstdint>
#include <string>

namespace downhill::persistence {

/// Runs `sql` on `db` and returns its first row's first column (0 when it
/// answers no row: SQLite reads a missing row's column as NULL).
int64_t single_int(database& db, const std::string& sql);

} // namespace downhill::persistence
