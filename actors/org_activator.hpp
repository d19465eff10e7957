// What the scheduler fires the recurring jobs read at start-up at. Their
// organizations' actors start lazily (core_wiring.cpp), so a firing may be
// the first use of its organization: this actor finds its live actor,
// starting it if need be, and hands the firing on.
#pragma once

#include "actors/interfaces.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace downhill {

/// The live actor of an organization, started if need be (blocks: it may
/// read the control plane); nullopt if there is no such organization or it
/// could not be started (said in the server log).
using activate_org_fn
  = std::function<std::optional<org_actor>(const std::string& org_id)>;

struct org_activator_state {
  static inline const char* name = "org-activator";
  activate_org_fn activate;
  /// The organization of each recurring job this actor fires for.
  std::map<int64_t, std::string> job_orgs;
};

/// Spawn detached: starting an organization's actor blocks. A firing keeps
/// its job and planned time; one of a job not in `job_orgs` is logged and
/// dropped (it cannot happen: only those jobs name this actor).
fire_target::behavior_type org_activator(
  fire_target::stateful_pointer<org_activator_state> self,
  activate_org_fn activate, std::map<int64_t, std::string> job_orgs);

} // namespace downhill
