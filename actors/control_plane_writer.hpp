#pragma once

#include "actors/interfaces.hpp"
#include "persistence/fwd.hpp"

#include <filesystem>
#include <memory>

namespace downhill {

struct control_plane_writer_state {
  static inline const char* name = "control-plane-writer";
  std::shared_ptr<persistence::control_plane> db;
  const persistence::environment_layout* layout = nullptr;
  std::vector<persistence::run_progress> queued;
  std::vector<persistence::schedule_state> queued_states;
  std::vector<persistence::skipped_firing> queued_skips;
  bool flush_scheduled = false;
};

/// Spawn detached: every handler blocks on SQLite.
control_plane_writer_actor::behavior_type control_plane_writer(
  control_plane_writer_actor::stateful_pointer<control_plane_writer_state> self,
  std::shared_ptr<persistence::control_plane> db,
  const persistence::environment_layout* layout);

} // namespace downhill
