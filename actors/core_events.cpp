// Live-event subscriptions: handed to the event hub without waiting
// (callable from network threads).
#include "actors/core_impl.hpp"

#include "actors/event_hub.hpp"

#include <caf/send.hpp>

namespace downhill {

uint64_t core::subscribe_events(const std::string& org_id, int64_t run_id,
                                int64_t after, event_sink sink) {
  auto id = impl_->next_subscription++;
  caf::anon_send(impl_->svc->events, subscribe_atom::value,
                 subscription{id, org_id, run_id, after, std::move(sink)});
  return id;
}

void core::unsubscribe_events(uint64_t id) {
  caf::anon_send(impl_->svc->events, unsubscribe_atom::value, id);
}

} // namespace downhill
