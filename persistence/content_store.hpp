// The data of one environment: its content database (content types,
// entries, assets, locales, settings, and the kinds a sync does not copy)
// and its search index (FTS5 over the entries). Both live in one generation
// directory of the environment; see environment_layout.hpp.
#pragma once

#include "persistence/sqlite.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace downhill::persistence {

struct entry_input {
  std::string id;
  std::string content_type;
  std::string locale;
  std::string title;
  std::string body;
  std::string fields_json = "{}";
};

struct entry_record {
  std::string id;
  std::string content_type;
  std::string locale;
  std::string title;
  std::string body;
  std::string fields_json;
  int64_t version = 0;
  std::string updated_at;
};

struct entry_version_record {
  int64_t version = 0;
  std::string title;
  std::string at;
};

struct search_hit {
  std::string id;
  std::string title;
};

/// A webhook, integration, preset or team.
struct named_item {
  int64_t id = 0;
  std::string name;
  std::string attributes_json; // the object as posted
  std::string created_at;
};

/// The kinds of an environment that a sync never copies.
enum class unsynced_kind { webhooks, integrations, presets, teams };

/// Table name of a kind; also its name in URLs.
const char* kind_table(unsynced_kind kind);

/// File names inside a generation directory.
inline constexpr const char* content_file_name = "content.db";
inline constexpr const char* index_file_name = "index.db";

class content_store {
public:
  /// Creates an empty environment (both files) in `generation_dir`.
  static void create_empty(const std::filesystem::path& generation_dir);

  /// Opens both files of an existing generation directory and prepares
  /// their statements. Throws storage_error (naming the file, and the stamp
  /// expected and found) if either file is not stamped as this build's
  /// content database or search index.
  explicit content_store(const std::filesystem::path& generation_dir);

  entry_record put_entry(const entry_input& input, const std::string& now);
  /// Writes every entry as put_entry would (a version each, content types
  /// and locales registered; a repeated id is written again), in one
  /// transaction on the content database and one on the search index.
  void import_entries(const std::vector<entry_input>& entries,
                      const std::string& now);
  std::optional<entry_record> get_entry(const std::string& id);
  std::vector<entry_record> list_entries(const std::string& after,
                                         int64_t limit);
  bool delete_entry(const std::string& id);
  /// An entry's versions after `after_version`, oldest first; at most
  /// `limit` (-1: all).
  std::vector<entry_version_record> versions(const std::string& entry_id,
                                             int64_t after_version = 0,
                                             int64_t limit = -1);
  std::vector<search_hit> search(const std::string& text, int64_t limit);

  std::string settings_json();
  void put_settings_json(const std::string& json);

  /// Items with an id above `after_id`, by id; at most `limit` (-1: all).
  std::vector<named_item> list_items(unsynced_kind kind, int64_t after_id = 0,
                                     int64_t limit = -1);
  int64_t count_items(unsynced_kind kind);
  named_item add_item(unsynced_kind kind, const std::string& name,
                      const std::string& attributes_json,
                      const std::string& now);

  int64_t entry_count();

  /// The two connections, for a run's snapshot of this environment as a
  /// base (environment_copy.hpp), which uses each from one thread.
  database& content_database() { return content_; }
  database& index_database() { return index_; }

private:
  /// One entry's rows in the content database, inside the caller's
  /// transaction; answers its new version.
  int64_t write_entry(const entry_input& input, const std::string& now);
  /// One entry's document in the search index, replacing its old one,
  /// inside the caller's transaction.
  void index_entry(const entry_input& input);

  database content_;
  database index_;
  // After the connections: finalized before they close.
  statement_table content_statements_;
  statement_table index_statements_;
};

/// Throw storage_error, naming the file and the stamp (application_id and
/// user_version) expected and found, unless `db` is stamped as this build's
/// content database, or search index. content_store checks both at open.
void check_content_stamp(database& db);
void check_index_stamp(database& db);

/// Brings a search index of layout 1 (no `documents` map) to layout 2, the
/// one this build writes; true if it did. Anything else is left alone for
/// check_index_stamp to judge. Needs the file opened read-write.
bool upgrade_index(database& db);

/// Turns free text into an FTS5 query that matches documents containing
/// every word, so that user input can never be an FTS5 syntax error.
std::string to_fts_query(const std::string& text);

} // namespace downhill::persistence
