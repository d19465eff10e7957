#include "actors/org_activator.hpp"

#include "actors/server_log.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace downhill {

fire_target::behavior_type org_activator(
  fire_target::stateful_pointer<org_activator_state> self,
  activate_org_fn activate, std::map<int64_t, std::string> job_orgs) {
  self->state.activate = std::move(activate);
  self->state.job_orgs = std::move(job_orgs);
  return {
    [=](fire_atom, firing_batch& batch) {
      // A batch is one organization's (the scheduler groups by it).
      if (batch.empty())
        return;
      auto& st = self->state;
      auto job_id = batch.front().spec->job_id;
      auto i = st.job_orgs.find(job_id);
      if (i == st.job_orgs.end()) {
        log_line(log_level::error, "recurring job " + std::to_string(job_id)
                                     + " fired with no organization known");
        return;
      }
      if (auto org = st.activate(i->second))
        self->send(*org, fire_atom::value, std::move(batch));
    },
  };
}

} // namespace downhill
