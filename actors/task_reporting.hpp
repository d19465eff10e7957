// How a task actor reports to its run: progress per percent, and its end.
#pragma once

#include "actors/run_plan.hpp"
#include "persistence/sqlite.hpp"

#include <caf/blocking_actor.hpp>

#include <string>

namespace downhill {

/// A progress callback for the persistence copies: reports each percent to
/// the run, and stops the copy (returns false) once the run is cancelled.
inline auto report_progress(caf::blocking_actor* self, const run_actor& run,
                            const task_inputs& in, const char* phase) {
  return [self, run, &in, phase](int percent) {
    if (in.cancel->load())
      return false;
    self->send(run, progress_atom::value,
               progress_update{in.index, phase, percent});
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
