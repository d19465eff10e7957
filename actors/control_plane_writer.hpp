#pragma once

#include "actors/interfaces.hpp"
#include "actors/run_lifecycle.hpp"
#include "persistence/fwd.hpp"

#include <caf/typed_response_promise.hpp>

#include <filesystem>
#include <memory>
#include <unordered_map>
#include <vector>

namespace downhill {

struct control_plane_writer_state {
  static inline const char* name = "control-plane-writer";
  std::shared_ptr<persistence::control_plane> db;
  const persistence::environment_layout* layout = nullptr;
  std::vector<persistence::run_progress> queued;
  /// At most one of each per recurring job (a later one is merged into
  /// it), so these stay bounded by the jobs however long a commit takes.
  std::vector<persistence::schedule_state> queued_states;
  std::vector<persistence::skipped_firing> queued_skips;
  std::unordered_map<int64_t, size_t> state_of_job;  // index in queued_states
  std::unordered_map<int64_t, size_t> skip_of_job;   // index in queued_skips
  /// New runs waiting for the next commit, each with its asker's promise:
  /// every run that arrives while one commit is written shares the next
  /// (group commit).
  struct waiting_run {
    persistence::new_run run;
    caf::typed_response_promise<created_run_reply> promise;
  };
  std::vector<waiting_run> waiting_runs;
  /// The runs of one organization's firings (a scheduler pass), the same
  /// way: one message and one promise for them all.
  struct waiting_batch {
    std::vector<persistence::new_run> runs;
    caf::typed_response_promise<std::vector<created_run_reply>> promise;
  };
  std::vector<waiting_batch> waiting_batches;
  /// New recurring jobs waiting for the next commit, the same way.
  struct waiting_job {
    persistence::job_record job;
    caf::typed_response_promise<created_job_reply> promise;
  };
  std::vector<waiting_job> waiting_jobs;
  /// Askers of a durable write (a run's switch or end, a pause) whose
  /// change is queued: answered once the next commit is durable, so many
  /// share one fsync instead of one each.
  std::vector<caf::typed_response_promise<api_error>> waiting_durable;
  bool flush_scheduled = false;   // a delayed flush is on its way
  bool commit_scheduled = false;  // an immediate flush is on its way
  run_lifecycle lifecycle;  // run log lines and metrics, after each commit
};

/// Spawn detached: every handler blocks on SQLite.
control_plane_writer_actor::behavior_type control_plane_writer(
  control_plane_writer_actor::stateful_pointer<control_plane_writer_state> self,
  std::shared_ptr<persistence::control_plane> db,
  const persistence::environment_layout* layout);

} // namespace downhill
