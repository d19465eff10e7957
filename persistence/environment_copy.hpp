// The steps of the environment jobs' two tasks, on real files. Each copy
// reports progress in percent through a callback that can also stop it
// (cancellation): a stopped copy returns false and leaves only garbage in
// the new generation directory, which the caller removes.
#pragma once

#include "persistence/content_store_pool.hpp"
#include "persistence/environment_layout.hpp"
#include "persistence/file_copy.hpp"
#include "persistence/sqlite.hpp"

#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

namespace downhill::persistence {

/// One consistent point in time of a base environment, shared by the two
/// tasks of a run. The first task to ask opens read transactions on both
/// files while holding the base's guard exclusively, so no content write
/// can fall between the two: the database copy and the index copy show
/// the same instant even while users keep writing to the base.
///
/// It first checkpoints both files' WALs to empty, so that the read
/// transactions hold the files themselves still (persistence/file_copy.hpp)
/// and the copies are byte copies at the speed of the disk. Should a reader
/// keep a WAL in use, the copies fall back to SQLite's online backup, which
/// is as consistent but re-creates every page.
class base_snapshot {
public:
  /// Opens connections of its own to the base's files.
  base_snapshot(std::filesystem::path generation_dir,
                std::shared_ptr<environment_guard> guard);
  /// Borrows the connections of a store of `stores` (the base is `key` at
  /// `generation`): no open, no schema read, no -wal and -shm made for the
  /// run when the store is open already. The store goes back to the pool
  /// when the snapshot is destroyed, its read transactions ended. When
  /// every store the pool's bound allows is lent, it opens connections of
  /// its own rather than wait.
  base_snapshot(std::filesystem::path generation_dir,
                std::shared_ptr<environment_guard> guard,
                content_store_pool& stores, int64_t key, int64_t generation);
  ~base_snapshot();
  base_snapshot(const base_snapshot&) = delete;
  base_snapshot& operator=(const base_snapshot&) = delete;

  /// Connections to the base's files, each holding its read transaction.
  /// The content connection is for the database task and the index
  /// connection for the index task: each is used by one thread only.
  database& content();
  database& index();

  /// Whether both files are held still (after content() or index()).
  bool files_still() const { return files_still_; }

  /// Entries in the snapshot's content and documents in its search index
  /// (after content() or index()), counted when it was taken: a copy holds
  /// exactly these. They differ when the base's index was out of date.
  std::pair<int64_t, int64_t> entries_and_documents() const {
    return counts_;
  }

private:
  void open();

  std::filesystem::path dir_;
  std::shared_ptr<environment_guard> guard_;
  // Not std::call_once: a throwing callable leaves pthread_once's guard
  // taken under ThreadSanitizer (the other task then waits forever), and
  // libstdc++'s call_once has a history with exceptions (GCC PR 66146).
  std::mutex open_mutex_;
  bool opened_ = false;
  bool files_still_ = false;
  std::exception_ptr open_failure_;  // both tasks see the same failure
  // Either own connections, or a pool's store lent for the snapshot's life.
  content_store_pool* stores_ = nullptr;
  int64_t key_ = 0;
  int64_t generation_ = 0;
  std::unique_ptr<content_store_pool::lease> lease_;
  std::unique_ptr<database> own_content_;
  std::unique_ptr<database> own_index_;
  database* content_ = nullptr;
  database* index_ = nullptr;
  int reading_ = 0;  // read transactions begun (ended before a lease goes)
  std::pair<int64_t, int64_t> counts_{0, 0};
};

/// Copies the base's content database into `new_dir`. Copies run at most
/// `bytes_per_second` (0: as fast as the disk allows).
bool copy_content(base_snapshot& base, const std::filesystem::path& new_dir,
                  const progress_callback& on_progress,
                  int64_t bytes_per_second = 0);

/// Writes a snapshot of the base's search index to `snapshot_file`.
bool create_index_snapshot(base_snapshot& base,
                           const std::filesystem::path& snapshot_file,
                           const progress_callback& on_progress,
                           int64_t bytes_per_second = 0);

/// Installs a snapshot as `new_dir`'s search index: a rename, not a copy
/// (the snapshot is already a complete database file in the same
/// directory).
bool install_index_snapshot(const std::filesystem::path& snapshot_file,
                            const std::filesystem::path& new_dir,
                            const progress_callback& on_progress);

/// The new generation's content database, opened for its last edits
/// before the switch: locked exclusively (its WAL index in memory, so no
/// -shm file) and without syncs of its own (flush_generation syncs it).
/// Close it before flush_generation: the close writes its WAL back.
database open_new_content(const std::filesystem::path& new_dir);

/// Sync: the new data keeps the target's own webhooks, integrations, entry
/// versions, presets and teams, and none of the base's. The caller holds
/// the target's guard exclusively so no write to them is lost.
void keep_target_unsynced_kinds(database& new_content,
                                const std::filesystem::path& target_dir);

/// Create: webhooks, integrations and entry versions start empty; presets
/// and teams are copied (Codex's Create Environment page).
void clear_create_exclusions(database& new_content);

/// Makes the new generation's files durable before the switch commits.
void flush_generation(const std::filesystem::path& new_dir);

/// Name of the index snapshot inside a new generation directory.
inline constexpr const char* index_snapshot_file_name = "index.snapshot";

} // namespace downhill::persistence
