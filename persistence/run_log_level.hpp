// How much a line of a run's log matters. Its names appear in the API (log
// lines, live and stored) and in the control plane's rows, and the run's
// error and warning counts are counted by it; run_log_level.cpp holds the
// one table of them, used both ways. (The server's own log has its own
// levels, actors/server_log.hpp: those lines are for the operator, never
// stored or shown by the API.)
#pragma once

#include <optional>
#include <string_view>

namespace downhill::persistence {

/// Values are only appended: the table is indexed by them.
enum class run_log_level {
  info,
  warning,  // counted in the run's total_warnings
  error,    // counted in the run's total_errors
};

const char* to_string(run_log_level level);

/// The level a stored name spells; empty for a name no table row holds (a
/// row written by a newer version, or a damaged one). Never a default.
std::optional<run_log_level> run_log_level_from_string(std::string_view name);

} // namespace downhill::persistence
