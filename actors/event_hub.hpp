#pragma once

#include "actors/interfaces.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace downhill {

/// Frames published within this window of the first are handed out
/// together: a subscriber then takes the batch in one wake-up and one
/// write (a run publishes its frames in bursts), at the price of at most
/// this much delay. Measured in bench/README.md (fanout_bench).
constexpr std::chrono::microseconds event_batch_window{2000};

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
  // Published, not handed out yet (a flush is due).
  std::vector<shared_frame> pending;
  // Subscribers that joined while frames were pending: their backlog had
  // pending[0, n) already, they get the rest only.
  std::unordered_map<uint64_t, size_t> joined_mid_batch;
};

event_hub_actor::behavior_type
event_hub(event_hub_actor::stateful_pointer<event_hub_state> self);

} // namespace downhill
