#include "persistence/content_store.hpp"

#include "persistence/single_value.hpp"

#include <cstdio>
#include <sstream>

namespace downhill::persistence {

namespace {

// Stamped into every content database so that a stray file is never
// mistaken for one (and future layouts can migrate).
constexpr const char* content_schema = R"sql(
PRAGMA application_id = 0x64686331;
PRAGMA user_version = 1;
CREATE TABLE IF NOT EXISTS settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  json TEXT NOT NULL);
INSERT OR IGNORE INTO settings (id, json) VALUES (1, '{}');
CREATE TABLE IF NOT EXISTS content_types (id TEXT PRIMARY KEY, json TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS locales (code TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS assets (id TEXT PRIMARY KEY, json TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS entries (
  id TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  locale TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  fields TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entry_versions (
  entry_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  title TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (entry_id, version));
CREATE TABLE IF NOT EXISTS webhooks (id INTEGER PRIMARY KEY, name TEXT NOT NULL, json TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS integrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, json TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS presets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, json TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL, json TEXT NOT NULL, created_at TEXT NOT NULL);
)sql";

// `documents` maps an entry to its FTS5 row, so replacing or deleting an
// entry's document is a lookup, not a scan of the index (FTS5 cannot index
// the UNINDEXED id column).
constexpr const char* index_schema = R"sql(
PRAGMA application_id = 0x64686932;
PRAGMA user_version = 2;
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(id UNINDEXED, title, body);
CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, docid INTEGER NOT NULL);
)sql";

/// What a generation directory's file must be stamped with to be opened:
/// the application_id and user_version its schema above sets.
struct store_stamp {
  const char* what;
  int64_t application_id;
  int64_t user_version;
};

constexpr store_stamp content_stamp{"content database", 0x64686331, 1};
constexpr store_stamp index_stamp{"search index", 0x64686932, 2};

std::string hex(int64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx",
                static_cast<unsigned long long>(value));
  return text;
}

/// Refuses a file that is not the store it should be (a stray or damaged
/// file, or one of a layout this build does not know): its statements would
/// otherwise fail later, or worse, work on the wrong data.
void check_stamp(database& db, const store_stamp& expected) {
  int64_t id = 0;
  int64_t version = 0;
  try {
    id = single_int(db, "PRAGMA application_id");
    version = single_int(db, "PRAGMA user_version");
  } catch (const storage_error& e) {
    throw storage_error(e.code(), db.path().string() + " is not a downhill "
                                    + expected.what + ": " + e.what());
  }
  if (id == expected.application_id && version == expected.user_version)
    return;
  throw storage_error(
    26 /* SQLITE_NOTADB */,
    db.path().string() + " is not a downhill " + expected.what
      + " this server can open: expected application_id "
      + hex(expected.application_id) + " and user_version "
      + std::to_string(expected.user_version) + ", found application_id "
      + hex(id) + " and user_version " + std::to_string(version));
}

} // namespace

void check_content_stamp(database& db) {
  check_stamp(db, content_stamp);
}

void check_index_stamp(database& db) {
  check_stamp(db, index_stamp);
}

bool upgrade_index(database& db) {
  if (single_int(db, "PRAGMA application_id") != index_stamp.application_id
      || single_int(db, "PRAGMA user_version") != 1)
    return false;
  // Version 1 had no `documents` map (its writes failed once the code
  // needed it). The map is rebuilt from the index itself; if an entry was
  // indexed twice, its last row wins. Idempotent, so two openers racing
  // here both end at version 2.
  transaction tx{db};
  db.exec(
    "CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, "
    "docid INTEGER NOT NULL);"
    "INSERT OR REPLACE INTO documents (id, docid) "
    "SELECT id, rowid FROM entries_fts ORDER BY rowid;"
    "PRAGMA user_version = 2;");
  tx.commit();
  return true;
}

namespace {

database& opened(database& db, const store_stamp& expected) {
  if (&expected == &index_stamp)
    upgrade_index(db);
  check_stamp(db, expected);
  db.exec("PRAGMA synchronous=NORMAL");
  return db;
}

#define DOWNHILL_ENTRY_COLUMNS                                                \
  "id, content_type, locale, title, body, fields, version, updated_at"

/// The content database's statements, in the order of `content_sql`: the
/// enum and the names its table is checked against are both made from this
/// one list.
#define DOWNHILL_CONTENT_STATEMENTS(X)                                        \
  X(next_version)                                                             \
  X(put_entry)                                                                \
  X(add_version)                                                              \
  X(add_content_type)                                                         \
  X(add_locale)                                                               \
  X(get_entry)                                                                \
  X(list_entries)                                                             \
  X(delete_entry)                                                             \
  X(list_versions)                                                            \
  X(get_settings)                                                             \
  X(put_settings)                                                             \
  X(count_entries)                                                            \
  /* Per unsynced kind, in the order of unsynced_kind (kind_statement). */    \
  X(list_webhooks)                                                            \
  X(list_integrations)                                                        \
  X(list_presets)                                                             \
  X(list_teams)                                                               \
  X(add_webhook)                                                              \
  X(add_integration)                                                          \
  X(add_preset)                                                               \
  X(add_team)                                                                 \
  X(count_webhooks)                                                           \
  X(count_integrations)                                                       \
  X(count_presets)                                                            \
  X(count_teams)

DOWNHILL_STATEMENT_NAMES(content_sql_name, content_statement_names,
                         DOWNHILL_CONTENT_STATEMENTS)

#undef DOWNHILL_CONTENT_STATEMENTS

/// Every statement on a content database, prepared once per open store.
const std::vector<named_sql>& content_sql() {
  static constexpr named_sql rows[] = {
    {"next_version",
     "SELECT coalesce(max(version), 0) + 1 FROM entry_versions WHERE "
     "entry_id = ?",
     false},
    {"put_entry",
     "INSERT INTO entries (id, content_type, locale, title, body, fields, "
     "version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
     "DO UPDATE SET content_type = excluded.content_type, locale = "
     "excluded.locale, title = excluded.title, body = excluded.body, fields "
     "= excluded.fields, version = excluded.version, updated_at = "
     "excluded.updated_at",
     true},
    {"add_version",
     "INSERT INTO entry_versions (entry_id, version, title, at) VALUES "
     "(?, ?, ?, ?)",
     true},
    {"add_content_type", "INSERT OR IGNORE INTO content_types (id) VALUES (?)",
     true},
    {"add_locale", "INSERT OR IGNORE INTO locales (code) VALUES (?)", true},
    {"get_entry", "SELECT " DOWNHILL_ENTRY_COLUMNS " FROM entries WHERE id = ?",
     false},
    {"list_entries",
     "SELECT " DOWNHILL_ENTRY_COLUMNS " FROM entries WHERE id > ? ORDER BY id "
     "LIMIT ?",
     false},
    {"delete_entry", "DELETE FROM entries WHERE id = ?", true},
    {"list_versions",
     "SELECT version, title, at FROM entry_versions WHERE entry_id = ? AND "
     "version > ? ORDER BY version LIMIT ?",
     false},
    {"get_settings", "SELECT json FROM settings WHERE id = 1", false},
    {"put_settings",
     "INSERT INTO settings (id, json) VALUES (1, ?) ON CONFLICT (id) DO "
     "UPDATE SET json = excluded.json",
     true},
    {"count_entries", "SELECT count(*) FROM entries", false},
    // One statement per unsynced kind: a table name cannot be a parameter.
    {"list_webhooks",
     "SELECT id, name, json, created_at FROM webhooks WHERE id > ? ORDER BY "
     "id LIMIT ?",
     false},
    {"list_integrations",
     "SELECT id, name, json, created_at FROM integrations WHERE id > ? "
     "ORDER BY id LIMIT ?",
     false},
    {"list_presets",
     "SELECT id, name, json, created_at FROM presets WHERE id > ? ORDER BY "
     "id LIMIT ?",
     false},
    {"list_teams",
     "SELECT id, name, json, created_at FROM teams WHERE id > ? ORDER BY id "
     "LIMIT ?",
     false},
    {"add_webhook",
     "INSERT INTO webhooks (name, json, created_at) VALUES (?, ?, ?)", true},
    {"add_integration",
     "INSERT INTO integrations (name, json, created_at) VALUES (?, ?, ?)",
     true},
    {"add_preset",
     "INSERT INTO presets (name, json, created_at) VALUES (?, ?, ?)", true},
    {"add_team", "INSERT INTO teams (name, json, created_at) VALUES (?, ?, ?)",
     true},
    {"count_webhooks", "SELECT count(*) FROM webhooks", false},
    {"count_integrations", "SELECT count(*) FROM integrations", false},
    {"count_presets", "SELECT count(*) FROM presets", false},
    {"count_teams", "SELECT count(*) FROM teams", false},
  };
  static_assert(rows_match_names(rows, content_statement_names),
                "one row per name of content_sql_name, in its order");
  static const std::vector<named_sql> table(std::begin(rows), std::end(rows));
  return table;
}

#undef DOWNHILL_ENTRY_COLUMNS

/// The statement of `first` (list_webhooks, add_webhook or count_webhooks)
/// for `kind`.
content_sql_name kind_statement(content_sql_name first, unsynced_kind kind) {
  static_assert(static_cast<size_t>(unsynced_kind::teams) == 3,
                "the kinds' statements follow unsynced_kind's order");
  return static_cast<content_sql_name>(static_cast<size_t>(first)
                                       + static_cast<size_t>(kind));
}

/// The search index's statements, in the order of `index_sql`: the enum
/// and the names its table is checked against are both made from this one
/// list.
#define DOWNHILL_INDEX_STATEMENTS(X)                                          \
  X(delete_document)                                                          \
  X(add_document)                                                             \
  X(map_document)                                                             \
  X(unmap_document)                                                           \
  X(search)

DOWNHILL_STATEMENT_NAMES(index_sql_name, index_statement_names,
                         DOWNHILL_INDEX_STATEMENTS)

#undef DOWNHILL_INDEX_STATEMENTS

const std::vector<named_sql>& index_sql() {
  static constexpr named_sql rows[] = {
    {"delete_document",
     "DELETE FROM entries_fts WHERE rowid = (SELECT docid FROM documents "
     "WHERE id = ?)",
     true},
    {"add_document", "INSERT INTO entries_fts (id, title, body) VALUES (?, ?, ?)",
     true},
    {"map_document",
     "INSERT INTO documents (id, docid) VALUES (?, ?) ON CONFLICT (id) DO "
     "UPDATE SET docid = excluded.docid",
     true},
    {"unmap_document", "DELETE FROM documents WHERE id = ?", true},
    {"search",
     "SELECT id, title FROM entries_fts WHERE entries_fts MATCH ? ORDER BY "
     "rank LIMIT ?",
     false},
  };
  static_assert(rows_match_names(rows, index_statement_names),
                "one row per name of index_sql_name, in its order");
  static const std::vector<named_sql> table(std::begin(rows), std::end(rows));
  return table;
}

void set_pragmas(database& db) {
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
}

/// Page sizes of the stores this build creates. An empty store is one page
/// per table and index: 16 in the content database, 8 in the search index,
/// so at SQLite's default 4 KiB an empty environment took 96 KiB. The
/// content database gets 2 KiB pages (32 KiB empty): entries are mostly
/// one row each, and 2 KiB pages write a 256 KiB body about as fast as
/// 4 KiB. The index keeps 4 KiB: FTS5 writes its segments in pages, and
/// smaller ones made a 256 KiB entry's indexing about a third slower.
/// Only a new file takes these (stores created by earlier builds keep their
/// 4 KiB pages and open as before: the page size is in the file's header,
/// not in its stamp).
constexpr int new_content_page_size = 2048;
constexpr int new_index_page_size = 4096;

/// Sets the page size of a database not yet written (before WAL mode,
/// which fixes it).
void set_new_page_size(database& db, int bytes) {
  db.exec("PRAGMA page_size=" + std::to_string(bytes));
}

entry_record read_entry(statement& stmt) {
  entry_record e;
  e.id = stmt.text_column(0);
  e.content_type = stmt.text_column(1);
  e.locale = stmt.text_column(2);
  e.title = stmt.text_column(3);
  e.body = stmt.text_column(4);
  e.fields_json = stmt.text_column(5);
  e.version = stmt.int_column(6);
  e.updated_at = stmt.text_column(7);
  return e;
}

} // namespace

const char* kind_table(unsynced_kind kind) {
  switch (kind) {
    case unsynced_kind::webhooks:
      return "webhooks";
    case unsynced_kind::integrations:
      return "integrations";
    case unsynced_kind::presets:
      return "presets";
    case unsynced_kind::teams:
      break;
  }
  return "teams";
}

void content_store::create_empty(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  {
    database content{dir / content_file_name, database::mode::read_write_create};
    set_new_page_size(content, new_content_page_size);
    set_pragmas(content);
    content.exec(content_schema);
  }
  database index{dir / index_file_name, database::mode::read_write_create};
  set_new_page_size(index, new_index_page_size);
  set_pragmas(index);
  index.exec(index_schema);
}

content_store::content_store(const std::filesystem::path& dir)
  : content_(dir / content_file_name, database::mode::read_write),
    index_(dir / index_file_name, database::mode::read_write),
    content_statements_(opened(content_, content_stamp), content_sql(), false),
    index_statements_(opened(index_, index_stamp), index_sql(), false) {
}

int64_t content_store::write_entry(const entry_input& in,
                                   const std::string& now) {
  using sql = content_sql_name;
  auto& statements = content_statements_;
  int64_t version = 0;
  {
    statement_use next{statements[sql::next_version]};
    next->bind(1, in.id);
    next->step();
    version = next->int_column(0);
  }
  {
    statement_use put{statements[sql::put_entry]};
    put->bind(1, in.id).bind(2, in.content_type).bind(3, in.locale);
    put->bind(4, in.title).bind(5, in.body).bind(6, in.fields_json);
    put->bind(7, version).bind(8, now).run();
  }
  {
    statement_use add{statements[sql::add_version]};
    add->bind(1, in.id).bind(2, version).bind(3, in.title).bind(4, now).run();
  }
  {
    statement_use type{statements[sql::add_content_type]};
    type->bind(1, in.content_type).run();
  }
  {
    statement_use locale{statements[sql::add_locale]};
    locale->bind(1, in.locale).run();
  }
  return version;
}

void content_store::index_entry(const entry_input& in) {
  {
    statement_use del{index_statements_[index_sql_name::delete_document]};
    del->bind(1, in.id).run();
  }
  {
    statement_use add{index_statements_[index_sql_name::add_document]};
    add->bind(1, in.id).bind(2, in.title).bind(3, in.body).run();
  }
  {
    statement_use map{index_statements_[index_sql_name::map_document]};
    map->bind(1, in.id).bind(2, index_.last_insert_rowid()).run();
  }
}

entry_record content_store::put_entry(const entry_input& in,
                                      const std::string& now) {
  int64_t version = 0;
  {
    transaction tx{content_};
    version = write_entry(in, now);
    tx.commit();
  }
  {
    transaction tx{index_};
    index_entry(in);
    tx.commit();
  }
  return entry_record{in.id,    in.content_type, in.locale, in.title,
                      in.body,  in.fields_json,  version,   now};
}

void content_store::import_entries(const std::vector<entry_input>& entries,
                                   const std::string& now) {
  // One transaction per file: one WAL commit (and one FTS5 segment flush)
  // for the whole batch instead of one per entry.
  {
    transaction tx{content_};
    for (auto& in : entries)
      write_entry(in, now);
    tx.commit();
  }
  transaction tx{index_};
  for (auto& in : entries)
    index_entry(in);
  tx.commit();
}

std::optional<entry_record> content_store::get_entry(const std::string& id) {
  statement_use get{content_statements_[content_sql_name::get_entry]};
  get->bind(1, id);
  if (!get->step())
    return std::nullopt;
  return read_entry(*get);
}

std::vector<entry_record> content_store::list_entries(const std::string& after,
                                                      int64_t limit) {
  statement_use list{content_statements_[content_sql_name::list_entries]};
  list->bind(1, after).bind(2, limit);
  std::vector<entry_record> result;
  while (list->step())
    result.push_back(read_entry(*list));
  return result;
}

bool content_store::delete_entry(const std::string& id) {
  bool existed = false;
  {
    transaction tx{content_};
    statement_use del{content_statements_[content_sql_name::delete_entry]};
    del->bind(1, id).run();
    existed = content_.changes() > 0;
    tx.commit();
  }
  if (existed) {
    transaction tx{index_};
    {
      statement_use del{index_statements_[index_sql_name::delete_document]};
      del->bind(1, id).run();
    }
    {
      statement_use unmap{index_statements_[index_sql_name::unmap_document]};
      unmap->bind(1, id).run();
    }
    tx.commit();
  }
  return existed;
}

std::vector<entry_version_record>
content_store::versions(const std::string& entry_id, int64_t after_version,
                        int64_t limit) {
  statement_use list{content_statements_[content_sql_name::list_versions]};
  list->bind(1, entry_id).bind(2, after_version).bind(3, limit);
  std::vector<entry_version_record> result;
  while (list->step())
    result.push_back({list->int_column(0), list->text_column(1),
                      list->text_column(2)});
  return result;
}

std::vector<search_hit> content_store::search(const std::string& text,
                                              int64_t limit) {
  auto query = to_fts_query(text);
  std::vector<search_hit> result;
  if (query.empty())
    return result;
  statement_use find{index_statements_[index_sql_name::search]};
  find->bind(1, query).bind(2, limit);
  while (find->step())
    result.push_back({find->text_column(0), find->text_column(1)});
  return result;
}

std::string content_store::settings_json() {
  statement_use get{content_statements_[content_sql_name::get_settings]};
  return get->step() ? get->text_column(0) : "{}";
}

void content_store::put_settings_json(const std::string& json) {
  statement_use put{content_statements_[content_sql_name::put_settings]};
  put->bind(1, json).run();
}

std::vector<named_item> content_store::list_items(unsynced_kind kind,
                                                  int64_t after_id,
                                                  int64_t limit) {
  statement_use list{content_statements_[kind_statement(
    content_sql_name::list_webhooks, kind)]};
  list->bind(1, after_id).bind(2, limit);
  std::vector<named_item> result;
  while (list->step())
    result.push_back({list->int_column(0), list->text_column(1),
                      list->text_column(2), list->text_column(3)});
  return result;
}

named_item content_store::add_item(unsynced_kind kind, const std::string& name,
                                   const std::string& attributes_json,
                                   const std::string& now) {
  statement_use add{content_statements_[kind_statement(
    content_sql_name::add_webhook, kind)]};
  add->bind(1, name).bind(2, attributes_json).bind(3, now).run();
  return {content_.last_insert_rowid(), name, attributes_json, now};
}

int64_t content_store::count_items(unsynced_kind kind) {
  statement_use count{content_statements_[kind_statement(
    content_sql_name::count_webhooks, kind)]};
  count->step();
  return count->int_column(0);
}

int64_t content_store::entry_count() {
  statement_use count{content_statements_[content_sql_name::count_entries]};
  count->step();
  return count->int_column(0);
}

std::string to_fts_query(const std::string& text) {
  // Control characters (a NUL above all) are word separators: they would
  // otherwise end up inside an FTS5 string, which SQLite refuses.
  auto cleaned = text;
  for (auto& c : cleaned)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  std::istringstream words{cleaned};
  std::string word;
  std::string query;
  while (words >> word) {
    std::string quoted = "\"";
    for (char c : word) {
      if (c == '"')
        quoted += '"';
      quoted += c;
    }
    quoted += '"';
    if (!query.empty())
      query += ' ';
    query += quoted;
  }
  return query;
}

} // namespace downhill::persistence
