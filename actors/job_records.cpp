#include "actors/job_records.hpp"

namespace downhill {

persistence::job_record job_record_of(const job_spec& spec,
                                      const std::string& org_id) {
  persistence::job_record job;
  job.id = spec.job_id;
  job.org_id = org_id;
  job.name = spec.name;
  // Only a checked spec (check_job) or a stored job becomes a record: both
  // have a type; value() throws rather than store a guess.
  job.type = spec.type.value();
  job.base_environment = spec.base_environment;
  job.target_environment = spec.target_environment;
  job.display_name = spec.display_name;
  job.schedule_json = scheduler::stored_json(spec.schedule);
  job.state = persistence::job_state::once;
  job.created_by = spec.created_by;
  return job;
}

persistence::environment_record new_environment_of(const job_spec& spec,
                                                   const std::string& org_id) {
  persistence::environment_record env;
  env.org_id = org_id;
  env.id = spec.target_environment;
  env.display_name = spec.display_name.empty() ? spec.target_environment
                                               : spec.display_name;
  env.parent = spec.base_environment;
  env.status = persistence::environment_status::creating;
  return env;
}

persistence::run_record run_record_of(const job_spec& spec,
                                      const std::string& org_id,
                                      const persistence::created_run& created) {
  persistence::run_record run;
  run.id = created.run_id;
  run.job_id = created.job_id;
  run.org_id = org_id;
  run.name = spec.name;
  run.type = spec.type.value();
  run.status = persistence::run_status::running;
  run.trigger = spec.trigger;
  run.created_by = spec.created_by;
  run.base_environment = spec.base_environment;
  run.target_environment = spec.target_environment;
  run.created_at = created.created_at;
  run.scheduled_at = created.scheduled_at;
  return run;
}

recurring_job recurring_job_of(const persistence::job_record& stored,
                               const scheduler::schedule& schedule,
                               fire_target org) {
  recurring_job held;
  auto& spec = held.spec;
  spec.job_id = stored.id;
  spec.name = stored.name;
  spec.type = stored.type;
  spec.base_environment = stored.base_environment;
  spec.target_environment = stored.target_environment;
  spec.display_name = stored.display_name;
  spec.schedule = schedule;
  spec.trigger = "schedule";
  spec.created_by = "scheduler";
  held.org_id = stored.org_id;
  held.org = std::move(org);
  held.anchor = stored.created_at;
  held.next_run_at = stored.next_run_at;
  held.paused = stored.state == persistence::job_state::paused;
  return held;
}

outcome<recurring_job> recurring_job_of(const persistence::job_record& stored,
                                        fire_target org) {
  auto parsed = scheduler::parse_schedule(stored.schedule_json);
  if (!parsed.value)
    return {make_error(error_code::internal,
                       "recurring job " + std::to_string(stored.id)
                         + ": its stored schedule does not parse ("
                         + parsed.error + ")"),
            {}};
  return {{}, recurring_job_of(stored, *parsed.value, std::move(org))};
}

} // namespace downhill
