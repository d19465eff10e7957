// Start-up recovery: whatever a dead process left half-done is undone
// before it matters. What the control plane says (runs left running,
// environments left creating) is fixed before the server listens, in a few
// queries; what lies in directories (a generation nobody switched to, an
// environment whose row was never written) is fixed per organization before
// its actor first starts, or by a background sweep for organizations nobody
// has used yet (core_wiring.cpp). Start-up never reads every environment's
// directory before listening.
#pragma once

#include "persistence/fwd.hpp"
#include "persistence/records.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

namespace downhill {

/// What start-up recovery found and cleaned before the server listened.
struct recovery_report {
  size_t interrupted_runs = 0;
  size_t removed_environments = 0;
  size_t removed_directories = 0;
  /// The highest environment key handed out before this start: the sweep
  /// leaves directories with higher keys alone (environments being made).
  int64_t last_environment_key = 0;
};

/// Runs that were running or queued become interrupted; environments still
/// `creating` disappear with their files. One update each, whatever the
/// number of organizations.
recovery_report recover(persistence::control_plane& db,
                        const persistence::environment_layout& layout);

/// Removes every generation directory of these environments (one
/// organization's, whose actor has not started since the server did) except
/// their current ones; returns how many were removed. After this, each
/// environment holds exactly the data of its last committed switch.
size_t remove_leftover_generations(
  const std::vector<persistence::environment_record>& environments,
  const persistence::environment_layout& layout);

/// Removes the environment directories that no environment owns: not in
/// `known`, and not newer than `last_key` (an environment being created
/// since the start writes its files before its row). Returns how many.
size_t remove_unknown_environment_dirs(
  const std::set<int64_t>& known, int64_t last_key,
  const persistence::environment_layout& layout);

} // namespace downhill
