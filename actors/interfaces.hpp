// Every actor interface of downhill, one comment per message. Read this
// file to learn the protocol between the actors before reading any of them
// (docs/architecture.md tells the flows). A message marked "internal" is one
// an actor sends itself on a timer; nobody else sends it.
//
//   HTTP handlers ──(core)──> org actor ──spawns──> run actor ──spawns──> tasks
//                                 │                     │
//                                 └──────> control-plane writer <──────┘
#pragma once

#include "actors/message_inspect.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace downhill {

// -- atoms ----------------------------------------------------------------------

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using access_atom = caf::atom_constant<caf::atom("access")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using switch_atom = caf::atom_constant<caf::atom("switch")>;
using switched_atom = caf::atom_constant<caf::atom("switched")>;
using end_atom = caf::atom_constant<caf::atom("end")>;
using discarded_atom = caf::atom_constant<caf::atom("discarded")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using log_atom = caf::atom_constant<caf::atom("log")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using durable_atom = caf::atom_constant<caf::atom("durable")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using fire_atom = caf::atom_constant<caf::atom("fire")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsub")>;
using change_atom = caf::atom_constant<caf::atom("change")>;
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;

// -- interfaces -----------------------------------------------------------------

/// The only writer of the control-plane database (a detached actor: SQLite
/// blocks). Batches queued progress into few transactions.
using control_plane_writer_actor = caf::typed_actor<
  // Queue a run's progress; committed with others within a few milliseconds.
  caf::reacts_to<persist_atom, persistence::run_progress>,
  // Commit everything queued plus this progress; reply once it is durable.
  caf::replies_to<persist_atom, persistence::run_progress,
                  durable_atom>::with<api_error>,
  // Create a run, its job if new, and the environment a Create will fill.
  caf::replies_to<create_atom, persistence::new_run>::with<created_run_reply>,
  // Create an organization with an empty main environment on disk.
  caf::replies_to<create_atom, persistence::org_record>::with<created_org_reply>,
  // Create a user (its token arrives hashed).
  caf::replies_to<create_atom, persistence::user_record>::with<api_error>,
  // Delete an environment's row (its files are removed by the caller).
  caf::replies_to<remove_atom, int64_t>::with<api_error>,
  // Create a recurring job (no run yet); replies its id, or why not.
  caf::replies_to<create_atom, persistence::job_record>::with<
    created_job_reply>,
  // Queue a recurring job's new scheduling state (after a firing).
  caf::reacts_to<persist_atom, persistence::schedule_state>,
  // Commit a recurring job's new state now (pause, resume, delete).
  caf::replies_to<persist_atom, persistence::schedule_state,
                  durable_atom>::with<api_error>,
  // Queue a firing that created no run (its job's previous run waits).
  caf::reacts_to<persist_atom, persistence::skipped_firing>,
  // Commit what is queued, then read an organization back (to rebuild an
  // org actor that stopped).
  caf::replies_to<list_atom, std::string>::with<org_snapshot>,
  // Internal: commit what is queued (a timer, flush_delay after a queueing).
  caf::reacts_to<flush_atom>,
  // Create the runs of an organization's firings (one scheduler pass) in
  // the next commit; one reply per run, in order (each fails alone).
  caf::replies_to<create_atom, std::vector<persistence::new_run>>::with<
    std::vector<created_run_reply>>,
  // Queue one scheduler pass's new scheduling states (one per firing).
  caf::reacts_to<persist_atom, std::vector<persistence::schedule_state>>,
  // Queue firings that created no run (one org actor's batch).
  caf::reacts_to<persist_atom, std::vector<persistence::skipped_firing>>>;

/// Owns every WebSocket subscription; fans run events out to them. Keeps
/// each active run's log frames, so a subscriber that joins mid-run gets
/// every line (also the ones not yet in the database) without a gap.
using event_hub_actor = caf::typed_actor<
  // A run's event (from its run actor).
  caf::reacts_to<publish_atom, event_frame>,
  // Start delivering to a session; a run stream first gets the run's
  // latest summary, its log lines after `after`, and its latest progress.
  caf::reacts_to<subscribe_atom, subscription>,
  // Stop delivering to a session (it closed).
  caf::reacts_to<unsubscribe_atom, uint64_t>>;

/// What the scheduler fires at: an organization, the activator that starts
/// one's actor first (org_activator.hpp), or a benchmark's sink.
using fire_target = caf::typed_actor<
  // Recurring jobs are due (one scheduler pass's firings for this
  // organization, oldest first): record a run for each, started now or
  // queued behind the active job; a firing while a run of the same job
  // already waits is skipped (counted on the job).
  caf::reacts_to<fire_atom, firing_batch>>;

/// One per organization: owns its environment tree, checks every rule, and
/// runs at most one environment job at a time (the rest wait in FIFO order).
using org_actor = caf::typed_actor<
  // Recurring jobs are due (one scheduler pass, oldest first): their runs
  // are recorded in one writer message, without holding this actor's other
  // requests; each starts, or queues (FIFO), or is skipped while a run of
  // the same job waits (one waiting run per job).
  caf::reacts_to<fire_atom, firing_batch>,
  // Validate and start (or refuse, or queue) an environment job.
  caf::replies_to<submit_atom, job_spec>::with<submit_reply>,
  // May a content request use this environment now? (404, 423 or a key)
  caf::replies_to<access_atom, std::string>::with<content_grant>,
  // The environment tree, with each environment's live status.
  caf::replies_to<list_atom>::with<std::vector<environment_view>>,
  // Cancel the running run, or a queued one (it ends without starting).
  caf::replies_to<cancel_atom, int64_t>::with<api_error>,
  // Pause, resume or delete one of this organization's recurring jobs
  // (its new state: paused, active or deleted; recurring_changes.hpp): the
  // scheduler first, then its waiting run, if any, ends cancelled without
  // starting. Another org's job: 404.
  caf::replies_to<change_atom, int64_t, persistence::job_state>::with<
    api_error>,
  // Delete an environment (no children, not main, not locked).
  caf::replies_to<remove_atom, std::string>::with<content_grant>,
  // The active run succeeded (from its commit step, which holds the
  // target's guard exclusively meanwhile): commit the switch with the run's
  // end durably, make the new generation current (this actor owns it: its
  // tree and the guard), release the target. An error: nothing switched.
  caf::replies_to<switch_atom, persistence::run_progress>::with<api_error>,
  // The active run ended without a switch (failed, cancelled, interrupted):
  // commit its final progress durably, then release its target (also if the
  // commit failed: start-up recovery then marks the run interrupted).
  caf::replies_to<end_atom, persistence::run_progress>::with<api_error>,
  // The server is stopping: refuse new jobs, stop the active run at a safe
  // point, and reply once no run is active.
  caf::replies_to<shutdown_atom>::with<bool>>;

/// A run in progress. Receives its tasks' reports, turns them into log lines
/// and counters, persists them, and ends the run.
using run_actor = caf::typed_actor<
  // A task's progress in a phase.
  caf::reacts_to<progress_atom, progress_update>,
  // A log line from a task (details, warnings, errors).
  caf::reacts_to<log_atom, task_log>,
  // A task ended.
  caf::reacts_to<done_atom, task_outcome>,
  // Stop at the next safe point; the target keeps its old data.
  caf::reacts_to<cancel_atom>,
  // The server is stopping: as cancel, but the run ends interrupted.
  caf::reacts_to<shutdown_atom>,
  // The commit step is done: the run's success is committed and its target
  // released, or the error why not (the run then ends failed).
  caf::reacts_to<switched_atom, api_error>,
  // The discard step removed the run's files (an error: start-up will).
  caf::reacts_to<discarded_atom, api_error>,
  // Internal: persist what changed since the last tick (persist_interval).
  caf::reacts_to<tick_atom>,
  // The org actor that started this run stopped unexpectedly; this is its
  // successor. Stop at the next safe point, end interrupted, and report
  // the end to the successor.
  caf::reacts_to<adopt_atom, org_actor>>;

/// Watches every org actor. One that stops unexpectedly is replaced by a new
/// one, rebuilt from the control plane (core.cpp supplies the rebuild).
using org_supervisor_actor = caf::typed_actor<
  // Watch this organization's actor (its first, or its replacement).
  caf::reacts_to<watch_atom, std::string, org_actor>>;

/// A recurring job as the scheduler holds it.
struct recurring_job {
  job_spec spec;              // trigger "schedule", created_by "scheduler"
  std::string org_id;
  fire_target org;
  int64_t anchor = 0;         // creation time: the phase of an interval
  int64_t next_run_at = 0;    // ms since the epoch; in the past: missed
  bool paused = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recurring_job& x) {
  return f(caf::meta::type_name("recurring_job"), x.spec, x.org_id, x.org,
           x.anchor, x.next_run_at, x.paused);
}

/// Fires every active recurring job at its time. One timer, for the earliest
/// job: the cost of a firing does not grow with the jobs that are not due.
using scheduler_actor = caf::typed_actor<
  // Hold a recurring job (at its creation, and for each one at start-up).
  caf::reacts_to<register_atom, recurring_job>,
  // Pause a job: it fires no more until resumed.
  caf::replies_to<pause_atom, int64_t>::with<api_error>,
  // Resume a job: its next firing is computed from now (no burst).
  caf::replies_to<resume_atom, int64_t>::with<api_error>,
  // Forget a job for good.
  caf::replies_to<remove_atom, int64_t>::with<api_error>,
  // An organization's actor was replaced: fire its jobs at the new one.
  caf::reacts_to<register_atom, std::string, fire_target>,
  // Internal: fire what is due (a timer, with the timer's number).
  caf::reacts_to<tick_atom, uint64_t>,
  // Hold many recurring jobs at once (every stored one, at start-up).
  caf::reacts_to<register_atom, std::vector<recurring_job>>>;

} // namespace downhill
