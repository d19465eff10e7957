// How a task actor reports to its run: progress per percent, and its end.
#pragma once

#include "actors/run_plan.hpp"
#include "persistence/sqlite.hpp"

#include <caf/blocking_actor.hpp>

#include <chrono>
#include <string>

namespace downhill {

/// The shortest time between two progress reports of a phase. A copy
/// reports each percent; a report is a frame to every dashboard, a log line
/// each ten percent and a control-plane write, so a phase that is over
/// within this time reports only its end (100%), and a long one reports
/// its 0% once this time has passed, then moves in steps of about 1% (1%
/// of a copy is at least 20 ms whenever the copy takes two seconds or
/// more).
inline constexpr auto min_progress_interval = std::chrono::milliseconds(20);

/// A progress callback for the persistence copies: reports the phase's end
/// and the percents before it at most every min_progress_interval (counted
/// from the phase's first call) to the run, and stops the copy (returns
/// false) once the run is cancelled.
inline auto report_progress(caf::blocking_actor* self, const run_actor& run,
                            const task_inputs& in, const char* phase) {
  using clock = std::chrono::steady_clock;
  return [self, run, &in, phase, last = clock::time_point{},
          started = false](int percent) mutable {
    if (in.cancel->load())
      return false;
    auto now = clock::now();
    if (!started) {
      started = true;
      last = now;
    }
    if (percent >= 100 || now - last >= min_progress_interval) {
      last = now;
      self->send(run, progress_atom::value,
                 progress_update{in.index, phase, percent});
    }
    return true;
  };
}

/// Words for a user about why a task failed.
inline std::string describe_failure(const std::exception& e) {
  if (auto storage = dynamic_cast<const persistence::storage_error*>(&e);
      storage && storage->is_disk_full())
    return std::string{"The disk is full: "} + e.what();
  return e.what();
}

inline void report_end(caf::blocking_actor* self, const run_actor& run,
                       const task_inputs& in, bool complete) {
  self->send(run, done_atom::value,
             task_outcome{in.index,
                          complete ? persistence::task_status::succeeded
                                   : persistence::task_status::cancelled,
                          ""});
}

inline void report_failure(caf::blocking_actor* self, const run_actor& run,
                           const task_inputs& in, const std::exception& e) {
  self->send(run, done_atom::value,
             task_outcome{in.index, persistence::task_status::failed,
                          describe_failure(e)});
}

} // namespace downhill
