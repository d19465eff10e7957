// Recurring jobs over real HTTP: firing, pause and resume, queueing behind a
// manual run (at most one waiting run per job; skipped firings counted),
// cancelling a waiting run, the cap per organization, validation at each
// firing, and catch-up after a restart.
#include "org_fixture.hpp"
#include "store_inspector.hpp"
#include "ws_client.hpp"
#include "persistence/record_json.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

using namespace downhill::testing;

namespace {

json recurring_sync(org_fixture& f, json schedule) {
  auto r = f.alice.post(f.org_path() + "/jobs",
                        {{"name", "Recurring sync"},
                         {"type", "sync_environments"},
                         {"base_environment", "main"},
                         {"target_environment", "staging"},
                         {"schedule", schedule}});
  REQUIRE(r.status == 201);
  CHECK_FALSE(r.data().contains("run"));
  return r.data()["job"];
}

std::vector<json> runs_of(org_fixture& f, const std::string& job_id) {
  std::vector<json> result;
  auto page = f.alice.get(f.org_path() + "/runs?limit=500").data();
  for (auto& run : page["runs"])
    if (run["job_id"] == job_id)
      result.push_back(run);
  return result;
}

/// Polls until `job_id` has at least `count` runs; returns them.
std::vector<json> wait_for_runs(org_fixture& f, const std::string& job_id,
                                size_t count) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    auto runs = runs_of(f, job_id);
    if (runs.size() >= count)
      return runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("job " << job_id << " did not reach " << count << " runs");
  return {};
}

/// An instant as the API writes it (RFC 3339, UTC, milliseconds), so that
/// it compares with the API's times as text.
std::string rfc3339(std::chrono::system_clock::time_point t) {
  return downhill::persistence::format_time(
    std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch())
      .count());
}

json recurring_entry(org_fixture& f, const std::string& job_id) {
  auto list = f.alice.get(f.org_path() + "/recurring-jobs").data();
  for (auto& job : list["recurring_jobs"])
    if (job["job_id"] == job_id)
      return job;
  return nullptr;
}

} // namespace

TEST_CASE_METHOD(org_fixture, "an interval job runs every second with "
                              "trigger schedule, pauses and resumes") {
  create_environment("main", "staging");
  auto job = recurring_sync(*this, {{"kind", "interval"}, {"every_seconds", 1}});
  std::string id = job["id"];
  CHECK(job["state"] == "active");
  CHECK(job["latest_run_id"].is_null());
  CHECK_FALSE(job["next_run_at"].is_null());

  auto runs = wait_for_runs(*this, id, 2);
  for (auto& run : runs) {
    CHECK(run["trigger"] == "schedule");
    CHECK(run["created_by"] == "scheduler");
    // The slot it was fired for: a whole second (the schedules' resolution)
    // after the job's creation, at or before the run's own record.
    REQUIRE(run["scheduled_at"].is_string());
    std::string slot = run["scheduled_at"];
    CHECK(slot.substr(slot.size() - 5) == ".000Z");
    CHECK(slot > job["created_at"].get<std::string>());
    CHECK(slot <= run["created_at"].get<std::string>());
  }
  // Each firing its own slot.
  CHECK(runs[0]["scheduled_at"] != runs[1]["scheduled_at"]);
  auto latest = alice.get(org_path() + "/jobs/" + id).data()["latest_run_id"];
  CHECK_FALSE(latest.is_null());

  auto paused = alice.post(org_path() + "/recurring-jobs/" + id + "/pause", {});
  REQUIRE(paused.status == 200);
  CHECK(paused.data()["state"] == "paused");
  CHECK(paused.data()["next_run_at"].is_null());
  // A firing sent just before the pause may still create its run; after
  // that, watch for 2.5 s (two and a half slots): no run may be created.
  auto settled = rfc3339(std::chrono::system_clock::now()
                         + std::chrono::milliseconds(500));
  auto watch_until = std::chrono::steady_clock::now()
                     + std::chrono::milliseconds(3000);
  while (std::chrono::steady_clock::now() < watch_until) {
    for (auto& run : runs_of(*this, id))
      CHECK(run["created_at"].get<std::string>() < settled);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& run : runs_of(*this, id))
    wait_for_run(run["id"]);
  auto count_at_pause = runs_of(*this, id).size();
  CHECK(recurring_entry(*this, id)["state"] == "paused");

  auto resumed
    = alice.post(org_path() + "/recurring-jobs/" + id + "/resume", {});
  REQUIRE(resumed.status == 200);
  CHECK(resumed.data()["state"] == "active");
  CHECK_FALSE(resumed.data()["next_run_at"].is_null());
  // Resuming does not burst the missed slots: one new run per second.
  auto after_resume = wait_for_runs(*this, id, count_at_pause + 1);
  CHECK(after_resume.size() <= count_at_pause + 2);

  CHECK(alice.del(org_path() + "/recurring-jobs/" + id).status == 204);
  CHECK(recurring_entry(*this, id).is_null());
  CHECK(alice.post(org_path() + "/recurring-jobs/" + id + "/pause", {}).status
        == 404);
}

TEST_CASE("a scheduled run that fires during a manual run is queued, then "
          "runs") {
  // Paced so that the manual run outlasts the first firing (at most 1 s).
  org_fixture f({"--copy-rate-limit", "2M"});
  f.fill("main", "base", 16, 128 * 1024);
  f.create_environment("main", "staging");
  auto manual = f.submit_sync("main", "staging");
  REQUIRE(manual.status == 201);
  std::string manual_id = manual.data()["run"]["id"];
  auto job = recurring_sync(f, {{"kind", "interval"}, {"every_seconds", 1}});
  std::string job_id = job["id"];
  // The first firing comes while the manual run is still copying.
  auto queued = wait_for_runs(f, job_id, 1)[0];
  CHECK(f.get_run(manual_id)["status"] == "running");
  CHECK(queued["status"] == "queued");
  CHECK(queued["trigger"] == "schedule");
  CHECK(queued["scheduled_at"].is_string());
  auto done_manual = f.wait_for_run(manual_id);
  CHECK(done_manual["scheduled_at"].is_null());  // a manual run has no slot
  auto done_queued = f.wait_for_run(queued["id"]);
  // Paused only now: pausing cancels a run of the job that still waits.
  REQUIRE(f.alice.post(f.org_path() + "/recurring-jobs/" + job_id + "/pause",
                       {})
            .status
          == 200);
  CHECK(done_manual["status"] == "succeeded");
  INFO("queued run's logs: " << json(f.all_logs(done_queued["id"])).dump());
  CHECK(done_queued["status"] == "succeeded");
  CHECK(done_queued["started_at"] >= done_manual["finished_at"]);
}

TEST_CASE_METHOD(org_fixture, "a recurring job that no longer holds fails "
                              "its run with a reason and stays scheduled") {
  create_environment("main", "staging");
  create_environment("main", "scratch");
  auto r = alice.post(org_path() + "/jobs",
                      {{"name", "Refresh scratch"},
                       {"type", "sync_environments"},
                       {"base_environment", "main"},
                       {"target_environment", "scratch"},
                       {"schedule", {{"kind", "interval"},
                                     {"every_seconds", 1}}}});
  REQUIRE(r.status == 201);
  std::string id = r.data()["job"]["id"];
  wait_for_run(wait_for_runs(*this, id, 1)[0]["id"]);
  // Delete the target between two firings (a locked target answers 423:
  // retry until the delete lands between runs).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while ((status = alice.del(env_path("scratch")).status) == 423
         && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(status == 204);
  auto count = runs_of(*this, id).size();
  auto runs = wait_for_runs(*this, id, count + 1);
  auto failed = wait_for_run(runs[0]["id"]);
  CHECK(failed["status"] == "failed");
  CHECK(failed["total_errors"] == 1);
  auto logs = all_logs(failed["id"]);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0]["message"].get<std::string>().find("scratch")
        != std::string::npos);
  CHECK(recurring_entry(*this, id)["state"] == "active");
}

TEST_CASE_METHOD(org_fixture, "recurring schedules are validated like now "
                              "jobs and name their bad part") {
  create_environment("main", "staging");
  auto jobs = org_path() + "/jobs";
  auto sync = [&](json schedule, std::string target = "staging") {
    return alice.post(jobs, {{"name", "x"},
                             {"type", "sync_environments"},
                             {"base_environment", "main"},
                             {"target_environment", target},
                             {"schedule", schedule}});
  };
  auto bad_cron = sync({{"kind", "cron"}, {"expression", "* * 32 * *"}});
  CHECK(bad_cron.error_code() == "invalid_schedule");
  CHECK(bad_cron.data()["error"]["message"].get<std::string>().find(
          "day-of-month")
        != std::string::npos);
  CHECK(sync({{"kind", "daily"}, {"at", "02:30"}, {"timezone", "Nowhere/X"}})
          .error_code()
        == "invalid_schedule");
  CHECK(sync({{"kind", "weekly"}, {"day", "mon"}}).error_code()
        == "invalid_schedule");
  // The environment rules apply to recurring jobs too.
  CHECK(sync({{"kind", "hourly"}, {"minute", 5}}, "main").error_code()
        == "same_environment");
  // A Create runs once.
  auto create = alice.post(jobs, {{"name", "x"},
                                  {"type", "create_environment"},
                                  {"base_environment", "main"},
                                  {"new_environment", "qa"},
                                  {"schedule", {{"kind", "daily"},
                                                {"at", "02:30"}}}});
  CHECK(create.error_code() == "invalid_schedule");
  auto ok = sync({{"kind", "weekly"},
                  {"day", "mon"},
                  {"at", "02:30"},
                  {"timezone", "Europe/Berlin"}});
  REQUIRE(ok.status == 201);
  CHECK(ok.data()["job"]["schedule"]["timezone"] == "Europe/Berlin");
  CHECK(alice.get(org_path() + "/recurring-jobs").data()["recurring_jobs"]
          .size()
        == 1);
}

TEST_CASE_METHOD(org_fixture, "a slot missed while the server was down runs "
                              "exactly once at start-up") {
  // The firing logic (once, at once, then on from now without a burst) is
  // checked on a fake clock (tests/unit/scheduler_actor_test.cpp); this is
  // the path through a real restart: the stored job is scheduled again and
  // its catch-up run created. No waiting for slots to pass: while the
  // server is stopped, the job is moved 2.5 hours into the past, as if it
  // had been created then and the server had been down ever since.
  store_inspector files{server.data_dir()};
  create_environment("main", "staging");
  auto job = recurring_sync(*this, {{"kind", "interval"},
                                    {"every_seconds", 3600}});
  std::string id = job["id"];
  REQUIRE(server.stop() == 0);
  REQUIRE(files.count("SELECT count(*) FROM runs WHERE job_id = " + id) == 0);
  const int64_t hour = 3600 * 1000;
  auto created_at = files.count("SELECT created_at FROM jobs WHERE id = " + id)
                    - 5 * hour / 2;
  created_at -= created_at % 1000;  // schedules count whole seconds
  // Its first slot (an hour after its creation) passed 1.5 hours ago, the
  // second half an hour ago; the third is half an hour away.
  files.execute(server.var_dir() / "control-plane.db",
                "UPDATE jobs SET created_at = " + std::to_string(created_at)
                  + ", next_run_at = " + std::to_string(created_at + hour)
                  + " WHERE id = " + id);
  server.start();
  reconnect();
  auto runs = wait_for_runs(*this, id, 1);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["trigger"] == "schedule");
  // The firing is recorded with the next slot, in the job's phase.
  auto next_slot = created_at + 3 * hour;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (files.count("SELECT next_run_at FROM jobs WHERE id = " + id)
           != next_slot
         && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(recurring_entry(*this, id)["next_run_at"]
        == rfc3339(std::chrono::system_clock::time_point{
             std::chrono::milliseconds{next_slot}}));
  // One run for both missed slots, and it ran.
  CHECK(wait_for_run(runs[0]["id"])["status"] == "succeeded");
  CHECK(runs_of(*this, id).size() == 1);
}

namespace {

/// The job's runs that are queued now.
size_t queued_runs_of(org_fixture& f, const std::string& job_id) {
  size_t queued = 0;
  for (auto& run : runs_of(f, job_id))
    queued += run["status"] == "queued";
  return queued;
}

/// A run that was cancelled while it waited: it never started.
void check_cancelled_unstarted(org_fixture& f, const std::string& run_id,
                               const std::string& why) {
  auto run = f.wait_for_run(run_id);
  CHECK(run["status"] == "cancelled");
  CHECK(run["started_at"].is_null());
  CHECK(run["elapsed_ms"] == 0);
  for (auto& task : run["tasks"])
    CHECK(task["status"] == "cancelled");
  auto logs = f.all_logs(run_id);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0]["level"] == "warning");
  auto message = logs[0]["message"].get<std::string>();
  CHECK(message.find("before it started") != std::string::npos);
  CHECK(message.find(why) != std::string::npos);
}

/// A fixture whose manual sync takes a few seconds (paced copies), so that
/// scheduled firings meet an active run.
struct slow_sync_fixture : org_fixture {
  slow_sync_fixture() : org_fixture({"--copy-rate-limit", "2M"}) {
    fill("main", "base", 32, 128 * 1024);  // about 4 MiB: 2 s and more
    create_environment("main", "staging");
  }

  /// Starts a manual sync; returns its run id.
  std::string start_manual_sync() {
    auto manual = submit_sync("main", "staging");
    REQUIRE(manual.status == 201);
    return manual.data()["run"]["id"];
  }
};

} // namespace

TEST_CASE_METHOD(slow_sync_fixture, "a recurring job faster than its runs "
                                    "keeps one waiting run and counts the "
                                    "firings it skipped") {
  auto manual_id = start_manual_sync();
  auto job = recurring_sync(*this, {{"kind", "interval"}, {"every_seconds", 1}});
  std::string id = job["id"];
  // Every poll: never more than one run of the job waits, however many
  // slots pass while the manual run (and then the job's own) copies.
  json entry;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    CHECK(queued_runs_of(*this, id) <= 1);
    entry = recurring_entry(*this, id);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (entry["skipped_firings"].get<int>() < 2
           && std::chrono::steady_clock::now() < until);
  REQUIRE(entry["skipped_firings"].get<int>() >= 2);
  CHECK_FALSE(entry["last_skipped_at"].is_null());
  CHECK(entry["last_skip_reason"].get<std::string>().find("still waiting")
        != std::string::npos);
  // Pausing removes the waiting run: it ends cancelled, never started.
  std::string waiting_id;
  until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waiting_id.empty() && std::chrono::steady_clock::now() < until) {
    for (auto& run : runs_of(*this, id))
      if (run["status"] == "queued")
        waiting_id = run["id"];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_FALSE(waiting_id.empty());
  REQUIRE(alice.post(org_path() + "/recurring-jobs/" + id + "/pause", {})
            .status
          == 200);
  CHECK(queued_runs_of(*this, id) == 0);
  auto waiting = get_run(waiting_id);
  if (waiting["status"] == "cancelled") {
    check_cancelled_unstarted(*this, waiting_id, "paused");
  } else {
    // It had just started when the pause came: pausing leaves a running
    // run alone.
    CHECK(waiting["status"] != "queued");
  }
  CHECK(recurring_entry(*this, id)["state"] == "paused");
  for (auto& run : runs_of(*this, id))
    wait_for_run(run["id"]);
  CHECK(wait_for_run(manual_id)["status"] == "succeeded");
}

TEST_CASE_METHOD(slow_sync_fixture, "a queued run can be cancelled, and "
                                    "deleting its job cancels the next one, "
                                    "neither ever starts") {
  auto manual_id = start_manual_sync();
  auto job = recurring_sync(*this, {{"kind", "interval"}, {"every_seconds", 1}});
  std::string id = job["id"];
  auto queued = wait_for_runs(*this, id, 1)[0];
  std::string queued_id = queued["id"];
  REQUIRE(queued["status"] == "queued");
  auto cancel = alice.post(org_path() + "/runs/" + queued_id + "/cancel", {});
  REQUIRE(cancel.status == 202);
  CHECK(cancel.data()["status"] == "cancelling");
  check_cancelled_unstarted(*this, queued_id, "a user cancelled it");
  // A manual job still gets 409 while a run is active (one at a time).
  CHECK(submit_sync("main", "staging").error_code() == "job_in_progress");
  // The next firing queues a new run; deleting the job cancels it.
  auto runs = wait_for_runs(*this, id, 2);
  std::string next_id = runs[0]["id"];
  bool next_waits = runs[0]["status"] == "queued";
  REQUIRE(alice.del(org_path() + "/recurring-jobs/" + id).status == 204);
  // Answered once the waiting run's end is durable: none waits now.
  CHECK(queued_runs_of(*this, id) == 0);
  if (next_waits && get_run(next_id)["status"] == "cancelled")
    check_cancelled_unstarted(*this, next_id, "deleted");
  // A cancelled run's id cannot be cancelled again.
  CHECK(alice.post(org_path() + "/runs/" + queued_id + "/cancel", {})
          .error_code()
        == "not_running");
  CHECK(wait_for_run(manual_id)["status"] == "succeeded");
  for (auto& run : runs_of(*this, id))
    CHECK(wait_for_run(run["id"])["status"] != "queued");
}

TEST_CASE_METHOD(org_fixture, "an organization holds at most 100 recurring "
                              "jobs") {
  create_environment("main", "staging");
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i)
    ids.push_back(recurring_sync(*this, {{"kind", "daily"},
                                         {"at", "03:00"}})["id"]);
  auto refused = alice.post(org_path() + "/jobs",
                            {{"name", "One too many"},
                             {"type", "sync_environments"},
                             {"base_environment", "main"},
                             {"target_environment", "staging"},
                             {"schedule", {{"kind", "daily"},
                                           {"at", "03:00"}}}});
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "limit_reached");
  // A paused job still counts; a deleted one frees its place.
  REQUIRE(alice.post(org_path() + "/recurring-jobs/" + ids[0] + "/pause", {})
            .status
          == 200);
  CHECK(alice.post(org_path() + "/jobs",
                   {{"name", "Still too many"},
                    {"type", "sync_environments"},
                    {"base_environment", "main"},
                    {"target_environment", "staging"},
                    {"schedule", {{"kind", "hourly"}, {"minute", 5}}}})
          .error_code()
        == "limit_reached");
  REQUIRE(alice.del(org_path() + "/recurring-jobs/" + ids[1]).status == 204);
  recurring_sync(*this, {{"kind", "hourly"}, {"minute", 5}});
  // Run-now jobs are not limited by it.
  CHECK(sync_and_wait("main", "staging")["status"] == "succeeded");
}

TEST_CASE_METHOD(slow_sync_fixture, "a queued run cancelled before it "
                                    "starts ends its event stream with its "
                                    "line and a final frame") {
  auto manual_id = start_manual_sync();
  auto job = recurring_sync(*this, {{"kind", "interval"}, {"every_seconds", 1}});
  auto queued = wait_for_runs(*this, job["id"], 1)[0];
  std::string queued_id = queued["id"];
  REQUIRE(queued["status"] == "queued");
  ws_client stream{server.port(), org_path() + "/runs/" + queued_id + "/events",
                   alice_token()};
  auto first = stream.next(std::chrono::seconds(30));  // the stream's opening run frame
  REQUIRE(first);
  CHECK((*first)["type"] == "run");
  REQUIRE(alice.post(org_path() + "/runs/" + queued_id + "/cancel", {}).status
          == 202);
  std::vector<json> logs;
  json last;
  for (;;) {
    auto frame = stream.next(std::chrono::seconds(30));
    REQUIRE(frame);  // a stream that never ends fails here
    if ((*frame)["type"] == "log")
      logs.push_back(*frame);
    if ((*frame)["type"] == "run"
        && (*frame)["run"]["status"] != "queued") {
      last = *frame;
      break;
    }
  }
  auto stored = get_run(queued_id);
  CHECK(last["run"]["status"] == "cancelled");
  CHECK(last.contains("sent_at"));  // made as every other frame is
  CHECK(last["run"]["finished_at"] == stored["finished_at"]);
  CHECK(last["run"]["total_logs"] == stored["total_logs"]);
  REQUIRE(last["run"]["tasks"].size() == 2);
  for (auto& task : last["run"]["tasks"])
    CHECK(task["status"] == "cancelled");
  REQUIRE(logs.size() == 1);
  CHECK(logs[0]["seq"] == 1);
  CHECK(logs[0]["message"] == all_logs(queued_id).at(0)["message"]);
  REQUIRE(alice.del(org_path() + "/recurring-jobs/" + job["id"].get<std::string>())
            .status
          == 204);
  CHECK(wait_for_run(manual_id)["status"] == "succeeded");
}

TEST_CASE_METHOD(slow_sync_fixture, "ten recurring jobs of one organization "
                                    "firing in the same seconds: every slot "
                                    "is recorded, as a run or a skip, and "
                                    "their runs are in slot order") {
  using std::chrono::system_clock;
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             system_clock::now().time_since_epoch())
      .count();
  };
  auto manual_id = start_manual_sync();
  // Every job has the same phase (to the second) as most of the others: a
  // scheduler pass fires them together, to the organization in one batch.
  struct held {
    std::string id;
    int64_t posted = 0;    // before its POST: its created_at is later
    int64_t answered = 0;  // after its 201
    int64_t pause_sent = 0, pause_answered = 0;
  };
  std::vector<held> jobs;
  for (int i = 0; i < 10; ++i) {
    held job;
    job.posted = now();
    job.id = recurring_sync(*this, {{"kind", "interval"},
                                    {"every_seconds", 1}})["id"];
    job.answered = now();
    jobs.push_back(job);
  }
  // Until each job was skipped at least once: its run waited behind the
  // manual run (or another job's) while its next slot came.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (bool all_skipped = false; !all_skipped;) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    all_skipped = true;
    for (auto& job : jobs) {
      CHECK(queued_runs_of(*this, job.id) <= 1);
      all_skipped = all_skipped
                    && recurring_entry(*this, job.id)["skipped_firings"]
                           .get<int>()
                         >= 1;
    }
    if (!all_skipped)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& job : jobs) {
    job.pause_sent = now();
    REQUIRE(alice.post(org_path() + "/recurring-jobs/" + job.id + "/pause", {})
              .status
            == 200);
    job.pause_answered = now();
    CHECK(queued_runs_of(*this, job.id) == 0);
  }
  // Every slot from the job's creation to its pause is a run or a skip.
  // Its slots are created_at (to the second) + k s, k >= 1; created_at lies
  // between the POST and its answer. The scheduler may fire a slot a little
  // late, so the lower bound leaves the last second before the pause out.
  auto slots = [](int64_t anchor, int64_t until) {
    return until <= anchor ? int64_t{0} : (until - anchor) / 1000;
  };
  for (auto& job : jobs) {
    auto runs = runs_of(*this, job.id);
    auto skipped = recurring_entry(*this, job.id)["skipped_firings"]
                     .get<int64_t>();
    auto recorded = static_cast<int64_t>(runs.size()) + skipped;
    INFO("job " << job.id << ": " << runs.size() << " runs, " << skipped
                << " skipped");
    CHECK(recorded >= slots(job.answered, job.pause_sent - 1000));
    CHECK(recorded <= slots(job.posted / 1000 * 1000, job.pause_answered));
    CHECK(runs.size() >= 1);
    for (auto& run : runs) {
      CHECK(run["trigger"] == "schedule");
      CHECK(run["scheduled_at"].is_string());
    }
  }
  // The organization's scheduled runs, oldest first: recorded pass by pass,
  // so their slots never go back (RFC 3339 UTC times compare as text).
  auto page = alice.get(org_path() + "/runs?limit=500").data()["runs"];
  std::vector<std::pair<int64_t, std::string>> scheduled;
  for (auto& run : page)
    if (run["trigger"] == "schedule")
      scheduled.emplace_back(std::stoll(run["id"].get<std::string>()),
                             run["scheduled_at"].get<std::string>());
  std::sort(scheduled.begin(), scheduled.end());
  REQUIRE(scheduled.size() >= 10);
  for (size_t i = 1; i < scheduled.size(); ++i)
    CHECK(scheduled[i - 1].second <= scheduled[i].second);
  for (auto& run : page)
    wait_for_run(run["id"]);
  CHECK(wait_for_run(manual_id)["status"] == "succeeded");
}
