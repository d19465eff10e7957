// The states of runs and tasks. Their names appear in the API and in the
// control plane's rows; this is the one place that spells them
// (run_states.cpp holds one table per enum, used both ways).
#pragma once

#include <optional>
#include <string_view>

namespace downhill::persistence {

/// A run's status. Values are only appended: the table is indexed by them.
enum class run_status {
  queued,
  running,
  succeeded,
  failed,
  cancelled,
  interrupted,  // ended by a shutdown or a crash, not by its tasks
};

/// A task's status. Values are only appended: the table is indexed by them.
enum class task_status {
  pending,
  running,
  succeeded,
  failed,
  cancelled,
};

const char* to_string(run_status status);
const char* to_string(task_status status);

/// The status a wire name spells; empty for a name no table row holds (a
/// row written by a newer version, or a damaged one). Never a default.
std::optional<run_status> run_status_from_string(std::string_view name);
std::optional<task_status> task_status_from_string(std::string_view name);

} // namespace downhill::persistence
