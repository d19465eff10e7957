// What the operator sees of runs' lives: a log line when a run is queued,
// starts and finishes, and the run metrics (finished by type and status,
// duration, how many wait and run). Fed by the control-plane writer after
// each commit, where every run's changes pass once they are durable, so the
// log and the metrics say what the database says.
#pragma once

#include "persistence/job_type.hpp"
#include "persistence/run_states.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace downhill::persistence {
struct new_run;
struct created_run;
struct run_progress;
struct unfinished_run;
} // namespace downhill::persistence

namespace downhill {

class run_lifecycle {
public:
  /// A run was inserted (queued, or running at once).
  void created(const persistence::new_run& run,
               const persistence::created_run& ids);
  /// Runs an organization's actor found unfinished at its start (left by
  /// a crash or by its predecessor): known from here on.
  void adopted(const std::string& org_id,
               const std::vector<persistence::unfinished_run>& runs);
  /// A run's progress was committed: a start or an end is logged.
  void committed(const persistence::run_progress& progress);

private:
  struct live_run {
    std::string org_id;
    persistence::job_type type = persistence::job_type::sync_environments;
    persistence::run_status status = persistence::run_status::queued;
    int64_t started_at = 0;  // ms; 0 while queued
  };
  // Only runs not yet finished: bounded by the organizations' queues.
  std::unordered_map<int64_t, live_run> live_;
};

} // namespace downhill
