// Jobs, runs and recurring jobs: each request goes to its organization's
// actor, which checks it against its own state.
#include "actors/core_impl.hpp"

#include "actors/actor_ask.hpp"
#include "actors/recurring_changes.hpp"

namespace downhill {

outcome<std::vector<environment_view>>
core::list_environments(const std::string& org_id) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return {no_such_org(), {}};
  return ask(*org, list_atom::value);
}

outcome<submit_reply> core::submit_job(const std::string& org_id,
                                       const job_spec& spec) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return {no_such_org(), {}};
  auto result = ask(*org, submit_atom::value, spec);
  if (!result.error && result.value.error)
    result.error = result.value.error;
  return result;
}

api_error core::cancel_run(const std::string& org_id, int64_t run_id) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return no_such_org();
  return error_of(ask(*org, cancel_atom::value, run_id));
}

api_error core::change_recurring_job(const std::string& org_id,
                                     int64_t job_id, recurring_change change) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return no_recurring_job(job_id);
  using persistence::job_state;
  auto state = change == recurring_change::pause    ? job_state::paused
               : change == recurring_change::resume ? job_state::active
                                                    : job_state::deleted;
  return error_of(ask(*org, change_atom::value, job_id, state));
}

} // namespace downhill
