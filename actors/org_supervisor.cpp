#include "actors/org_supervisor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace downhill {

namespace {

using supervisor_pointer
  = org_supervisor_actor::stateful_pointer<org_supervisor_state>;

/// How long to wait before trying again to replace an organization whose
/// rebuild failed (the control plane did not answer).
constexpr auto retry_delay = std::chrono::seconds(1);

void watch(supervisor_pointer self, const std::string& org_id,
           const org_actor& org) {
  self->monitor(org);
  self->state.watched[caf::actor_cast<caf::actor_addr>(org)] = org_id;
}

void replace(supervisor_pointer self, const std::string& org_id,
             const caf::error& why) {
  auto successor = self->state.replace(org_id, why);
  if (successor)
    watch(self, org_id, successor);
  else // an invalid handle asks for another try
    self->delayed_send(self, retry_delay, watch_atom::value, org_id,
                       org_actor{});
}

} // namespace

org_supervisor_actor::behavior_type
org_supervisor(supervisor_pointer self, replace_org_fn replace_org) {
  self->state.replace = std::move(replace_org);
  self->set_down_handler([=](const caf::down_msg& down) {
    auto i = self->state.watched.find(down.source);
    if (i == self->state.watched.end())
      return;
    auto org_id = i->second;
    self->state.watched.erase(i);
    if (down.reason == caf::exit_reason::user_shutdown)
      return; // the server stops it on purpose
    replace(self, org_id, down.reason);
  });
  return {
    [=](watch_atom, const std::string& org_id, const org_actor& org) {
      if (org)
        watch(self, org_id, org);
      else
        replace(self, org_id, caf::make_error(caf::sec::runtime_error,
                                              "earlier rebuild failed"));
    },
  };
}

} // namespace downhill
