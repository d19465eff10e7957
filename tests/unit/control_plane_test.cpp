// The control-plane operations behind a bounded recurring queue and the
// rebuild of an org actor, on a real SQLite file.
#include "persistence/control_plane.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>

using namespace downhill::persistence;
namespace fs = std::filesystem;

namespace {

struct temp_db {
  temp_db() {
    std::string pattern = (fs::temp_directory_path() / "dh-cp-XXXXXX");
    dir = mkdtemp(pattern.data());
  }
  ~temp_db() { fs::remove_all(dir); }
  fs::path dir;
};

job_record recurring_job(const std::string& org) {
  job_record job;
  job.org_id = org;
  job.name = "nightly";
  job.type = job_type::sync_environments;
  job.base_environment = "main";
  job.target_environment = "staging";
  job.schedule_json = R"({"kind":"interval","every_seconds":1})";
  job.state = job_state::active;
  job.created_by = "alice";
  job.created_at = 1000;
  return job;
}

} // namespace

TEST_CASE("skipped firings are counted on the job with the last time and "
          "reason") {
  temp_db tmp;
  control_plane db{tmp.dir / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  auto id = db.insert_job(recurring_job("acme"));
  CHECK(db.get_job("acme", id)->skipped_firings == 0);
  CHECK(db.get_job("acme", id)->last_skipped_at == 0);
  db.record_skipped_firing({id, 2000, "run 1 waits"});
  db.record_skipped_firing({id, 3000, "run 2 waits"});
  auto job = db.get_job("acme", id);
  CHECK(job->skipped_firings == 2);
  CHECK(job->last_skipped_at == 3000);
  CHECK(job->last_skip_reason == "run 2 waits");
  // Several of the job's skips merged into one (the writer's queue): each
  // counts, the last one's time and reason show.
  db.record_skipped_firing({id, 6000, "run 3 waits", 3});
  job = db.get_job("acme", id);
  CHECK(job->skipped_firings == 5);
  CHECK(job->last_skipped_at == 6000);
  CHECK(job->last_skip_reason == "run 3 waits");
}

TEST_CASE("a run ended without its actor closes its open tasks and is no "
          "longer unfinished") {
  temp_db tmp;
  control_plane db{tmp.dir / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  db.insert_org({"globex", "globex", 1}, db.next_environment_key());
  new_run run;
  run.job = recurring_job("acme");
  run.job.id = db.insert_job(run.job);
  run.trigger = "schedule";
  run.created_by = "scheduler";
  run.task_names = {"a", "b"};
  run.status = run_status::queued;
  auto created = db.insert_run(run, 5000);
  auto unfinished = db.unfinished_runs("acme");
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished[0].run_id == created.run_id);
  CHECK(unfinished[0].status == run_status::queued);
  CHECK(unfinished[0].target_environment == "staging");
  CHECK(db.unfinished_runs("globex").empty());

  run_progress end;
  end.run_id = created.run_id;
  end.status = run_status::cancelled;
  end.finished_at = 6000;
  end.close_open_tasks = true;
  db.apply(end);
  CHECK(db.unfinished_runs("acme").empty());
  auto stored = db.get_run("acme", created.run_id);
  CHECK(stored->status == run_status::cancelled);
  CHECK(stored->started_at == 0);
  for (auto& task : stored->tasks)
    CHECK(task.status == task_status::cancelled);
}

TEST_CASE("a write batch is one transaction: all of it or, if it throws, "
          "none of it") {
  temp_db tmp;
  control_plane db{tmp.dir / "cp.db", control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  auto id = db.insert_job(recurring_job("acme"));
  // Each write is a transaction of its own; inside a batch it nests.
  db.write_batch(
    [&] {
      db.record_skipped_firing({id, 2000, "one"});
      db.record_skipped_firing({id, 3000, "two"});
    },
    false);
  CHECK(db.get_job("acme", id)->skipped_firings == 2);
  CHECK_THROWS_AS(db.write_batch(
                    [&] {
                      db.record_skipped_firing({id, 4000, "three"});
                      throw std::runtime_error("the batch fails");
                    },
                    true),
                  std::runtime_error);
  auto job = db.get_job("acme", id);
  CHECK(job->skipped_firings == 2);
  CHECK(job->last_skip_reason == "two");
  // The connection is usable and durable again after either kind of batch.
  db.record_skipped_firing({id, 5000, "four"});
  CHECK(db.get_job("acme", id)->skipped_firings == 3);
  control_plane reopened{tmp.dir / "cp.db", control_plane::access::writer};
  CHECK(reopened.get_job("acme", id)->last_skip_reason == "four");
}
