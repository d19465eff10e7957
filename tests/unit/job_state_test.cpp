// The job state table: every state round-trips through the name stored and
// shown before the enum existed; a name the table does not hold fails, in
// the table and where the control plane reads it.
#include "persistence/control_plane.hpp"
#include "persistence/job_state.hpp"
#include "persistence/sqlite.hpp"
#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace downhill::persistence;
using downhill::testing::scratch_dir;

namespace {

job_record recurring_job(job_state state) {
  job_record job;
  job.org_id = "acme";
  job.name = "nightly";
  job.type = job_type::sync_environments;
  job.base_environment = "main";
  job.target_environment = "staging";
  job.schedule_json = R"({"kind":"interval","every_seconds":60})";
  job.state = state;
  job.created_by = "alice";
  job.created_at = 1000;
  return job;
}

std::string stored_state(database& raw, int64_t job_id) {
  auto stored = raw.prepare("SELECT state FROM jobs WHERE id = "
                            + std::to_string(job_id));
  REQUIRE(stored.step());
  return stored.text_column(0);
}

} // namespace

TEST_CASE("every job state round-trips through its stored name") {
  // The names of existing data directories and of the API: fixed.
  const std::pair<job_state, std::string> names[] = {
    {job_state::once, "once"},
    {job_state::active, "active"},
    {job_state::paused, "paused"},
    {job_state::deleted, "deleted"},
  };
  for (auto& [state, name] : names) {
    CHECK(to_string(state) == name);
    CHECK(job_state_from_string(name) == state);
  }
}

TEST_CASE("a job state name the table does not hold is no state") {
  for (const char* name : {"", "Active", "paused ", "resumed", "removed",
                           "running"})
    CHECK_FALSE(job_state_from_string(name).has_value());
}

TEST_CASE("job states are stored as their names, inserted and changed") {
  scratch_dir dir;
  control_plane db{dir.path / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  database raw{dir.path / "cp.db", database::mode::read_write};

  auto id = db.insert_job(recurring_job(job_state::active));
  CHECK(stored_state(raw, id) == "active");  // as before the enum
  REQUIRE(db.get_job("acme", id));
  CHECK(db.get_job("acme", id)->state == job_state::active);

  db.update_schedule_state({id, job_state::paused, 0, 0});
  CHECK(stored_state(raw, id) == "paused");
  CHECK(db.get_job("acme", id)->state == job_state::paused);
  REQUIRE(db.list_recurring_jobs().size() == 1);

  db.update_schedule_state({id, job_state::deleted, 0, 0});
  CHECK(stored_state(raw, id) == "deleted");
  CHECK_FALSE(db.get_job("acme", id));  // deleted: gone from the API
  CHECK(db.list_recurring_jobs().empty());

  auto once = db.insert_job(recurring_job(job_state::once));
  CHECK(stored_state(raw, once) == "once");
  REQUIRE(db.get_job("acme", once));
  CHECK(db.get_job("acme", once)->state == job_state::once);
}

TEST_CASE("a stored job state this version does not know fails the read, "
          "naming it") {
  scratch_dir dir;
  control_plane db{dir.path / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  auto id = db.insert_job(recurring_job(job_state::active));
  database raw{dir.path / "cp.db", database::mode::read_write};
  raw.exec("UPDATE jobs SET state = 'hibernating'");
  CHECK_THROWS_WITH(db.get_job("acme", id),
                    Catch::Contains("jobs.state")
                      && Catch::Contains("'hibernating'"));
  CHECK_THROWS_WITH(db.list_jobs("acme"), Catch::Contains("'hibernating'"));
}
