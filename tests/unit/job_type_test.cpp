// The job type table: every type round-trips through the name stored and
// shown before the enum existed; a name the table does not hold fails, in
// the table and where the control plane reads it.
#include "persistence/control_plane.hpp"
#include "persistence/job_type.hpp"
#include "persistence/sqlite.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace downhill::persistence;
namespace fs = std::filesystem;

TEST_CASE("every job type round-trips through its stored name") {
  const std::pair<job_type, std::string> names[] = {
    {job_type::create_environment, "create_environment"},
    {job_type::sync_environments, "sync_environments"},
  };
  for (auto& [type, name] : names) {
    CHECK(to_string(type) == name);
    CHECK(job_type_from_string(name) == type);
  }
}

TEST_CASE("a job type name the table does not hold is no type") {
  for (const char* name : {"", "sync", "Sync_Environments",
                           "create_environment ", "drop_everything"})
    CHECK_FALSE(job_type_from_string(name).has_value());
}

TEST_CASE("a stored job type this version does not know fails the read, "
          "naming it") {
  std::string pattern = (fs::temp_directory_path() / "dh-jobtype-XXXXXX");
  fs::path dir = mkdtemp(pattern.data());
  {
    control_plane db{dir / "cp.db", control_plane::access::writer};
    db.insert_org({"acme", "acme", 1}, db.next_environment_key());
    job_record job;
    job.org_id = "acme";
    job.name = "sync";
    job.type = job_type::create_environment;
    job.base_environment = "main";
    job.target_environment = "staging";
    job.schedule_json = R"({"kind":"interval","every_seconds":60})";
    job.state = job_state::active;
    job.created_by = "alice";
    job.created_at = 1000;
    db.insert_job(job);

    database raw{dir / "cp.db", database::mode::read_write};
    auto stored = raw.prepare("SELECT type FROM jobs");
    REQUIRE(stored.step());
    CHECK(stored.text_column(0) == "create_environment");  // as before
    REQUIRE(db.list_recurring_jobs().size() == 1);

    raw.exec("UPDATE jobs SET type = 'teleport_environment'");
    CHECK_THROWS_WITH(db.list_recurring_jobs(),
                      Catch::Contains("'teleport_environment'"));
  }
  fs::remove_all(dir);
}
