#include "actors/job_rules.hpp"

namespace downhill {

namespace {

std::string quoted(const std::string& id) {
  return "'" + id + "'";
}

/// True if `ancestor` is above `id` in the tree.
bool is_ancestor(const environment_parents& tree, const std::string& ancestor,
                 const std::string& id) {
  auto i = tree.find(id);
  // The tree is acyclic by construction (a child is always created under an
  // existing environment), so this walk ends at main.
  while (i != tree.end() && !i->second.empty()) {
    if (i->second == ancestor)
      return true;
    i = tree.find(i->second);
  }
  return false;
}

api_error unknown(const std::string& role, const std::string& id,
                  const std::string& field) {
  auto e = make_error(error_code::unknown_environment,
                      "The " + role + " environment " + quoted(id)
                        + " does not exist in this organization; list the "
                          "organization's environments and pick one of them.",
                      field);
  return e;
}

api_error check_sync(const job_spec& spec, const environment_parents& tree) {
  auto& base = spec.base_environment;
  auto& target = spec.target_environment;
  if (tree.count(base) == 0)
    return unknown("base", base, "base_environment");
  if (tree.count(target) == 0)
    return unknown("target", target, "target_environment");
  if (base == target)
    return make_error(error_code::same_environment,
                      "The base and target environments are both "
                        + quoted(base)
                        + "; pick the target's parent as the base.");
  if (target == main_environment_id)
    return make_error(error_code::main_as_target,
                      "The main environment can never be a sync target; "
                      "pick one of main's descendants as the target.");
  auto& parent = tree.at(target);
  if (is_ancestor(tree, target, base))
    return make_error(error_code::child_to_parent,
                      quoted(base) + " is below " + quoted(target)
                        + " in the tree: data flows downhill only, from "
                          "parent to child. To refresh "
                        + quoted(base) + ", sync it from its own parent.");
  if (parent != base) {
    std::string relation = is_ancestor(tree, base, target)
                             ? "is an ancestor but not the parent of "
                             : "is not the parent of ";
    return make_error(error_code::not_parent_child,
                      quoted(base) + " " + relation + quoted(target)
                        + ": a sync copies from a parent into its direct "
                          "child. Pick "
                        + quoted(parent) + " as the base for target "
                        + quoted(target) + ".");
  }
  return {};
}

api_error check_create(const job_spec& spec, const environment_parents& tree) {
  // Recurring, it would create one environment and then fail on every
  // firing.
  if (scheduler::is_recurring(spec.schedule))
    return make_error(error_code::invalid_schedule,
                      "A Create Environment job creates one environment: run "
                      "it with {\"kind\":\"now\"}.",
                      "schedule");
  auto& alias = spec.target_environment;
  if (!is_valid_environment_id(alias))
    return make_error(error_code::invalid_field,
                      "new_environment must be 1-63 characters of lowercase "
                      "letters, digits and dashes.",
                      "new_environment");
  if (spec.display_name.size() > 100)
    return make_error(error_code::invalid_field,
                      "display_name must be at most 100 characters.",
                      "display_name");
  if (tree.count(spec.base_environment) == 0)
    return unknown("base", spec.base_environment, "base_environment");
  if (tree.count(alias) != 0)
    return make_error(error_code::name_taken,
                      "An environment named " + quoted(alias)
                        + " already exists in this organization; pick "
                          "another name.",
                      "new_environment");
  return {};
}

} // namespace

bool is_valid_environment_id(const std::string& id) {
  if (id.empty() || id.size() > 63)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

api_error check_job(const job_spec& spec, const environment_parents& tree) {
  if (spec.type == persistence::job_type::sync_environments)
    return check_sync(spec, tree);
  if (spec.type == persistence::job_type::create_environment)
    return check_create(spec, tree);
  return make_error(error_code::invalid_field,
                    "type must be create_environment or sync_environments.",
                    "type");
}

} // namespace downhill
