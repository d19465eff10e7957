// The run and task status tables: every value round-trips through its name,
// the names are the ones stored and shown before the enums existed, and a
// name no row holds fails, in the table and where the control plane reads it.
#include "persistence/control_plane.hpp"
#include "persistence/run_states.hpp"
#include "persistence/sqlite.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace downhill::persistence;
namespace fs = std::filesystem;

TEST_CASE("every run status round-trips through its stored name") {
  // The names of existing data directories and of the API: fixed.
  const std::pair<run_status, std::string> names[] = {
    {run_status::queued, "queued"},
    {run_status::running, "running"},
    {run_status::succeeded, "succeeded"},
    {run_status::failed, "failed"},
    {run_status::cancelled, "cancelled"},
    {run_status::interrupted, "interrupted"},
  };
  for (auto& [status, name] : names) {
    CHECK(to_string(status) == name);
    CHECK(run_status_from_string(name) == status);
  }
}

TEST_CASE("every task status round-trips through its stored name") {
  const std::pair<task_status, std::string> names[] = {
    {task_status::pending, "pending"},
    {task_status::running, "running"},
    {task_status::succeeded, "succeeded"},
    {task_status::failed, "failed"},
    {task_status::cancelled, "cancelled"},
  };
  for (auto& [status, name] : names) {
    CHECK(to_string(status) == name);
    CHECK(task_status_from_string(name) == status);
  }
}

TEST_CASE("a status name the tables do not hold is no status") {
  for (const char* name : {"", "Running", "running ", "pending-ish", "paused"})
    CHECK_FALSE(run_status_from_string(name).has_value());
  for (const char* name : {"", "queued", "interrupted", "SUCCEEDED"})
    CHECK_FALSE(task_status_from_string(name).has_value());
}

TEST_CASE("a stored status this version does not know fails the read, "
          "naming it") {
  std::string pattern = (fs::temp_directory_path() / "dh-states-XXXXXX");
  fs::path dir = mkdtemp(pattern.data());
  {
    control_plane db{dir / "cp.db", control_plane::access::writer};
    db.insert_org({"acme", "acme", 1}, db.next_environment_key());
    new_run run;
    run.job.org_id = "acme";
    run.job.name = "sync";
    run.job.type = job_type::sync_environments;
    run.job.base_environment = "main";
    run.job.target_environment = "staging";
    run.job.state = job_state::once;
    run.trigger = "manual";
    run.created_by = "alice";
    run.task_names = {"a"};
    run.status = run_status::running;
    auto created = db.insert_run(run, 5000);

    database raw{dir / "cp.db", database::mode::read_write};
    auto stored = raw.prepare("SELECT r.status, t.status FROM runs r JOIN "
                              "tasks t ON t.run_id = r.id");
    REQUIRE(stored.step());
    CHECK(stored.text_column(0) == "running");  // as before the enums
    CHECK(stored.text_column(1) == "running");

    raw.exec("UPDATE runs SET status = 'hibernating'");
    CHECK_THROWS_WITH(db.get_run("acme", created.run_id),
                      Catch::Contains("'hibernating'"));
    raw.exec("UPDATE runs SET status = 'running'");
    raw.exec("UPDATE tasks SET status = 'resting'");
    CHECK_THROWS_WITH(db.get_run("acme", created.run_id),
                      Catch::Contains("'resting'"));
  }
  fs::remove_all(dir);
}
