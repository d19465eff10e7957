#pragma once

#include "actors/interfaces.hpp"

#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace downhill {

/// What the hub remembers of a run while it is active.
struct run_backlog {
  std::string org_id;
  shared_frame summary;                          // latest run frame
  std::vector<shared_frame> logs;                // every log frame, in order
  std::map<std::string, shared_frame> progress;  // latest per task
};

struct event_hub_state {
  static inline const char* name = "event-hub";
  std::unordered_map<uint64_t, subscription> subscribers;
  std::map<std::string, std::set<uint64_t>> by_org;
  std::map<int64_t, std::set<uint64_t>> by_run;
  std::map<int64_t, run_backlog> active_runs;
};

event_hub_actor::behavior_type
event_hub(event_hub_actor::stateful_pointer<event_hub_state> self);

} // namespace downhill
