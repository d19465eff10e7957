#include "store_inspector.hpp"

#include <sqlite3.h>

#include <functional>
#include <set>
#include <stdexcept>

namespace downhill::testing {

namespace fs = std::filesystem;

namespace {

/// Runs `sql` on a read-only connection and calls `row` per row.
void query(const fs::path& file, const std::string& sql,
           const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + file.string());
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(error + " in " + sql);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW)
    row(stmt);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

std::string text(sqlite3_stmt* stmt, int column) {
  auto p = sqlite3_column_text(stmt, column);
  return p ? reinterpret_cast<const char*>(p) : "";
}

/// FNV-1a over every column of every row, in a fixed order.
std::string checksum_of(const fs::path& file, const std::string& select) {
  uint64_t hash = 1469598103934665603ULL;
  size_t rows = 0;
  query(file, select,
        [&](sqlite3_stmt* stmt) {
          ++rows;
          for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
            auto value = text(stmt, c) + '\x1f';
            for (unsigned char ch : value) {
              hash ^= ch;
              hash *= 1099511628211ULL;
            }
          }
        });
  return std::to_string(rows) + ":" + std::to_string(hash);
}

std::string table_checksum(const fs::path& file, const std::string& table,
                           const std::string& order) {
  return checksum_of(file, "SELECT * FROM " + table + " ORDER BY " + order);
}

} // namespace

fs::path store_inspector::environment_dir(const std::string& org,
                                          const std::string& env) const {
  fs::path result;
  query(var_ / "control-plane.db",
        "SELECT key, generation FROM environments WHERE org_id = '" + org
          + "' AND id = '" + env + "'",
        [&](sqlite3_stmt* stmt) {
          result = var_ / "environments"
                   / std::to_string(sqlite3_column_int64(stmt, 0))
                   / ("g" + std::to_string(sqlite3_column_int64(stmt, 1)));
        });
  return result;
}

std::string store_inspector::environment_status(const std::string& org,
                                                const std::string& env) const {
  std::string status;
  query(var_ / "control-plane.db",
        "SELECT status FROM environments WHERE org_id = '" + org
          + "' AND id = '" + env + "'",
        [&](sqlite3_stmt* stmt) { status = text(stmt, 0); });
  return status;
}

std::map<std::string, std::string>
store_inspector::checksums(const std::string& org,
                           const std::string& env) const {
  auto dir = environment_dir(org, env);
  if (dir.empty())
    throw std::runtime_error("no environment " + env);
  std::map<std::string, std::string> result;
  auto content = dir / "content.db";
  for (auto table : {"settings", "content_types", "locales", "assets",
                     "entries", "webhooks", "integrations", "presets",
                     "teams"})
    result[table] = table_checksum(content, table, "1");
  result["entries"] = table_checksum(content, "entries", "id");
  result["entry_versions"] = table_checksum(content, "entry_versions",
                                            "entry_id, version");
  result["index"] = checksum_of(dir / "index.db",
                                "SELECT id, title, body FROM entries_fts "
                                "ORDER BY id");
  return result;
}

std::vector<std::string> store_inspector::entry_ids(const std::string& org,
                                                    const std::string& env) const {
  std::vector<std::string> ids;
  query(environment_dir(org, env) / "content.db",
        "SELECT id FROM entries ORDER BY id",
        [&](sqlite3_stmt* stmt) { ids.push_back(text(stmt, 0)); });
  return ids;
}

std::vector<std::string>
store_inspector::indexed_ids(const std::string& org,
                             const std::string& env) const {
  std::vector<std::string> ids;
  query(environment_dir(org, env) / "index.db",
        "SELECT id FROM entries_fts ORDER BY id",
        [&](sqlite3_stmt* stmt) { ids.push_back(text(stmt, 0)); });
  return ids;
}

void store_inspector::execute(const fs::path& file,
                              const std::string& sql) const {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  char* error = nullptr;
  auto rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK)
    throw std::runtime_error(message + " in " + sql);
}

int64_t store_inspector::count(const std::string& sql) const {
  int64_t value = 0;
  query(var_ / "control-plane.db", sql,
        [&](sqlite3_stmt* stmt) { value = sqlite3_column_int64(stmt, 0); });
  return value;
}

std::vector<std::string> store_inspector::leftovers() const {
  std::set<fs::path> current;
  query(var_ / "control-plane.db",
        "SELECT key, generation FROM environments",
        [&](sqlite3_stmt* stmt) {
          current.insert(var_ / "environments"
                         / std::to_string(sqlite3_column_int64(stmt, 0))
                         / ("g" + std::to_string(sqlite3_column_int64(stmt, 1))));
        });
  std::vector<std::string> result;
  for (auto& env_dir : fs::directory_iterator{var_ / "environments"}) {
    for (auto& item : fs::directory_iterator{env_dir.path()}) {
      if (current.count(item.path()) == 0) {
        result.push_back(item.path().string());
        continue;
      }
      for (auto& file : fs::directory_iterator{item.path()}) {
        auto name = file.path().filename().string();
        if (name.rfind("content.db", 0) != 0 && name.rfind("index.db", 0) != 0)
          result.push_back(file.path().string());
      }
    }
    if (fs::is_empty(env_dir.path()))
      result.push_back(env_dir.path().string());
  }
  return result;
}

} // namespace downhill::testing
