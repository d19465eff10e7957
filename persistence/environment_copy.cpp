#include "persistence/environment_copy.hpp"

#include "persistence/content_store.hpp"
#include "persistence/crash_points.hpp"
#include "persistence/single_value.hpp"
#include "metrics/server_metrics.hpp"

#include <cstdio>

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
  // The copy carries the source's WAL flag in its header, as a byte copy
  // does: the content API opens it in WAL mode.
  return copy_database(
    source, destination, [&](int percent) { return on_progress(percent); },
    bytes_per_second);
}

/// A byte copy when the base's file is held still, else an online backup.
bool copy_base_file(database& source, bool file_still, const fs::path& file,
                    const progress_callback& on_progress,
                    int64_t bytes_per_second) {
  bool complete
    = file_still
        ? copy_database_file(source, file, on_progress, bytes_per_second)
        : backup_into(source, file, on_progress, bytes_per_second);
  std::error_code size_error;
  if (auto bytes = fs::file_size(file, size_error); complete && !size_error)
    metrics::server().bytes_copied.get().inc(bytes);
  return complete;
}

/// `file` as an SQLite URI (for ATTACH), with the characters that a URI
/// gives a meaning escaped.
std::string file_uri(const fs::path& file, const char* query) {
  std::string uri = "file:";
  for (char c : fs::absolute(file).string()) {
    if (c == '%' || c == '?' || c == '#') {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X",
                    static_cast<unsigned char>(c));
      uri += escaped;
    } else {
      uri += c;
    }
  }
  return uri + "?" + query;
}

/// Begins a read transaction on `db`; counts it in `begun` as soon as it is
/// open.
void begin_read(database& db, int& begun) {
  db.exec("BEGIN");
  ++begun;
  // A read transaction starts at its first read; this fixes the snapshot.
  db.exec("SELECT count(*) FROM sqlite_schema");
}

} // namespace

base_snapshot::base_snapshot(fs::path generation_dir,
                             std::shared_ptr<environment_guard> guard)
  : dir_(std::move(generation_dir)), guard_(std::move(guard)) {
}

base_snapshot::base_snapshot(fs::path generation_dir,
                             std::shared_ptr<environment_guard> guard,
                             content_store_pool& stores, int64_t key,
                             int64_t generation)
  : dir_(std::move(generation_dir)), guard_(std::move(guard)),
    stores_(&stores), key_(key), generation_(generation) {
}

base_snapshot::~base_snapshot() {
  // A lent store goes back to the pool as it came: no transaction open.
  database* reading[] = {content_, index_};
  for (int i = 0; i < reading_; ++i)
    try {
      reading[i]->exec("COMMIT");
    } catch (const std::exception&) {
      // The store is given back all the same; its next user's BEGIN fails
      // and says so rather than reading this snapshot's old data.
    }
}

void base_snapshot::open() {
  {
    std::lock_guard<std::mutex> lock{open_mutex_};
    if (open_failure_)
      std::rethrow_exception(open_failure_);
    if (!opened_) {
      try {
        std::unique_lock<std::shared_mutex> exclusive{guard_->mutex};
        if (stores_)
          lease_ = stores_->try_open(key_, generation_, dir_);
        if (lease_) {
          // The store checked both stamps (and upgraded the index) when it
          // was opened.
          content_ = &(*lease_)->content_database();
          index_ = &(*lease_)->index_database();
        } else {
          own_content_ = std::make_unique<database>(
            dir_ / content_file_name, database::mode::read_write);
          own_index_ = std::make_unique<database>(dir_ / index_file_name,
                                                  database::mode::read_write);
          content_ = own_content_.get();
          index_ = own_index_.get();
          // A copy of a file that is not the base's store would spread it
          // to the target: the run fails here instead, naming the file.
          check_content_stamp(*content_);
          upgrade_index(*index_);  // an index of layout 1 is copied as 2
          check_index_stamp(*index_);
        }
        // No content write runs while the guard is held exclusively, so
        // nothing reaches the emptied WALs before the reads begin.
        files_still_ = checkpoint_to_empty_wal(*content_)
                       && checkpoint_to_empty_wal(*index_);
        begin_read(*content_, reading_);
        begin_read(*index_, reading_);
        // The snapshot is fixed: the base's writers may go on.
        exclusive.unlock();
        // In the read transactions, so exactly what the copies hold; on
        // connections whose schema is read (a lent store's stay open), not
        // on the new files, which would each be opened and parsed again.
        counts_ = {single_int(*content_, "SELECT count(*) FROM entries"),
                   single_int(*index_, "SELECT count(*) FROM entries_fts")};
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

bool copy_content(base_snapshot& base, const fs::path& new_dir,
                  const progress_callback& on_progress,
                  int64_t bytes_per_second) {
  auto& source = base.content();
  fs::create_directories(new_dir);
  return copy_base_file(source, base.files_still(),
                        new_dir / content_file_name, on_progress,
                        bytes_per_second);
}

bool create_index_snapshot(base_snapshot& base, const fs::path& snapshot_file,
                           const progress_callback& on_progress,
                           int64_t bytes_per_second) {
  auto& source = base.index();
  fs::create_directories(snapshot_file.parent_path());
  return copy_base_file(source, base.files_still(), snapshot_file,
                        on_progress, bytes_per_second);
}

bool install_index_snapshot(const fs::path& snapshot_file,
                            const fs::path& new_dir,
                            const progress_callback& on_progress) {
  if (!on_progress(0))
    return false;
  fs::rename(snapshot_file, new_dir / index_file_name);
  return on_progress(100);
}

database open_new_content(const fs::path& new_dir) {
  database db{new_dir / content_file_name, database::mode::read_write};
  // Exclusive before the first access: the WAL index lives in memory. Only
  // `main`: the target's database, attached later, stays shared with the
  // content API's connections.
  db.exec("PRAGMA main.locking_mode=EXCLUSIVE; PRAGMA synchronous=OFF; "
          "PRAGMA journal_mode=WAL");
  return db;
}

namespace {

constexpr const char* target_kinds[]
  = {"webhooks", "integrations", "presets", "teams", "entry_versions"};

} // namespace

void keep_target_unsynced_kinds(database& new_content,
                                const fs::path& target_dir) {
  // The caller holds the target's guard exclusively: nobody opens the
  // target meanwhile. With no -wal beside it, no connection has it open
  // (the last close checkpoints and removes the WAL), so the file alone is
  // the whole database and is read immutable: no -wal and -shm created and
  // removed again for this one read. A -wal present means a content store
  // holds the target open: attached as usual, through its WAL.
  auto target_file = target_dir / content_file_name;
  std::error_code ec;
  bool file_is_all = !fs::exists(target_dir / (std::string{content_file_name}
                                               + "-wal"),
                                 ec)
                     && !ec;
  auto attach = new_content.prepare("ATTACH DATABASE ? AS target");
  attach
    .bind(1, file_is_all ? file_uri(target_file, "immutable=1")
                         : target_file.string())
    .run();
  new_content.exec("BEGIN");
  for (auto table : target_kinds) {
    std::string name = table;
    new_content.exec("DELETE FROM main." + name);
    new_content.exec("INSERT INTO main." + name + " SELECT * FROM target."
                     + name);
  }
  new_content.exec("COMMIT");
  new_content.exec("DETACH DATABASE target");
}

void clear_create_exclusions(database& new_content) {
  new_content.exec("BEGIN; DELETE FROM webhooks; DELETE FROM integrations; "
                   "DELETE FROM entry_versions; COMMIT;");
}

void flush_generation(const fs::path& new_dir) {
  // The files are in WAL mode (their headers say so, as the base's did)
  // with no WAL left beside them: to disk as they are.
  for (auto name : {content_file_name, index_file_name})
    fsync_path(new_dir / name);
  fsync_path(new_dir);
  fsync_path(new_dir.parent_path());
}

} // namespace downhill::persistence
