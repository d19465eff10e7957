#include "persistence/content_store.hpp"
#include "persistence/environment_copy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

using namespace downhill::persistence;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "dh-unit-XXXXXX");
    path = mkdtemp(pattern.data());
  }
  ~temp_dir() { fs::remove_all(path); }
  fs::path path;
};

entry_input entry(const std::string& id, const std::string& title) {
  return {id, "article", "en", title, "body of " + title, "{}"};
}

} // namespace

TEST_CASE("an entry written twice has two versions and one search hit") {
  temp_dir dir;
  content_store::create_empty(dir.path);
  content_store store{dir.path};
  store.put_entry(entry("a", "first draft"), "t1");
  auto second = store.put_entry(entry("a", "final words"), "t2");
  CHECK(second.version == 2);
  REQUIRE(store.versions("a").size() == 2);
  CHECK(store.search("final", 10).size() == 1);
  CHECK(store.search("draft", 10).empty());
  CHECK(store.get_entry("a")->title == "final words");
  CHECK(store.delete_entry("a"));
  CHECK_FALSE(store.get_entry("a"));
  CHECK(store.search("final", 10).empty());
}

TEST_CASE("a copy reports rising progress up to 100 and copies every row") {
  temp_dir dir;
  auto base = dir.path / "base";
  auto copy = dir.path / "copy";
  content_store::create_empty(base);
  {
    content_store store{base};
    for (int i = 0; i < 2000; ++i)
      store.put_entry(entry("e" + std::to_string(i),
                            std::string(200, 'x') + std::to_string(i)),
                      "t");
  }
  environment_guards guards;
  base_snapshot snapshot{base, guards.get(1)};
  std::vector<int> seen;
  REQUIRE(copy_content(snapshot, copy, [&](int percent) {
    seen.push_back(percent);
    return true;
  }));
  REQUIRE(seen.size() > 10);
  CHECK(seen.front() == 0);
  CHECK(seen.back() == 100);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  database copied{copy / content_file_name, database::mode::read_only};
  auto count = copied.prepare("SELECT count(*) FROM entries");
  count.step();
  CHECK(count.int_column(0) == 2000);
}

TEST_CASE("a copy stops when its progress callback says so") {
  temp_dir dir;
  auto base = dir.path / "base";
  content_store::create_empty(base);
  {
    content_store store{base};
    for (int i = 0; i < 500; ++i)
      store.put_entry(entry("e" + std::to_string(i), std::string(500, 'y')),
                      "t");
  }
  environment_guards guards;
  base_snapshot snapshot{base, guards.get(1)};
  int calls = 0;
  CHECK_FALSE(copy_content(snapshot, dir.path / "copy",
                           [&](int) { return ++calls < 3; }));
  CHECK(calls == 3);
}

TEST_CASE("the synced copy keeps the target's own unsynced kinds only") {
  temp_dir dir;
  auto base = dir.path / "base";
  auto target = dir.path / "target";
  auto fresh = dir.path / "new";
  content_store::create_empty(base);
  content_store::create_empty(target);
  {
    content_store b{base};
    b.put_entry(entry("shared", "from base"), "t");
    b.add_item(unsynced_kind::webhooks, "base-hook", "{}", "t");
    b.add_item(unsynced_kind::teams, "base-team", "{}", "t");
    content_store t{target};
    t.put_entry(entry("old", "target only"), "t");
    t.add_item(unsynced_kind::webhooks, "target-hook", "{}", "t");
  }
  environment_guards guards;
  base_snapshot snapshot{base, guards.get(1)};
  REQUIRE(copy_content(snapshot, fresh, [](int) { return true; }));
  {
    auto content = open_new_content(fresh);
    keep_target_unsynced_kinds(content, target);
  }
  fs::copy_file(target / index_file_name, fresh / index_file_name);
  content_store result{fresh};
  CHECK(result.get_entry("shared"));
  CHECK_FALSE(result.get_entry("old"));
  auto hooks = result.list_items(unsynced_kind::webhooks);
  REQUIRE(hooks.size() == 1);
  CHECK(hooks[0].name == "target-hook");
  CHECK(result.list_items(unsynced_kind::teams).empty());
  // The target's entry versions are kept, the base's are not copied.
  CHECK(result.versions("shared").empty());
  CHECK(result.versions("old").size() == 1);
}

namespace {

int64_t count_rows(const fs::path& file, const char* table) {
  database db{file, database::mode::read_only};
  auto count = db.prepare(std::string{"SELECT count(*) FROM "} + table);
  count.step();
  return count.int_column(0);
}

/// Copies both files of `snapshot` into `dir`, as a run's two tasks do.
void copy_both(base_snapshot& snapshot, const fs::path& dir) {
  auto always = [](int) { return true; };
  REQUIRE(copy_content(snapshot, dir, always));
  auto snapshot_file = dir / index_snapshot_file_name;
  REQUIRE(create_index_snapshot(snapshot, snapshot_file, always));
  REQUIRE(install_index_snapshot(snapshot_file, dir, always));
  CHECK_FALSE(fs::exists(snapshot_file));
}

} // namespace

TEST_CASE("a base's files are copied byte for byte and hold the instant of "
          "the snapshot while the base takes writes") {
  temp_dir dir;
  auto base = dir.path / "base";
  content_store::create_empty(base);
  content_store writer{base};
  for (int i = 0; i < 300; ++i)
    writer.put_entry(entry("e" + std::to_string(i), "before"), "t");
  environment_guards guards;
  base_snapshot snapshot{base, guards.get(1)};
  snapshot.content();  // the instant: 300 entries
  CHECK(snapshot.files_still());
  // Written after the instant, with the WAL checkpointed as they go (the
  // checkpoint must not reach the file the copy reads).
  for (int i = 300; i < 400; ++i)
    writer.put_entry(entry("e" + std::to_string(i), "after"), "t");
  database{base / content_file_name, database::mode::read_write}.exec(
    "PRAGMA wal_checkpoint(PASSIVE)");

  auto copy = dir.path / "copy";
  copy_both(snapshot, copy);
  CHECK(count_rows(copy / content_file_name, "entries") == 300);
  CHECK(count_rows(copy / index_file_name, "entries_fts") == 300);
  CHECK(count_rows(base / content_file_name, "entries") == 400);
  content_store copied{copy};
  CHECK(copied.get_entry("e299"));
  CHECK_FALSE(copied.get_entry("e300"));
  CHECK(copied.search("before", 1000).size() == 300);
}

TEST_CASE("a base whose WAL a reader keeps in use is copied by online "
          "backup, at the same instant") {
  temp_dir dir;
  auto base = dir.path / "base";
  content_store::create_empty(base);
  content_store writer{base};
  for (int i = 0; i < 50; ++i)
    writer.put_entry(entry("e" + std::to_string(i), "kept"), "t");
  // A reader in the middle of the WAL: the checkpoint cannot empty it.
  database reader{base / content_file_name, database::mode::read_only};
  reader.exec("BEGIN");
  reader.exec("SELECT count(*) FROM entries");
  writer.put_entry(entry("late", "kept"), "t");

  environment_guards guards;
  base_snapshot snapshot{base, guards.get(1)};
  snapshot.content();
  CHECK_FALSE(snapshot.files_still());
  writer.put_entry(entry("after", "not copied"), "t");
  auto copy = dir.path / "copy";
  copy_both(snapshot, copy);
  CHECK(count_rows(copy / content_file_name, "entries") == 51);
  content_store copied{copy};
  CHECK(copied.get_entry("late"));
  CHECK_FALSE(copied.get_entry("after"));
}

TEST_CASE("the new generation's last edits leave no WAL or shared-memory "
          "file beside it") {
  temp_dir dir;
  auto base = dir.path / "base";
  content_store::create_empty(base);
  {
    content_store store{base};
    store.put_entry(entry("a", "alpha"), "t");
  }
  environment_guards guards;
  base_snapshot snapshot{base, guards.get(1)};
  auto fresh = dir.path / "new";
  copy_both(snapshot, fresh);
  auto [entries, documents] = snapshot.entries_and_documents();
  CHECK(entries == 1);
  CHECK(documents == 1);
  {
    auto content = open_new_content(fresh);
    clear_create_exclusions(content);
  }
  flush_generation(fresh);
  std::vector<std::string> names;
  for (auto& item : fs::directory_iterator{fresh})
    names.push_back(item.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"content.db", "index.db"});
  content_store opened{fresh};  // and the content API opens it
  CHECK(opened.get_entry("a"));
}
