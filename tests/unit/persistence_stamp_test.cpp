// A content store opens only files stamped as this build's content database
// and search index; anything else is refused with the file named.
#include "persistence/content_store.hpp"
#include "persistence/environment_copy.hpp"
#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace downhill::persistence;
using downhill::testing::scratch_dir;

namespace {

void execute(const std::filesystem::path& file, const std::string& sql) {
  database db{file, database::mode::read_write};
  db.exec(sql);
}

/// The message of the error opening `dir` throws, or "" if it opens.
std::string open_error(const std::filesystem::path& dir) {
  try {
    content_store store{dir};
  } catch (const storage_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("a freshly created store opens and works") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  content_store store{dir.path};
  store.put_entry({"a", "article", "en", "hello", "world", "{}"}, "t1");
  CHECK(store.entry_count() == 1);
  CHECK(store.search("world", 10).size() == 1);
  CHECK(store.add_item(unsynced_kind::teams, "blue", "{}", "t1").id == 1);
  CHECK(store.count_items(unsynced_kind::teams) == 1);
  CHECK(store.count_items(unsynced_kind::webhooks) == 0);
  CHECK(store.list_items(unsynced_kind::teams).at(0).name == "blue");
}

TEST_CASE("a content database with a wrong application_id is refused, "
          "naming the file and the stamp expected") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  execute(dir.path / content_file_name, "PRAGMA application_id = 1234");
  auto message = open_error(dir.path);
  CHECK_THAT(message, Catch::Contains((dir.path / "content.db").string()));
  CHECK_THAT(message, Catch::Contains("content database"));
  CHECK_THAT(message, Catch::Contains("expected application_id 0x64686331 "
                                      "and user_version 1"));
  CHECK_THAT(message, Catch::Contains("found application_id 0x4d2"));
}

TEST_CASE("a search index of another schema version is refused") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  // A later layout than this build knows (layout 1 is upgraded: below).
  execute(dir.path / index_file_name, "PRAGMA user_version = 3");
  auto message = open_error(dir.path);
  CHECK_THAT(message, Catch::Contains((dir.path / "index.db").string()));
  CHECK_THAT(message, Catch::Contains("search index"));
  CHECK_THAT(message, Catch::Contains("user_version 2, found"));
}

TEST_CASE("a content database with no stamp at all is refused") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  execute(dir.path / content_file_name,
          "PRAGMA application_id = 0; PRAGMA user_version = 0");
  auto message = open_error(dir.path);
  CHECK_THAT(message, Catch::Contains("found application_id 0x0 and "
                                      "user_version 0"));
}

TEST_CASE("a file that is not a database is refused, naming it") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  std::filesystem::remove(dir.path / "content.db-wal");
  std::filesystem::remove(dir.path / "content.db-shm");
  {
    std::ofstream junk{dir.path / content_file_name, std::ios::trunc};
    junk << std::string(8192, 'x');
  }
  auto message = open_error(dir.path);
  CHECK_THAT(message, Catch::Contains((dir.path / "content.db").string()));
}

TEST_CASE("a copy refuses a base whose store has a wrong stamp") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  execute(dir.path / index_file_name, "PRAGMA application_id = 7");
  environment_guards guards;
  base_snapshot snapshot{dir.path, guards.get(1)};
  CHECK_THROWS_WITH(snapshot.content(),
                    Catch::Contains((dir.path / "index.db").string())
                      && Catch::Contains("search index"));
}

TEST_CASE("a search index of layout 1 is upgraded at open, its documents "
          "mapped, and keeps working") {
  scratch_dir dir;
  content_store::create_empty(dir.path);
  {
    content_store store{dir.path};
    store.put_entry({"a", "article", "en", "alpha", "first", "{}"}, "t1");
    store.put_entry({"b", "article", "en", "beta", "second", "{}"}, "t1");
  }
  // What the first layout wrote: no documents map, user_version 1.
  execute(dir.path / index_file_name,
          "DROP TABLE documents; PRAGMA user_version = 1");
  content_store store{dir.path};
  {
    database index{dir.path / index_file_name, database::mode::read_only};
    auto version = index.prepare("PRAGMA user_version");
    version.step();
    CHECK(version.int_column(0) == 2);
    auto mapped = index.prepare("SELECT count(*) FROM documents");
    mapped.step();
    CHECK(mapped.int_column(0) == 2);
  }
  CHECK(store.search("first", 10).size() == 1);
  // Replacing and deleting use the map: no stale document stays findable.
  store.put_entry({"a", "article", "en", "alpha", "changed", "{}"}, "t2");
  CHECK(store.search("first", 10).empty());
  CHECK(store.search("changed", 10).size() == 1);
  CHECK(store.delete_entry("b"));
  CHECK(store.search("second", 10).empty());
}
