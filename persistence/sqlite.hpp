// A thin RAII layer over SQLite. This is the only header of downhill that
// names SQLite types, and only sqlite.cpp includes <sqlite3.h>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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
  bool prepared() const { return stmt_ != nullptr; }

  int64_t int_column(int column) const;
  std::string text_column(int column) const;
  bool is_null(int column) const;

private:
  sqlite3_stmt* stmt_;
};

/// One connection. Its fixed statements live in a statement_table built
/// when the owner opens it.
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

  int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

/// One SQL text of a statement_table: its name (for errors) and whether it
/// writes (a read-only connection does not prepare those).
struct named_sql {
  const char* name;
  const char* sql;
  bool writes;
};

/// Whether `rows` are the statements `names`: one row each, in their order.
/// A database's statement names are one list, `X(name) X(name) ...`, that
/// makes both its enum and its names (DOWNHILL_STATEMENT_NAMES); a
/// static_assert next to its table checks the
/// table against them, so that a row out of its name's place, or a name
/// without its row, fails to compile instead of running another statement.
template <size_t Rows, size_t Names>
constexpr bool rows_match_names(const named_sql (&rows)[Rows],
                                const char* const (&names)[Names]) {
  if (Rows != Names)
    return false;
  for (size_t i = 0; i < Rows; ++i)
    if (std::string_view{rows[i].name} != std::string_view{names[i]})
      return false;
  return true;
}

#define DOWNHILL_STATEMENT_ENUM_VALUE(name) name,
#define DOWNHILL_STATEMENT_NAME(name) #name,

/// `enum class Enum` with one value per statement of LIST, in order, and
/// `Names`, the names of those values as strings.
#define DOWNHILL_STATEMENT_NAMES(Enum, Names, LIST)                           \
  enum class Enum : size_t { LIST(DOWNHILL_STATEMENT_ENUM_VALUE) };           \
  constexpr const char* Names[] = {LIST(DOWNHILL_STATEMENT_NAME)};

/// The fixed statements of one connection, prepared once when it opens and
/// reused by every call, so no call parses SQL. Indexed by the owner's enum
/// of statement names; a statement belongs to its connection, and so is
/// used only by whoever holds the connection.
class statement_table {
public:
  /// Prepares each of `sql` (which outlives the table: a static table of
  /// the owner's) on `db`, or only those that do not write.
  statement_table(database& db, const std::vector<named_sql>& sql,
                  bool read_only);

  template <class Name>
  statement& operator[](Name name) {
    return at(static_cast<size_t>(name));
  }

private:
  statement& at(size_t index);

  const std::vector<named_sql>& sql_;
  std::vector<statement> statements_;  // null where not prepared
};

/// Borrows a prepared statement and resets it (and clears its bindings)
/// when the borrow ends, so that an early return or an exception never
/// leaves it mid-step for the next call.
class statement_use {
public:
  explicit statement_use(statement& stmt) : stmt_(stmt) {}
  ~statement_use() { stmt_.reset(); }
  statement* operator->() { return &stmt_; }
  statement& operator*() { return stmt_; }

private:
  statement& stmt_;
};

/// BEGIN IMMEDIATE on construction, ROLLBACK unless commit() was called.
/// Inside another transaction it is a savepoint of it instead: commit()
/// keeps its changes for the outer transaction to commit, and an early end
/// undoes only its own. So a write that is one transaction on its own can
/// also be part of a batch (control_plane::write_batch).
class transaction {
public:
  explicit transaction(database& db);
  ~transaction();
  void commit();

private:
  database& db_;
  bool nested_ = false;
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
