// list_runs and get_run read a run with its tasks in one query. Checked
// against the plain per-run reading (one query for the runs, one per run for
// its tasks) on a real control-plane file, through a writer and a reader.
#include "persistence/control_plane.hpp"
#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>

using namespace downhill::persistence;
using downhill::testing::scratch_dir;

namespace {

using task_row = std::tuple<int64_t, std::string, std::string, std::string,
                            int64_t>;

job_record once_job(const std::string& org) {
  job_record job;
  job.org_id = org;
  job.name = "sync " + org;
  job.type = job_type::sync_environments;
  job.base_environment = "main";
  job.target_environment = "staging";
  job.schedule_json = R"({"kind":"now"})";
  job.state = job_state::once;
  job.created_by = "alice";
  return job;
}

/// Runs of `org` with 0..3 tasks each, some tasks moved on by progress.
void add_runs(control_plane& db, const std::string& org, int count) {
  for (int i = 0; i < count; ++i) {
    new_run run;
    run.job = once_job(org);
    run.trigger = "api";
    run.created_by = "alice";
    for (int t = 0; t < i % 4; ++t)
      run.task_names.push_back("task " + std::to_string(t));
    run.status = i % 2 ? run_status::running : run_status::queued;
    auto created = db.insert_run(run, 1000 + i);
    if (!created.task_ids.empty()) {
      run_progress p;
      p.run_id = created.run_id;
      p.tasks.push_back(
        {created.task_ids.back(), "", task_status::running, "clone",
         40 + i % 60});
      p.logs.push_back({1, "", run_log_level::warning, "slow disk", 2000 + i});
      db.apply(p);
    }
  }
}

/// The page as the server read it before: runs, then each run's tasks.
std::vector<std::pair<int64_t, std::vector<task_row>>>
reference_page(const std::filesystem::path& file, const std::string& org,
               int64_t before, int64_t limit) {
  database db{file, database::mode::read_only};
  auto runs = db.prepare("SELECT id FROM runs WHERE org_id = ? AND id < ? "
                         "ORDER BY id DESC LIMIT ?");
  runs.bind(1, org).bind(2, before).bind(3, limit);
  std::vector<std::pair<int64_t, std::vector<task_row>>> page;
  while (runs.step())
    page.push_back({runs.int_column(0), {}});
  for (auto& [id, tasks] : page) {
    auto list = db.prepare("SELECT id, name, status, phase, percent FROM "
                           "tasks WHERE run_id = ? ORDER BY position");
    list.bind(1, id);
    while (list.step())
      tasks.emplace_back(list.int_column(0), list.text_column(1),
                         list.text_column(2), list.text_column(3),
                         list.int_column(4));
  }
  return page;
}

std::vector<std::pair<int64_t, std::vector<task_row>>>
as_rows(const std::vector<run_record>& runs) {
  std::vector<std::pair<int64_t, std::vector<task_row>>> page;
  for (auto& run : runs) {
    page.push_back({run.id, {}});
    for (auto& t : run.tasks)
      page.back().second.emplace_back(t.id, t.name, to_string(t.status),
                                      t.phase,
                                      t.percent);
  }
  return page;
}

} // namespace

TEST_CASE("list_runs gives each run of a page its own tasks, in order, "
          "whatever the page") {
  scratch_dir dir;
  auto file = dir.path / "cp.db";
  control_plane writer{file, control_plane::access::writer};
  writer.insert_org({"acme", "acme", 1}, writer.next_environment_key());
  writer.insert_org({"globex", "globex", 1}, writer.next_environment_key());
  add_runs(writer, "acme", 30);
  add_runs(writer, "globex", 7);  // interleaved ids of another org
  add_runs(writer, "acme", 10);
  control_plane reader{file, control_plane::access::reader};

  for (auto [before, limit] : {std::pair<int64_t, int64_t>{INT64_MAX, 500},
                               {INT64_MAX, 5}, {20, 7}, {3, 10}, {1, 10}}) {
    auto expected = reference_page(file, "acme", before, limit);
    CHECK(as_rows(writer.list_runs("acme", before, limit)) == expected);
    CHECK(as_rows(reader.list_runs("acme", before, limit)) == expected);
  }
  auto all = reader.list_runs("acme", INT64_MAX, 500);
  REQUIRE(all.size() == 40);
  for (auto& run : all) {
    CHECK(run.org_id == "acme");
    CHECK(run.name == "sync acme");
    CHECK(run.target_environment == "staging");
  }
  // A run with no task is listed too, with none.
  CHECK(std::any_of(all.begin(), all.end(),
                    [](auto& r) { return r.tasks.empty(); }));
}

TEST_CASE("list_runs with a filter pages through the matching runs only, "
          "each with its tasks") {
  scratch_dir dir;
  control_plane db{dir.path / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  db.insert_org({"globex", "globex", 1}, db.next_environment_key());
  int64_t reused_job = 0;
  for (int i = 0; i < 60; ++i) {
    new_run run;
    run.job = once_job(i % 5 == 4 ? "globex" : "acme");
    run.job.name = i % 3 ? "copy" : "refresh";
    run.job.target_environment = i % 4 ? "staging" : "qa";
    if (i % 6 == 0 && i % 5 != 4 && reused_job != 0)
      run.job.id = reused_job;  // several runs of one job
    run.trigger = i % 2 ? "manual" : "schedule";
    run.created_by = "alice";
    for (int t = 0; t < i % 3; ++t)
      run.task_names.push_back("task " + std::to_string(t));
    run.status = i % 7 ? run_status::queued : run_status::running;
    auto created = db.insert_run(run, 1000 + i);
    if (i == 0)
      reused_job = created.job_id;
  }
  auto all = db.list_runs("acme", INT64_MAX, 500);
  auto matching = [&](const run_filter& f) {
    std::vector<run_record> result;
    for (auto& r : all)
      if ((!f.status || r.status == *f.status)
          && (f.job_id == 0 || r.job_id == f.job_id)
          && (f.name.empty() || r.name == f.name)
          && (f.environment.empty() || r.base_environment == f.environment
              || r.target_environment == f.environment)
          && (f.trigger.empty() || r.trigger == f.trigger))
        result.push_back(r);
    return result;
  };
  std::vector<run_filter> filters(7);
  filters[0].status = run_status::running;
  filters[1].job_id = reused_job;
  filters[2].name = "refresh";
  filters[3].environment = "qa";
  filters[4].trigger = "schedule";
  filters[5].name = "copy";
  filters[5].environment = "staging";
  filters[5].trigger = "manual";
  filters[6].name = "nobody";
  for (auto& filter : filters) {
    auto expected = as_rows(matching(filter));
    CHECK(as_rows(db.list_runs("acme", INT64_MAX, 500, filter)) == expected);
    // Pages of 2, each starting below the last one's lowest id.
    std::vector<run_record> paged;
    int64_t before = INT64_MAX;
    for (;;) {
      auto page = db.list_runs("acme", before, 2, filter);
      paged.insert(paged.end(), page.begin(), page.end());
      if (page.size() < 2)
        break;
      before = page.back().id;
    }
    CHECK(as_rows(paged) == expected);
  }
  CHECK(matching(filters[1]).size() > 1);
  CHECK(matching(filters[6]).empty());
}

TEST_CASE("get_run reads the run's fields and its tasks, and no other "
          "organization's run") {
  scratch_dir dir;
  control_plane db{dir.path / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  db.insert_org({"globex", "globex", 1}, db.next_environment_key());
  new_run run;
  run.job = once_job("acme");
  run.trigger = "api";
  run.created_by = "alice";
  run.task_names = {"database", "index"};
  run.status = run_status::running;
  auto created = db.insert_run(run, 5000);
  run_progress p;
  p.run_id = created.run_id;
  p.tasks.push_back(
    {created.task_ids[1], "", task_status::succeeded, "restore", 100});
  p.logs.push_back({1, "index", run_log_level::error, "bad", 5100});
  db.apply(p);

  auto got = db.get_run("acme", created.run_id);
  REQUIRE(got);
  CHECK(got->id == created.run_id);
  CHECK(got->status == run_status::running);
  CHECK(got->started_at == 5000);
  CHECK(got->total_logs == 1);
  CHECK(got->total_errors == 1);
  REQUIRE(got->tasks.size() == 2);
  CHECK(got->tasks[0].name == "database");
  CHECK(got->tasks[0].status == task_status::running);
  CHECK(got->tasks[1].name == "index");
  CHECK(got->tasks[1].percent == 100);
  CHECK_FALSE(db.get_run("globex", created.run_id));
  CHECK_FALSE(db.get_run("acme", created.run_id + 1));
}

TEST_CASE("a reader connection prepares no writing statement and refuses "
          "a write") {
  scratch_dir dir;
  auto file = dir.path / "cp.db";
  control_plane writer{file, control_plane::access::writer};
  writer.insert_org({"acme", "acme", 1}, writer.next_environment_key());
  control_plane reader{file, control_plane::access::reader};
  CHECK(reader.list_orgs().size() == 1);
  CHECK_THROWS_AS(reader.insert_user({"acme", "bob", "hash"}, 1),
                  storage_error);
  CHECK_FALSE(writer.user_exists("acme", "bob"));
}
