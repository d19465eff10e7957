// A job's state: a run-now job's, or a recurring job's as it is paused,
// resumed and deleted. Its names appear in the API (recurring jobs) and in
// the control plane's rows; job_state.cpp holds the one table of them, used
// both ways.
#pragma once

#include <optional>
#include <string_view>

namespace downhill::persistence {

/// Values are only appended: the table is indexed by them.
enum class job_state {
  once,     // run now: never scheduled, never shown with a state
  active,   // recurring, fires at its times
  paused,   // recurring, fires no more until resumed
  deleted,  // recurring, gone from the API; its row stays for its runs
};

const char* to_string(job_state state);

/// The state a stored name spells; empty for a name no table row holds (a
/// row written by a newer version, or a damaged one). Never a default.
std::optional<job_state> job_state_from_string(std::string_view name);

} // namespace downhill::persistence
