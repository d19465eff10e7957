// A job's fields, from the one form to the other: each conversion is
// written once here, so a field added to a job is added in one place.
#pragma once

#include "actors/core.hpp"
#include "actors/interfaces.hpp"

#include <string>

namespace downhill {

/// The job's row: its fields, its schedule in its stored form, state
/// `once` (a recurring job's caller sets `active`).
persistence::job_record job_record_of(const job_spec& spec,
                                      const std::string& org_id);

/// The environment a Create fills: `creating` under its base, named after
/// its alias unless it has a display name.
persistence::environment_record new_environment_of(const job_spec& spec,
                                                   const std::string& org_id);

/// The run as the API shows it when it starts: running, no counters yet.
persistence::run_record run_record_of(const job_spec& spec,
                                      const std::string& org_id,
                                      const persistence::created_run& created);

/// A stored recurring job as the scheduler holds it; its firings submit
/// `schedule` with trigger "schedule", by "scheduler".
recurring_job recurring_job_of(const persistence::job_record& stored,
                               const scheduler::schedule& schedule,
                               fire_target org);

/// The same for a job read back from storage: its stored schedule is
/// parsed here (once per start-up). An error if it no longer parses.
outcome<recurring_job> recurring_job_of(const persistence::job_record& stored,
                                        fire_target org);

} // namespace downhill
