// Organizations and users: created through the writer, then known in
// memory (an organization's actor, a user's token hash).
#include "actors/core_impl.hpp"

#include "actors/actor_ask.hpp"
#include "persistence/tokens.hpp"

namespace downhill {

outcome<persistence::environment_record>
core::create_org(const std::string& name) {
  outcome<persistence::environment_record> result;
  auto created = ask(impl_->svc->writer, create_atom::value,
                     persistence::org_record{name, name, now_ms()});
  result.error = created.error ? std::move(created.error)
                               : std::move(created.value.error);
  if (result.error)
    return result;
  result.value = std::move(created.value.main_environment);
  impl_->add_org(name);  // its actor starts at first use
  return result;
}

outcome<std::string> core::create_user(const std::string& org_id,
                                       const std::string& name) {
  outcome<std::string> result;
  if (!org_exists(org_id)) {
    result.error = no_such_org();
    return result;
  }
  auto token = persistence::generate_token();
  auto hash = persistence::hash_token(token);
  result.error = error_of(ask(impl_->svc->writer, create_atom::value,
                              persistence::user_record{org_id, name, hash}));
  if (!result.error) {
    impl_->users.add(hash, identity{false, org_id, name});
    result.value = token;
  }
  return result;
}

bool core::org_exists(const std::string& org_id) const {
  return impl_->knows_org(org_id);
}

std::optional<identity> core::find_user(const std::string& token) const {
  return impl_->users.find(token);
}

} // namespace downhill
