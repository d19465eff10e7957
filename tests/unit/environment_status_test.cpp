// The environment status table: every status round-trips through the name
// stored and shown before the enum existed; a name the table does not hold
// fails, and so does a stored status that is never stored (locked).
#include "persistence/control_plane.hpp"
#include "persistence/environment_status.hpp"
#include "persistence/sqlite.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace downhill::persistence;
namespace fs = std::filesystem;

TEST_CASE("every environment status round-trips through its name") {
  const std::pair<environment_status, std::string> names[] = {
    {environment_status::ready, "ready"},
    {environment_status::creating, "creating"},
    {environment_status::locked, "locked"},
  };
  for (auto& [status, name] : names) {
    CHECK(to_string(status) == name);
    CHECK(environment_status_from_string(name) == status);
  }
}

TEST_CASE("an environment status name the table does not hold is no "
          "status") {
  for (const char* name : {"", "Ready", "syncing", "created", "ready "})
    CHECK_FALSE(environment_status_from_string(name).has_value());
}

TEST_CASE("a stored environment status this version does not know (or "
          "never stores) fails the read, naming it") {
  std::string pattern = (fs::temp_directory_path() / "dh-envstatus-XXXXXX");
  fs::path dir = mkdtemp(pattern.data());
  {
    control_plane db{dir / "cp.db", control_plane::access::writer};
    db.insert_org({"acme", "acme", 1}, db.next_environment_key());
    database raw{dir / "cp.db", database::mode::read_write};
    auto stored = raw.prepare("SELECT status FROM environments");
    REQUIRE(stored.step());
    CHECK(stored.text_column(0) == "ready");  // as before the enum
    auto listed = db.list_environments();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].status == environment_status::ready);

    raw.exec("UPDATE environments SET status = 'frozen'");
    CHECK_THROWS_WITH(db.list_environments(), Catch::Contains("'frozen'"));
    raw.exec("UPDATE environments SET status = 'locked'");
    CHECK_THROWS_WITH(db.list_environments(), Catch::Contains("'locked'"));
  }
  fs::remove_all(dir);
}
