// The steps of the environment jobs' two tasks, on real files. Each copy
// reports progress in percent through a callback that can also stop it
// (cancellation): a stopped copy returns false and leaves only garbage in
// the new generation directory, which the caller removes.
#pragma once

#include "persistence/environment_layout.hpp"
#include "persistence/sqlite.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <exception>
#include <mutex>

namespace downhill::persistence {

using progress_callback = std::function<bool(int percent)>;

/// One consistent point in time of a base environment, shared by the two
/// tasks of a run. The first task to ask opens read transactions on both
/// files while holding the base's guard exclusively, so no content write
/// can fall between the two: the database copy and the index copy show
/// the same instant even while users keep writing to the base.
class base_snapshot {
public:
  base_snapshot(std::filesystem::path generation_dir,
                std::shared_ptr<environment_guard> guard);

  /// Connections to the base's files, each holding its read transaction.
  /// The content connection is for the database task and the index
  /// connection for the index task: each is used by one thread only.
  database& content();
  database& index();

private:
  void open();

  std::filesystem::path dir_;
  std::shared_ptr<environment_guard> guard_;
  // Not std::call_once: a throwing callable leaves pthread_once's guard
  // taken under ThreadSanitizer (the other task then waits forever), and
  // libstdc++'s call_once has a history with exceptions (GCC PR 66146).
  std::mutex open_mutex_;
  bool opened_ = false;
  std::exception_ptr open_failure_;  // both tasks see the same failure
  std::unique_ptr<database> content_;
  std::unique_ptr<database> index_;
};

/// Copies the base's content database into `new_dir`. Copies run at most
/// `bytes_per_second` (0: as fast as the disk allows).
bool copy_content(database& base_content, const std::filesystem::path& new_dir,
                  const progress_callback& on_progress,
                  int64_t bytes_per_second = 0);

/// Writes a snapshot of the base's search index to `snapshot_file`.
bool create_index_snapshot(database& base_index,
                           const std::filesystem::path& snapshot_file,
                           const progress_callback& on_progress,
                           int64_t bytes_per_second = 0);

/// Restores a snapshot into `new_dir`'s search index and deletes it.
bool restore_index_snapshot(const std::filesystem::path& snapshot_file,
                            const std::filesystem::path& new_dir,
                            const progress_callback& on_progress,
                            int64_t bytes_per_second = 0);

/// Sync: the new data keeps the target's own webhooks, integrations, entry
/// versions, presets and teams, and none of the base's. The caller holds
/// the target's guard exclusively so no write to them is lost.
void keep_target_unsynced_kinds(const std::filesystem::path& new_dir,
                                const std::filesystem::path& target_dir);

/// Create: webhooks, integrations and entry versions start empty; presets
/// and teams are copied (Codex's Create Environment page).
void clear_create_exclusions(const std::filesystem::path& new_dir);

/// Entries in the new content database and documents in its search index;
/// they differ when the base's index was out of date.
std::pair<int64_t, int64_t>
count_entries_and_documents(const std::filesystem::path& new_dir);

/// Makes the new generation's files durable before the switch commits.
void flush_generation(const std::filesystem::path& new_dir);

/// Name of the index snapshot inside a new generation directory.
inline constexpr const char* index_snapshot_file_name = "index.snapshot";

} // namespace downhill::persistence
