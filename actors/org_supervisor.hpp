// Watches every organization's actor. One that stops unexpectedly (an
// error it did not survive, an injected fault) would otherwise leave its
// organization answering 503 until the server restarts; the supervisor has
// it replaced at once by a new actor rebuilt from the control plane.
#pragma once

#include "actors/interfaces.hpp"

#include <functional>
#include <map>
#include <string>

namespace downhill {

/// Builds and installs an organization's new actor; returns it, or an
/// invalid handle if it could not (the supervisor tries again later).
using replace_org_fn
  = std::function<org_actor(const std::string& org_id, const caf::error& why)>;

struct org_supervisor_state {
  static inline const char* name = "org-supervisor";
  std::map<caf::actor_addr, std::string> watched;  // org actor -> org id
  replace_org_fn replace;
};

/// Spawn detached: replacing an organization waits on the control plane.
/// An org actor that exits with user_shutdown (the server stops) is not
/// replaced.
org_supervisor_actor::behavior_type org_supervisor(
  org_supervisor_actor::stateful_pointer<org_supervisor_state> self,
  replace_org_fn replace);

} // namespace downhill
