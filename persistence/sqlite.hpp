// A thin RAII layer over SQLite. This is the only header of downhill that
// names SQLite types, and only sqlite.cpp includes <sqlite3.h>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace downhill::persistence {

/// Any SQLite failure. `code` is SQLite's primary result code.
class storage_error : public std::runtime_error {
public:
  storage_error(int code, const std::string& what)
    : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool is_disk_full() const;

private:
  int code_;
};

/// A prepared statement. Columns and parameters are numbered as in SQLite:
/// parameters from 1, columns from 0.
class statement {
public:
  explicit statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  statement(statement&&) noexcept;
  statement& operator=(statement&&) noexcept;
  statement(const statement&) = delete;
  ~statement();

  statement& bind(int index, int64_t value);
  statement& bind(int index, std::string_view value);
  statement& bind(int index, const char* value) {
    return bind(index, std::string_view{value});
  }
  statement& bind_null(int index);

  /// Steps once; true while a row is available.
  bool step();
  /// Steps to completion (for statements that return no rows).
  void run();
  /// Resets the statement and clears its bindings for the next use.
  void reset();

  int64_t int_column(int column) const;
  std::string text_column(int column) const;
  bool is_null(int column) const;

private:
  sqlite3_stmt* stmt_;
};

/// One connection. Statements prepared with `cached` live as long as the
/// connection and are prepared once.
class database {
public:
  enum class mode { read_write_create, read_write, read_only };

  database(const std::filesystem::path& path, mode open_mode);
  database(database&&) noexcept;
  database& operator=(database&&) = delete;
  database(const database&) = delete;
  ~database();

  void exec(std::string_view sql);
  statement prepare(std::string_view sql);
  /// A statement prepared on first use and reused afterwards; the caller
  /// must reset it (statement_use does) before the next use.
  statement& cached(const std::string& sql);

  int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::map<std::string, std::unique_ptr<statement>> cache_;
};

/// Borrows a cached statement and resets it when the borrow ends, so that
/// an early return or an exception never leaves it mid-step.
class statement_use {
public:
  statement_use(database& db, const std::string& sql)
    : stmt_(db.cached(sql)) {}
  ~statement_use() { stmt_.reset(); }
  statement* operator->() { return &stmt_; }
  statement& operator*() { return stmt_; }

private:
  statement& stmt_;
};

/// BEGIN IMMEDIATE on construction, ROLLBACK unless commit() was called.
class transaction {
public:
  explicit transaction(database& db);
  ~transaction();
  void commit();

private:
  database& db_;
  bool done_ = false;
};

/// Copies `source` into `destination` page by page with SQLite's online
/// backup, calling `on_progress(percent)` as pages are copied. The copy is
/// one point in time of `source` when the caller holds a read transaction
/// on it. `on_progress` returns false to stop the copy (cancellation), in
/// which case copy_database returns false.
/// `bytes_per_second` > 0 paces the copy to that rate.
template <class F>
bool copy_database(database& source, database& destination, F on_progress,
                   int64_t bytes_per_second = 0);

bool copy_database_impl(database& source, database& destination,
                        bool (*callback)(void*, int), void* context,
                        int64_t bytes_per_second);

template <class F>
bool copy_database(database& source, database& destination, F on_progress,
                   int64_t bytes_per_second) {
  return copy_database_impl(
    source, destination,
    [](void* ctx, int percent) { return (*static_cast<F*>(ctx))(percent); },
    &on_progress, bytes_per_second);
}

/// Flushes a file (or directory) to stable storage.
void fsync_path(const std::filesystem::path& path);

} // namespace downhill::persistence
