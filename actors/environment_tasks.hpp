// The blocking parts of an environment job, each run on a worker of the
// blocking pool (actors/blocking_pool.hpp, a detached actor) so that no
// SQLite call ever runs on CAF's cooperative threads.
#pragma once

#include "actors/run_plan.hpp"

#include <caf/fwd.hpp>

namespace downhill {

/// Sync Database Data: copies the base's content database (phase "clone").
void sync_database_task(caf::blocking_actor* self, run_actor run,
                        task_inputs inputs);

/// Sync Indexed Data: snapshots the base's search index, then installs the
/// snapshot in the new generation (phases "snapshot" and "restore").
void sync_index_task(caf::blocking_actor* self, run_actor run,
                     task_inputs inputs);

/// After both tasks succeeded: applies the exclusions, makes the new
/// generation durable and commits `final_progress` (the run's success and
/// the switch) in one transaction. Replies finished to `run`.
void commit_run(caf::blocking_actor* self, run_actor run, run_plan plan,
                persistence::run_progress final_progress);

/// After a failure or a cancel: removes what the run built. Replies
/// finished to `run`.
void discard_run(caf::blocking_actor* self, run_actor run, run_plan plan);

} // namespace downhill
