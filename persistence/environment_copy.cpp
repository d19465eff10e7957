#include "persistence/environment_copy.hpp"

#include "persistence/content_store.hpp"
#include "persistence/crash_points.hpp"
#include "metrics/server_metrics.hpp"

namespace downhill::persistence {

namespace fs = std::filesystem;

namespace {

/// Opens a fresh destination for an online backup. It needs no journal:
/// until the switch commits, the file is not part of any environment, and
/// a crash mid-copy leaves garbage that start-up removes.
database open_copy_destination(const fs::path& file) {
  fs::remove(file);
  database db{file, database::mode::read_write_create};
  db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  return db;
}

bool backup_into(database& source, const fs::path& file,
                 const progress_callback& on_progress,
                 int64_t bytes_per_second) {
  auto destination = open_copy_destination(file);
  bool complete = copy_database(
    source, destination, [&](int percent) { return on_progress(percent); },
    bytes_per_second);
  // The copy carries the source's WAL flag; a file with no journal of its
  // own leaves no -wal/-shm beside it until flush_generation sets WAL.
  if (complete)
    destination.exec("PRAGMA journal_mode=DELETE");
  std::error_code size_error;
  if (auto bytes = fs::file_size(file, size_error); complete && !size_error)
    metrics::server().bytes_copied.get().inc(bytes);
  return complete;
}

void begin_read(database& db) {
  db.exec("BEGIN");
  // A read transaction starts at its first read; this fixes the snapshot.
  db.exec("SELECT count(*) FROM sqlite_schema");
}

} // namespace

base_snapshot::base_snapshot(fs::path generation_dir,
                             std::shared_ptr<environment_guard> guard)
  : dir_(std::move(generation_dir)), guard_(std::move(guard)) {
}

void base_snapshot::open() {
  {
    std::lock_guard<std::mutex> lock{open_mutex_};
    if (open_failure_)
      std::rethrow_exception(open_failure_);
    if (!opened_) {
      try {
        std::unique_lock<std::shared_mutex> exclusive{guard_->mutex};
        content_ = std::make_unique<database>(dir_ / content_file_name,
                                              database::mode::read_write);
        index_ = std::make_unique<database>(dir_ / index_file_name,
                                            database::mode::read_write);
        // A copy of a file that is not the base's store would spread it
        // to the target: the run fails here instead, naming the file.
        check_content_stamp(*content_);
        upgrade_index(*index_);  // an index of layout 1 is copied as 2
        check_index_stamp(*index_);
        begin_read(*content_);
        begin_read(*index_);
        opened_ = true;
      } catch (...) {
        open_failure_ = std::current_exception();
        throw;
      }
    }
  }
  crash_point("after-snapshot");
}

database& base_snapshot::content() {
  open();
  return *content_;
}

database& base_snapshot::index() {
  open();
  return *index_;
}

bool copy_content(database& base_content, const fs::path& new_dir,
                  const progress_callback& on_progress,
                  int64_t bytes_per_second) {
  fs::create_directories(new_dir);
  return backup_into(base_content, new_dir / content_file_name, on_progress,
                     bytes_per_second);
}

bool create_index_snapshot(database& base_index, const fs::path& snapshot_file,
                           const progress_callback& on_progress,
                           int64_t bytes_per_second) {
  fs::create_directories(snapshot_file.parent_path());
  return backup_into(base_index, snapshot_file, on_progress,
                     bytes_per_second);
}

bool restore_index_snapshot(const fs::path& snapshot_file,
                            const fs::path& new_dir,
                            const progress_callback& on_progress,
                            int64_t bytes_per_second) {
  bool complete = false;
  {
    database snapshot{snapshot_file, database::mode::read_only};
    begin_read(snapshot);
    complete = backup_into(snapshot, new_dir / index_file_name, on_progress,
                           bytes_per_second);
  }
  fs::remove(snapshot_file);
  return complete;
}

namespace {

constexpr const char* target_kinds[]
  = {"webhooks", "integrations", "presets", "teams", "entry_versions"};

} // namespace

void keep_target_unsynced_kinds(const fs::path& new_dir,
                                const fs::path& target_dir) {
  database db{new_dir / content_file_name, database::mode::read_write};
  db.exec("PRAGMA journal_mode=OFF");
  auto attach = db.prepare("ATTACH DATABASE ? AS target");
  attach.bind(1, (target_dir / content_file_name).string()).run();
  db.exec("BEGIN");
  for (auto table : target_kinds) {
    std::string name = table;
    db.exec("DELETE FROM main." + name);
    db.exec("INSERT INTO main." + name + " SELECT * FROM target." + name);
  }
  db.exec("COMMIT");
  db.exec("DETACH DATABASE target");
}

void clear_create_exclusions(const fs::path& new_dir) {
  database db{new_dir / content_file_name, database::mode::read_write};
  db.exec("PRAGMA journal_mode=OFF");
  db.exec("BEGIN; DELETE FROM webhooks; DELETE FROM integrations; "
          "DELETE FROM entry_versions; COMMIT;");
}

std::pair<int64_t, int64_t>
count_entries_and_documents(const fs::path& new_dir) {
  database content{new_dir / content_file_name, database::mode::read_only};
  database index{new_dir / index_file_name, database::mode::read_only};
  auto entries = content.prepare("SELECT count(*) FROM entries");
  auto documents = index.prepare("SELECT count(*) FROM entries_fts");
  entries.step();
  documents.step();
  return {entries.int_column(0), documents.int_column(0)};
}

void flush_generation(const fs::path& new_dir) {
  // Back to the journal mode the content API uses, then to disk.
  for (auto name : {content_file_name, index_file_name}) {
    database db{new_dir / name, database::mode::read_write};
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  for (auto name : {content_file_name, index_file_name})
    fsync_path(new_dir / name);
  fsync_path(new_dir);
  fsync_path(new_dir.parent_path());
}

} // namespace downhill::persistence
