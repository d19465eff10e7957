// The rules an environment job must satisfy, as pure functions of the
// organization's environment tree: every rule, in one place. The HTTP layer
// only reads a submission's fields; the org actor checks these before it
// writes anything (and again when a queued run starts); they are here, apart
// from the actor, so that unit tests can cover every wrong pair.
#pragma once

#include "actors/api_error.hpp"
#include "persistence/job_type.hpp"
#include "scheduler/schedule.hpp"

#include <map>
#include <optional>
#include <string>

namespace downhill {

inline constexpr const char* main_environment_id = "main";

/// What a user asks for. For create_environment, `target_environment` is
/// the new environment's alias. The schedule is parsed once, where it enters
/// the server (the request, or the stored job at start-up), and travels
/// parsed from there.
struct job_spec {
  int64_t job_id = 0;  // set for runs of an existing (recurring) job
  std::string name;
  /// Empty: the request named no known type (check_job refuses it).
  std::optional<persistence::job_type> type;
  std::string base_environment;
  std::string target_environment;
  std::string display_name;
  scheduler::schedule schedule;  // default: now
  std::string trigger = "manual";  // manual | schedule
  std::string created_by;
};

/// The part of the tree the rules look at: each environment's parent
/// (empty for main), by id.
using environment_parents = std::map<std::string, std::string>;

/// Lowercase letters, digits and dashes, 1-63 characters.
bool is_valid_environment_id(const std::string& id);

/// Organization and user names follow the same rule as environment ids.
inline bool is_valid_name(const std::string& name) {
  return is_valid_environment_id(name);
}

/// The first rule `spec` breaks, or an empty error. In order: the type is
/// known; for a sync, unknown_environment (base, then target),
/// same_environment, main_as_target, child_to_parent, not_parent_child;
/// for a Create, a recurring schedule (invalid_schedule), the alias
/// (invalid_field), display_name, unknown_environment, name_taken.
api_error check_job(const job_spec& spec, const environment_parents& tree);

} // namespace downhill
