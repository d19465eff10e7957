#include "actors/environment_tasks.hpp"

#include "actors/task_reporting.hpp"
#include "persistence/environment_copy.hpp"

namespace downhill {

void sync_index_task(caf::blocking_actor* self, run_actor run,
                     task_inputs in) {
  if (in.cancel->load()) {
    // Cancelled while it waited for a worker: nothing to copy.
    report_end(self, run, in, false);
    return;
  }
  try {
    auto snapshot_file = in.new_dir / persistence::index_snapshot_file_name;
    bool complete = persistence::create_index_snapshot(
      *in.snapshot, snapshot_file,
      report_progress(self, run, in, "snapshot"), in.bytes_per_second);
    if (complete)
      complete = persistence::install_index_snapshot(
        snapshot_file, in.new_dir, report_progress(self, run, in, "restore"));
    report_end(self, run, in, complete);
  } catch (const std::exception& e) {
    report_failure(self, run, in, e);
  }
}

} // namespace downhill
