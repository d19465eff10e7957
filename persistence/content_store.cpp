#include "persistence/content_store.hpp"

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

constexpr const char* delete_document
  = "DELETE FROM entries_fts WHERE rowid = (SELECT docid FROM documents "
    "WHERE id = ?)";

void set_pragmas(database& db) {
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
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

constexpr const char* entry_columns
  = "id, content_type, locale, title, body, fields, version, updated_at";

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
    set_pragmas(content);
    content.exec(content_schema);
  }
  database index{dir / index_file_name, database::mode::read_write_create};
  set_pragmas(index);
  index.exec(index_schema);
}

content_store::content_store(const std::filesystem::path& dir)
  : content_(dir / content_file_name, database::mode::read_write),
    index_(dir / index_file_name, database::mode::read_write) {
  content_.exec("PRAGMA synchronous=NORMAL");
  index_.exec("PRAGMA synchronous=NORMAL");
}

entry_record content_store::put_entry(const entry_input& in,
                                      const std::string& now) {
  int64_t version = 0;
  {
    transaction tx{content_};
    {
      statement_use next{content_, "SELECT coalesce(max(version), 0) + 1 "
                                   "FROM entry_versions WHERE entry_id = ?"};
      next->bind(1, in.id);
      next->step();
      version = next->int_column(0);
    }
    {
      statement_use put{content_,
                        "INSERT INTO entries (id, content_type, locale, title, "
                        "body, fields, version, updated_at) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                        "SET content_type = excluded.content_type, locale = "
                        "excluded.locale, title = excluded.title, body = "
                        "excluded.body, fields = excluded.fields, version = "
                        "excluded.version, updated_at = excluded.updated_at"};
      put->bind(1, in.id).bind(2, in.content_type).bind(3, in.locale);
      put->bind(4, in.title).bind(5, in.body).bind(6, in.fields_json);
      put->bind(7, version).bind(8, now).run();
    }
    {
      statement_use add{content_, "INSERT INTO entry_versions (entry_id, "
                                  "version, title, at) VALUES (?, ?, ?, ?)"};
      add->bind(1, in.id).bind(2, version).bind(3, in.title).bind(4, now).run();
    }
    {
      statement_use type{content_,
                         "INSERT OR IGNORE INTO content_types (id) VALUES (?)"};
      type->bind(1, in.content_type).run();
    }
    {
      statement_use locale{content_,
                           "INSERT OR IGNORE INTO locales (code) VALUES (?)"};
      locale->bind(1, in.locale).run();
    }
    tx.commit();
  }
  {
    transaction tx{index_};
    {
      statement_use del{index_, delete_document};
      del->bind(1, in.id).run();
    }
    {
      statement_use add{index_,
                        "INSERT INTO entries_fts (id, title, body) VALUES "
                        "(?, ?, ?)"};
      add->bind(1, in.id).bind(2, in.title).bind(3, in.body).run();
    }
    {
      statement_use map{index_, "INSERT INTO documents (id, docid) VALUES "
                                "(?, ?) ON CONFLICT (id) DO UPDATE SET docid "
                                "= excluded.docid"};
      map->bind(1, in.id).bind(2, index_.last_insert_rowid()).run();
    }
    tx.commit();
  }
  return entry_record{in.id,    in.content_type, in.locale, in.title,
                      in.body,  in.fields_json,  version,   now};
}

std::optional<entry_record> content_store::get_entry(const std::string& id) {
  statement_use get{content_, std::string{"SELECT "} + entry_columns
                                + " FROM entries WHERE id = ?"};
  get->bind(1, id);
  if (!get->step())
    return std::nullopt;
  return read_entry(*get);
}

std::vector<entry_record> content_store::list_entries(const std::string& after,
                                                      int64_t limit) {
  statement_use list{content_, std::string{"SELECT "} + entry_columns
                                 + " FROM entries WHERE id > ? ORDER BY id "
                                   "LIMIT ?"};
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
    statement_use del{content_, "DELETE FROM entries WHERE id = ?"};
    del->bind(1, id).run();
    existed = content_.changes() > 0;
    tx.commit();
  }
  if (existed) {
    transaction tx{index_};
    {
      statement_use del{index_, delete_document};
      del->bind(1, id).run();
    }
    {
      statement_use unmap{index_, "DELETE FROM documents WHERE id = ?"};
      unmap->bind(1, id).run();
    }
    tx.commit();
  }
  return existed;
}

std::vector<entry_version_record>
content_store::versions(const std::string& entry_id, int64_t after_version,
                        int64_t limit) {
  statement_use list{content_, "SELECT version, title, at FROM entry_versions "
                               "WHERE entry_id = ? AND version > ? "
                               "ORDER BY version LIMIT ?"};
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
  statement_use find{index_, "SELECT id, title FROM entries_fts WHERE "
                             "entries_fts MATCH ? ORDER BY rank LIMIT ?"};
  find->bind(1, query).bind(2, limit);
  while (find->step())
    result.push_back({find->text_column(0), find->text_column(1)});
  return result;
}

std::string content_store::settings_json() {
  statement_use get{content_, "SELECT json FROM settings WHERE id = 1"};
  return get->step() ? get->text_column(0) : "{}";
}

void content_store::put_settings_json(const std::string& json) {
  statement_use put{content_,
                    "INSERT INTO settings (id, json) VALUES (1, ?) ON CONFLICT "
                    "(id) DO UPDATE SET json = excluded.json"};
  put->bind(1, json).run();
}

std::vector<named_item> content_store::list_items(unsynced_kind kind,
                                                  int64_t after_id,
                                                  int64_t limit) {
  statement_use list{content_, std::string{"SELECT id, name, json, created_at "
                                           "FROM "}
                                 + kind_table(kind)
                                 + " WHERE id > ? ORDER BY id LIMIT ?"};
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
  statement_use add{content_, std::string{"INSERT INTO "} + kind_table(kind)
                                + " (name, json, created_at) VALUES (?, ?, ?)"};
  add->bind(1, name).bind(2, attributes_json).bind(3, now).run();
  return {content_.last_insert_rowid(), name, attributes_json, now};
}

int64_t content_store::count_items(unsynced_kind kind) {
  statement_use count{content_, std::string{"SELECT count(*) FROM "}
                                  + kind_table(kind)};
  count->step();
  return count->int_column(0);
}

int64_t content_store::entry_count() {
  statement_use count{content_, "SELECT count(*) FROM entries"};
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
