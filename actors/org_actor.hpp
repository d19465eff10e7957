#pragma once

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

#include <caf/typed_response_promise.hpp>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace downhill {

/// The run an organization is executing now.
struct active_run {
  int64_t run_id = 0;
  run_actor handle;
  std::string target;  // the environment it writes (locked meanwhile)
  std::string base;    // the environment it reads (stays usable)
};

struct org_state {
  static inline const char* name = "org";

  std::string org_id;
  /// The organization's environment tree, by id. This actor is its only
  /// owner: every rule is checked against it, every change goes through it.
  std::map<std::string, persistence::environment_record> environments;
  std::optional<active_run> active;
  /// Scheduled runs that fired while another job was active, oldest first.
  /// Their rows exist (status queued); they are checked again at start.
  std::deque<std::pair<job_spec, persistence::created_run>> queue;
  services_ptr svc;
  /// Set once the server stops: new jobs are refused, and this promise is
  /// delivered when the active run has ended.
  bool closing = false;
  caf::typed_response_promise<bool> closed;
};

/// One per organization. `environments` is its tree as the control plane
/// holds it at start-up.
org_actor::behavior_type
organization(org_actor::stateful_pointer<org_state> self, std::string org_id,
             std::vector<persistence::environment_record> environments,
             services_ptr svc);

} // namespace downhill
