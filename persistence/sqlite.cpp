#include "persistence/sqlite.hpp"
#include "persistence/single_value.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace downhill::persistence {

namespace {

[[noreturn]] void fail(sqlite3* db, int code, std::string_view context) {
  std::string message{context};
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw storage_error(code, message);
}

void check(sqlite3* db, int code, std::string_view context) {
  if (code != SQLITE_OK)
    fail(db, code, context);
}

/// Why a backup step failed. sqlite3_backup_step does not record its error
/// on the destination connection (sqlite3_errmsg there says "not an
/// error"), so the cause comes from the step's own code, plus the OS error
/// the destination last saw (ENOSPC for a full disk), if any.
[[noreturn]] void fail_backup_step(sqlite3* destination, int code) {
  std::string message = "backup step: ";
  message += sqlite3_errstr(code);
  if (int os_error = sqlite3_system_errno(destination); os_error != 0)
    message += std::string{" ("} + std::strerror(os_error) + ")";
  if (sqlite3_errcode(destination) != SQLITE_OK)
    message += std::string{"; destination: "} + sqlite3_errmsg(destination);
  throw storage_error(code, message);
}

} // namespace

bool storage_error::is_disk_full() const {
  return (code_ & 0xff) == SQLITE_FULL;
}

// -- statement ----------------------------------------------------------------

statement::statement(statement&& other) noexcept : stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

statement& statement::operator=(statement&& other) noexcept {
  std::swap(stmt_, other.stmt_);
  return *this;
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

statement& statement::bind(int index, int64_t value) {
  check(sqlite3_db_handle(stmt_), sqlite3_bind_int64(stmt_, index, value),
        "bind");
  return *this;
}

statement& statement::bind(int index, std::string_view value) {
  check(sqlite3_db_handle(stmt_),
        sqlite3_bind_text(stmt_, index, value.data(),
                          static_cast<int>(value.size()), SQLITE_TRANSIENT),
        "bind");
  return *this;
}

statement& statement::bind_null(int index) {
  check(sqlite3_db_handle(stmt_), sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

bool statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  fail(sqlite3_db_handle(stmt_), rc, sqlite3_sql(stmt_));
}

void statement::run() {
  while (step()) {
  }
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t statement::int_column(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

int64_t single_int(database& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  return stmt.step() ? stmt.int_column(0) : 0;
}

std::string statement::text_column(int column) const {
  auto text = sqlite3_column_text(stmt_, column);
  if (text == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// -- database -----------------------------------------------------------------

database::database(const std::filesystem::path& path, mode open_mode)
  : path_(path) {
  // URIs allow ATTACH with parameters (immutable=1 for a file nobody else
  // has open); a path of ours is never taken for one (below).
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  switch (open_mode) {
    case mode::read_write_create:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case mode::read_write:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case mode::read_only:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  auto name = path.string();
  if (name.rfind("file:", 0) == 0)
    name = "./" + name;  // a relative path that looks like a URI
  int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open " + path.string() + ": "
                          + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw storage_error(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Writers of one file are serialized by their owners; this only covers
  // checkpoints and readers racing a writer for a moment.
  sqlite3_busy_timeout(db_, 5000);
}

database::database(database&& other) noexcept
  : db_(other.db_), path_(std::move(other.path_)) {
  other.db_ = nullptr;
}

database::~database() {
  // close_v2: should a statement outlive the connection, the connection
  // closes when that statement is finalized.
  sqlite3_close_v2(db_);
}

void database::exec(std::string_view sql) {
  std::string text{sql};
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw storage_error(rc, message + " (in: " + text.substr(0, 80) + ")");
  }
}

statement database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()),
                              &stmt, nullptr);
  if (rc != SQLITE_OK)
    fail(db_, rc, "prepare " + std::string{sql.substr(0, 80)});
  return statement{stmt};
}

// -- statement_table -------------------------------------------------------

statement_table::statement_table(database& db,
                                 const std::vector<named_sql>& sql,
                                 bool read_only)
  : sql_(sql) {
  statements_.reserve(sql.size());
  for (auto& s : sql) {
    if (read_only && s.writes) {
      statements_.emplace_back(nullptr);
      continue;
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db.handle(), s.sql, -1,
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK)
      fail(db.handle(), rc,
           "prepare " + std::string{s.name} + " on " + db.path().string());
    statements_.emplace_back(stmt);
  }
}

statement& statement_table::at(size_t index) {
  auto& stmt = statements_.at(index);
  if (!stmt.prepared())
    throw storage_error(SQLITE_MISUSE, std::string{"statement "}
                                         + sql_[index].name
                                         + " writes; this connection is "
                                           "read-only");
  return stmt;
}

int64_t database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int database::changes() const {
  return sqlite3_changes(db_);
}

// -- transaction --------------------------------------------------------------

transaction::transaction(database& db)
  : db_(db), nested_(sqlite3_get_autocommit(db.handle()) == 0) {
  db_.exec(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

transaction::~transaction() {
  if (!done_) {
    try {
      db_.exec(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
    } catch (...) {
      // The connection rolls back by itself when it closes.
    }
  }
}

void transaction::commit() {
  db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
  done_ = true;
}

// -- online backup ------------------------------------------------------------

bool copy_database_impl(database& source, database& destination,
                        bool (*callback)(void*, int), void* context,
                        int64_t bytes_per_second) {
  sqlite3_backup* backup = sqlite3_backup_init(destination.handle(), "main",
                                               source.handle(), "main");
  if (backup == nullptr)
    fail(destination.handle(), sqlite3_errcode(destination.handle()),
         "backup");
  struct finisher {
    sqlite3_backup* b;
    ~finisher() { sqlite3_backup_finish(b); }
  } finish{backup};
  // The first step sizes the copy; afterwards each step copies about 1% of
  // the pages, so progress rises steadily and memory stays at one step's
  // pages whatever the size of the database.
  if (!callback(context, 0))
    return false;
  auto started = std::chrono::steady_clock::now();
  int page_size = 4096;
  {
    auto stmt = source.prepare("PRAGMA page_size");
    if (stmt.step())
      page_size = static_cast<int>(stmt.int_column(0));
  }
  int rc = sqlite3_backup_step(backup, 1);
  int last_percent = 0;
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    int total = sqlite3_backup_pagecount(backup);
    int remaining = sqlite3_backup_remaining(backup);
    int percent = total > 0 ? static_cast<int>(100LL * (total - remaining)
                                               / total)
                            : 100;
    if (percent != last_percent) {
      last_percent = percent;
      if (!callback(context, std::min(percent, 99)))
        return false;
    }
    if (rc != SQLITE_OK)
      sqlite3_sleep(5); // the destination or source is busy: retry shortly
    if (bytes_per_second > 0) {
      // Pace the copy so that a big environment does not take all of the
      // disk's bandwidth from the other organizations.
      auto copied = int64_t{total - remaining} * page_size;
      auto due = started + std::chrono::microseconds(copied * 1000000
                                                     / bytes_per_second);
      std::this_thread::sleep_until(due);
    }
    rc = sqlite3_backup_step(backup, std::max(1, total / 100));
  }
  if (rc != SQLITE_DONE)
    fail_backup_step(destination.handle(), rc);
  finish.b = nullptr;
  rc = sqlite3_backup_finish(backup);
  check(destination.handle(), rc, "backup finish");
  return callback(context, 100);
}

void fsync_path(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw storage_error(SQLITE_IOERR, "cannot open " + path.string()
                                        + " to flush it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    throw storage_error(SQLITE_IOERR, "cannot flush " + path.string());
}

} // namespace downhill::persistence
