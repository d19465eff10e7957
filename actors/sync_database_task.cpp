#include "actors/environment_tasks.hpp"

#include "actors/task_reporting.hpp"
#include "persistence/crash_points.hpp"
#include "persistence/environment_copy.hpp"

namespace downhill {

void sync_database_task(caf::blocking_actor* self, run_actor run,
                        task_inputs in) {
  if (in.cancel->load()) {
    // Cancelled while it waited for a worker: nothing to copy.
    report_end(self, run, in, false);
    return;
  }
  try {
    auto report = report_progress(self, run, in, "clone");
    bool complete = persistence::copy_content(
      *in.snapshot, in.new_dir,
      [&](int percent) {
        if (percent >= 50)
          persistence::crash_point("mid-copy");
        return report(percent);
      },
      in.bytes_per_second);
    report_end(self, run, in, complete);
  } catch (const std::exception& e) {
    report_failure(self, run, in, e);
  }
}

} // namespace downhill
