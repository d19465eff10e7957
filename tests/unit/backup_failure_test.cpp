// A copy that runs out of space says so, rather than "not an error".
#include "persistence/sqlite.hpp"

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

using namespace downhill::persistence;
using downhill::testing::scratch_dir;

TEST_CASE("a copy into a full destination reports the disk-full cause") {
  scratch_dir dir;
  database source{dir.path / "source.db", database::mode::read_write_create};
  source.exec("CREATE TABLE t (x TEXT)");
  source.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
              "FROM n WHERE i < 200) "
              "INSERT INTO t SELECT hex(randomblob(1000)) FROM n");
  database destination{dir.path / "copy.db",
                       database::mode::read_write_create};
  // A destination that can hold 10 pages behaves like a full disk.
  destination.exec("PRAGMA max_page_count = 10");

  try {
    copy_database(source, destination, [](int) { return true; });
    FAIL("the copy into a full destination succeeded");
  } catch (const storage_error& e) {
    CHECK(e.is_disk_full());
    CHECK_THAT(e.what(), Catch::Contains("database or disk is full"));
    CHECK_THAT(e.what(), !Catch::Contains("not an error"));
  }
}
