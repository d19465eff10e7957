#include "actors/environment_tasks.hpp"

#include "actors/task_reporting.hpp"
#include "persistence/environment_copy.hpp"

namespace downhill {

namespace {

/// A warning worth a user's attention that does not stop the run: the
/// copied search index does not cover exactly the copied entries (the
/// base's index was out of date, e.g. after a crash between the two writes
/// of an entry). Search on the target then differs from its entries until
/// those entries are written again.
void warn_if_index_differs(caf::blocking_actor* self, const run_actor& run,
                           const task_inputs& in) {
  auto [entries, documents] = in.snapshot->entries_and_documents();
  if (entries == documents)
    return;
  self->send(run, log_atom::value,
             task_log{in.index, persistence::run_log_level::warning,
                      "The search index has " + std::to_string(documents)
                        + " documents for " + std::to_string(entries)
                        + " entries (the base's index was out of date); "
                          "search results may miss or show stale entries "
                          "until they are written again."});
}

} // namespace

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
    if (complete)
      warn_if_index_differs(self, run, in);
    report_end(self, run, in, complete);
  } catch (const std::exception& e) {
    report_failure(self, run, in, e);
  }
}

} // namespace downhill
