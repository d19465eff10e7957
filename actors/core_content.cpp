// Content requests and environment deletion: the org actor admits them
// (404, 423, or the environment's key), the environment's
// guard covers the files while they are used or removed.
#include "actors/core_impl.hpp"

#include "actors/actor_ask.hpp"
#include "persistence/content_store.hpp"

#include <mutex>

namespace downhill {

namespace {

/// The org actor's grant of `env` for `Atom` (remove it, or touch its
/// content); a missing org or a failed ask is the grant's error.
template <class Atom>
content_grant ask_grant(const std::optional<org_actor>& org, Atom atom,
                        const std::string& env) {
  if (!org)
    return {no_such_org(), 0};
  auto result = ask(*org, atom, env);
  if (result.error)
    return {result.error, 0};
  return result.value;
}

} // namespace

api_error core::delete_environment(const std::string& org_id,
                                   const std::string& env) {
  auto grant = ask_grant(impl_->find_org(org_id), remove_atom::value, env);
  if (grant.error)
    return grant.error;
  auto key = grant.key;
  auto guard = impl_->svc->guards.get(key);
  {
    // Wait for requests admitted before the delete to finish.
    std::unique_lock<std::shared_mutex> exclusive{guard->mutex};
    impl_->svc->stores.forget(key);
    impl_->svc->layout.remove_environment(key);
  }
  impl_->svc->guards.forget(key);
  return {};
}

api_error core::with_content(
  const std::string& org_id, const std::string& env,
  const std::function<void(persistence::content_store&)>& work) {
  auto grant = ask_grant(impl_->find_org(org_id), access_atom::value, env);
  if (grant.error)
    return grant.error;
  auto key = grant.key;
  auto guard = impl_->svc->guards.get(key);
  std::shared_lock<std::shared_mutex> shared{guard->mutex};
  // Read under the lock: a switch committed since the grant was given is
  // already published here, and its old generation may be gone.
  int64_t generation = guard->generation;
  auto store = impl_->svc->stores.open(
    key, generation, impl_->svc->layout.generation_dir(key, generation));
  work(*store);
  return {};
}

} // namespace downhill
