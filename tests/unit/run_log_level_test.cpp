// The run log level table: every level round-trips through the name stored
// and shown before the enum existed; the run's counts follow the levels; a
// name the table does not hold fails, in the table and where the control
// plane reads it.
#include "persistence/control_plane.hpp"
#include "persistence/record_json.hpp"
#include "persistence/run_log_level.hpp"
#include "persistence/sqlite.hpp"
#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace downhill::persistence;
using downhill::testing::scratch_dir;

namespace {

/// A running run of a new organization's: its id.
int64_t running_run(control_plane& db) {
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
  return db.insert_run(run, 5000).run_id;
}

} // namespace

TEST_CASE("every run log level round-trips through its stored name") {
  // The names of existing data directories and of the API: fixed.
  const std::pair<run_log_level, std::string> names[] = {
    {run_log_level::info, "info"},
    {run_log_level::warning, "warning"},
    {run_log_level::error, "error"},
  };
  for (auto& [level, name] : names) {
    CHECK(to_string(level) == name);
    CHECK(run_log_level_from_string(name) == level);
  }
}

TEST_CASE("a log level name the table does not hold is no level") {
  for (const char* name : {"", "Info", "warn", "error ", "debug", "fatal"})
    CHECK_FALSE(run_log_level_from_string(name).has_value());
}

TEST_CASE("log levels are stored and shown as their names, and counted") {
  scratch_dir dir;
  control_plane db{dir.path / "cp.db", control_plane::access::writer};
  auto run_id = running_run(db);
  run_progress p;
  p.run_id = run_id;
  p.logs.push_back({1, "a", run_log_level::info, "started", 5001});
  p.logs.push_back({2, "a", run_log_level::warning, "slow", 5002});
  p.logs.push_back({3, "a", run_log_level::error, "broken", 5003});
  p.logs.push_back({4, "a", run_log_level::warning, "slower", 5004});
  db.apply(p);

  database raw{dir.path / "cp.db", database::mode::read_write};
  auto stored = raw.prepare("SELECT level FROM logs ORDER BY seq");
  for (const char* name : {"info", "warning", "error", "warning"}) {
    REQUIRE(stored.step());
    CHECK(stored.text_column(0) == name);  // as before the enum
  }
  auto logs = db.list_logs(run_id, 0, 10);
  REQUIRE(logs.size() == 4);
  CHECK(logs[1].level == run_log_level::warning);
  CHECK(log_json(logs[2])["level"] == "error");
  auto run = db.get_run("acme", run_id);
  REQUIRE(run);
  CHECK(run->total_logs == 4);
  CHECK(run->total_errors == 1);
  CHECK(run->total_warnings == 2);
}

TEST_CASE("a stored log level this version does not know fails the read, "
          "naming it") {
  scratch_dir dir;
  control_plane db{dir.path / "cp.db", control_plane::access::writer};
  auto run_id = running_run(db);
  run_progress p;
  p.run_id = run_id;
  p.logs.push_back({1, "a", run_log_level::info, "started", 5001});
  db.apply(p);
  database raw{dir.path / "cp.db", database::mode::read_write};
  raw.exec("UPDATE logs SET level = 'critical'");
  CHECK_THROWS_WITH(db.list_logs(run_id, 0, 10),
                    Catch::Contains("logs.level")
                      && Catch::Contains("'critical'"));
}
