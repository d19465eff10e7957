#pragma once

#include "actors/run_plan.hpp"

#include <array>
#include <optional>

namespace downhill {

struct run_state {
  static inline const char* name = "run";

  run_plan plan;
  std::shared_ptr<std::atomic<bool>> cancel
    = std::make_shared<std::atomic<bool>>(false);
  std::array<persistence::task_record, 2> tasks;
  /// Last progress log line per task: "phase" and the tens it reported.
  std::array<std::pair<std::string, int>, 2> logged;
  int tasks_done = 0;
  bool cancel_requested = false;
  bool shutting_down = false;  // cancelled because the server stops
  bool failed = false;
  bool committing = false;  // the switch step is running
  int64_t committed_finished_at = 0;  // the finished_at the switch stores
  /// The org actor that started this run stopped unexpectedly: the run
  /// ends interrupted, and reports its end to the successor (adopt_atom).
  bool orphaned = false;
  /// The final progress while its report to the org actor is outstanding
  /// or waits for a successor; empty otherwise.
  std::optional<persistence::run_progress> final_report;
  int64_t next_seq = 1;
  persistence::run_progress pending;  // not yet sent to the writer
  persistence::run_record info;       // the summary live subscribers see
  /// Keeps the blocking pool's workers while this run may need them.
  blocking_pool::user pool_user;
};

/// Drives one run: starts its two tasks, relays their reports into log lines,
/// counters and task states, persists them in batches, and ends the run
/// through the commit or discard step.
run_actor::behavior_type run(run_actor::stateful_pointer<run_state> self,
                             run_plan plan);

/// The log line for a progress percent in a phase, as the seed words it.
std::string progress_message(const std::string& phase, int percent);

} // namespace downhill
