#pragma once

#include "actors/interfaces.hpp"
#include "scheduler/schedule.hpp"

#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace downhill {

/// A recurring job as the scheduler holds it (recurring_job's fields).
struct scheduled_job {
  /// Its spec (with the parsed schedule), shared by every firing of the
  /// job rather than copied into each.
  std::shared_ptr<const job_spec> spec;
  std::string org_id;
  fire_target org;
  int64_t anchor = 0;       // creation time: the phase of an interval
  int64_t next_run_at = 0;  // ms since the epoch; 0: none (paused)
  bool paused = false;
  uint64_t version = 0;  // bumped on every change; stale due items skip
};

/// One job due at an instant, valid while its version holds.
struct due_item {
  int64_t job_id = 0;
  uint64_t version = 0;
};

/// Due jobs by instant (ms), earliest first. Schedules have a resolution
/// of whole seconds, so many jobs share an instant (all of a second's
/// firings are one bucket): firing one is a step through a vector, not a
/// heap pop among every schedule, and adding one is an append.
using due_buckets = std::map<int64_t, std::vector<due_item>>;

struct scheduler_state {
  static inline const char* name = "scheduler";

  std::unordered_map<int64_t, scheduled_job> jobs;
  /// Pause and delete leave their items here: they are skipped when they
  /// come up (their version no longer matches).
  due_buckets due;
  uint64_t timer = 0;          // number of the one live timer
  int64_t timer_due = INT64_MAX;
  control_plane_writer_actor writer;  // invalid: nothing is persisted
  std::function<int64_t()> clock;     // wall clock in ms (injectable)
};

/// `writer` may be invalid (benchmarks); `clock` defaults to the system's.
scheduler_actor::behavior_type
recurring_scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
                    control_plane_writer_actor writer,
                    std::function<int64_t()> clock = {});

} // namespace downhill
