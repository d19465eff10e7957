// core's life cycle (start-up, shutdown) and the control plane's reads.
#include "actors/core_impl.hpp"

#include "actors/actor_ask.hpp"

#include <caf/scoped_actor.hpp>

namespace downhill {

core::core(const options& opts) : impl_(std::make_unique<impl>(opts)) {
}

core::~core() = default;

const recovery_report& core::recovery() const {
  return impl_->report;
}

void core::shutdown(std::chrono::seconds timeout) {
  // Before listing them: an actor started after the list closes at once.
  impl_->closing = true;
  auto orgs = impl_->all_orgs();
  caf::scoped_actor self{impl_->system};
  for (auto& org : orgs)
    self->send(org, shutdown_atom::value);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& org : orgs) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero())
      break;
    // Asking again is harmless: it answers once the organization is idle.
    self->request(org, left, shutdown_atom::value)
      .receive([](bool) {}, [](caf::error&) {});
  }
}

void core::read(
  const std::function<void(persistence::control_plane&)>& work) {
  impl_->readers->use(work);
}

} // namespace downhill
