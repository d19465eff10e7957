#include "persistence/content_store.hpp"
#include "persistence/environment_copy.hpp"

#include <catch2/catch.hpp>

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
  REQUIRE(copy_content(snapshot.content(), copy, [&](int percent) {
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
  CHECK_FALSE(copy_content(snapshot.content(), dir.path / "copy",
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
  REQUIRE(copy_content(snapshot.content(), fresh, [](int) { return true; }));
  keep_target_unsynced_kinds(fresh, target);
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
