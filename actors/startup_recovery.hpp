// Start-up recovery: whatever a dead process left half-done is undone
// before any actor runs.
#pragma once

#include "persistence/fwd.hpp"

#include <cstddef>

namespace downhill {

/// What start-up recovery found and cleaned.
struct recovery_report {
  size_t interrupted_runs = 0;
  size_t removed_environments = 0;
  size_t removed_directories = 0;
};

/// Runs that were running or queued become interrupted; environments still
/// `creating` disappear; every generation directory that is not an
/// environment's current one is removed. After this, each environment holds
/// exactly the data of its last committed switch.
recovery_report recover(persistence::control_plane& db,
                        const persistence::environment_layout& layout);

} // namespace downhill
