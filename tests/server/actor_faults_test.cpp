// Faults an actor must survive, injected into the real server with the
// test-only DOWNHILL_FAULT_AT (actors/fault_injection.hpp): an error answer
// from the control-plane writer, and an organization's actor that stops in
// the middle of a run. Either way the run ends failed or interrupted, its
// target keeps its old data, and the organization (and every other one)
// keeps working.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <thread>

using namespace downhill::testing;

namespace {

struct fault_fixture : org_fixture {
  fault_fixture()
    : org_fixture({"--copy-rate-limit", "4M"}), files(server.data_dir()) {
    fill("main", "base", 24, 128 * 1024);  // about 3 MiB: a second or more
    create_environment("main", "staging");
    put_entry("staging", "staging-only", "Staging only", "old data");
    put_entry("main", "main-only", "Main only", "new data");
    staging_before = files.checksums(org, "staging");
    // A second organization, which must not notice anything.
    REQUIRE(admin.post("/api/v1/orgs", {{"name", "globex"}}).status == 201);
    auto user = admin.post("/api/v1/orgs/globex/users", {{"name", "bob"}});
    REQUIRE(user.status == 201);
    bob = alice.with_token(user.data()["token"]);
  }

  /// Restarts the server with a fault armed (for this one process only).
  void restart_with_fault(const std::string& fault) {
    REQUIRE(server.stop() == 0);
    setenv("DOWNHILL_FAULT_AT", fault.c_str(), 1);
    server.start();
    unsetenv("DOWNHILL_FAULT_AT");
    reconnect();
    bob = bob.with_port(server.port());
  }

  /// Polls until `probe` answers true (or the deadline passes: failure).
  template <class Probe>
  void eventually(const char* what, Probe probe) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!probe()) {
      if (std::chrono::steady_clock::now() > until)
        FAIL("timed out waiting until " << what);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  /// The target has its old data, read through the content API, and the
  /// files on disk are exactly the old ones, with nothing left over.
  void check_staging_old_and_free() {
    CHECK(alice.get(env_path("staging") + "/entries/staging-only").status
          == 200);
    CHECK(alice.get(env_path("staging") + "/entries/main-only").status
          == 404);
    CHECK(files.checksums(org, "staging") == staging_before);
    eventually("the run's files are removed",
               [&] { return files.leftovers().empty(); });
    for (auto& env : environments())
      CHECK(env["status"] == "ready");
  }

  /// The organization and another one go on working.
  void check_both_organizations_work() {
    auto next = sync_and_wait("main", "staging");
    CHECK(next["status"] == "succeeded");
    CHECK(alice.get(env_path("staging") + "/entries/main-only").status
          == 200);
    auto other = bob.post("/api/v1/orgs/globex/jobs",
                          {{"name", "Create QA"},
                           {"type", "create_environment"},
                           {"base_environment", "main"},
                           {"new_environment", "qa"}});
    REQUIRE(other.status == 201);
    std::string other_id = other.data()["run"]["id"];
    json run;
    eventually("globex's run ends", [&] {
      run = bob.get("/api/v1/orgs/globex/runs/" + other_id).data();
      return run["status"] != "running";
    });
    CHECK(run["status"] == "succeeded");
    CHECK(bob.get("/api/v1/orgs/globex/environments/qa/entries").status
          == 200);
  }

  store_inspector files;
  std::map<std::string, std::string> staging_before;
  http_client bob{0};
};

} // namespace

TEST_CASE_METHOD(fault_fixture, "a writer error at the switch fails the run, "
                                "the target keeps its data and the "
                                "organization keeps working") {
  restart_with_fault("writer-commit");
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  auto run = wait_for_run(r.data()["run"]["id"]);
  CHECK(run["status"] == "failed");
  CHECK(run["total_errors"].get<int>() >= 1);
  bool error_logged = false;
  for (auto& line : all_logs(run["id"]))
    error_logged |= line["level"] == "error"
                    && line["message"].get<std::string>().find(
                         "injected fault writer-commit")
                         != std::string::npos;
  CHECK(error_logged);
  check_staging_old_and_free();
  check_both_organizations_work();
}

TEST_CASE_METHOD(fault_fixture, "an organization whose actor stops mid-run "
                                "gets a new one and the run ends "
                                "interrupted with its target whole") {
  restart_with_fault("org-quit");
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  auto run = wait_for_run(run_id);
  CHECK(run["status"] == "interrupted");
  CHECK_FALSE(run["finished_at"].is_null());
  for (auto& task : run["tasks"])
    CHECK(task["status"] != "running");
  bool said_why = false;
  for (auto& line : all_logs(run_id))
    said_why |= line["message"].get<std::string>().find(
                  "organization's actor stopped unexpectedly")
                != std::string::npos;
  CHECK(said_why);
  // The organization is served by its new actor (at once, or after a
  // moment's 503 while it is rebuilt).
  eventually("the organization answers again", [&] {
    return alice.get(org_path() + "/environments").status == 200;
  });
  check_staging_old_and_free();
  check_both_organizations_work();
}

TEST_CASE_METHOD(fault_fixture, "an organization whose actor stops with its "
                                "run's actor dead gets a new one, the run's "
                                "files are removed, and a sync started at "
                                "once builds whole data") {
  // The run's actor dies with the organization's actor, so the successor
  // finds a dead run with a half-built generation on disk; its removal
  // starts late (slow-removal), while the next sync of the same target is
  // already copying. That sync must build beside it, not into it.
  restart_with_fault("org-quit-kill-run,slow-removal");
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  auto run = wait_for_run(run_id);
  CHECK(run["status"] == "interrupted");
  CHECK_FALSE(run["finished_at"].is_null());
  // At once: 503 while the organization is rebuilt, 409 until the dead
  // run is ended.
  response next{};
  eventually("a new sync is accepted", [&] {
    next = submit_sync("main", "staging");
    return next.status == 201;
  });
  auto synced = wait_for_run(next.data()["run"]["id"]);
  CHECK(synced["status"] == "succeeded");
  CHECK(alice.get(env_path("staging") + "/entries/main-only").status == 200);
  CHECK(alice.get(env_path("staging") + "/entries/staging-only").status
        == 404);
  auto sorted = [](std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  auto staging_ids = sorted(files.entry_ids(org, "staging"));
  CHECK(staging_ids == sorted(files.entry_ids(org, "main")));
  CHECK(sorted(files.indexed_ids(org, "staging")) == staging_ids);
  eventually("the dead run's files are removed",
             [&] { return files.leftovers().empty(); });
  for (auto& env : environments())
    CHECK(env["status"] == "ready");
  check_both_organizations_work();
}

TEST_CASE_METHOD(fault_fixture, "an organization's actor that stops right "
                                "after committing a switch leaves the target "
                                "readable and the server able to stop") {
  // The switch's commit step waits for the org actor's answer holding the
  // target's guard exclusively. The actor answers before it releases the
  // run (which throws here), so the guard is let go at once: requests on
  // the target are served, and the server stops.
  restart_with_fault("release-throw");
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  auto run = wait_for_run(r.data()["run"]["id"]);
  CHECK(run["status"] == "succeeded");
  eventually("the target is served with the new data", [&] {
    return alice.get(env_path("staging") + "/entries/main-only").status
           == 200;
  });
  CHECK(alice.get(env_path("staging") + "/entries/staging-only").status
        == 404);
  eventually("the run's files are removed",
             [&] { return files.leftovers().empty(); });
  check_both_organizations_work();
  CHECK(server.stop() == 0);
}

TEST_CASE_METHOD(fault_fixture, "while a run's end is being committed, its "
                                "organization answers other requests, and "
                                "what concerns the run waits for its end") {
  // The writer holds the first run end's commit for 5 s (slow-end-commit).
  auto log = server.data_dir() / "slow-end-commit.log";
  server.restart_settings(log, {"--copy-rate-limit", "4M"});
  restart_with_fault("slow-end-commit");
  auto first = submit_sync("main", "staging");
  REQUIRE(first.status == 201);
  std::string first_id = first.data()["run"]["id"];
  eventually("the writer holds the run's end", [&] {
    std::ifstream in{log};
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    return text.find("injected fault slow-end-commit") != std::string::npos;
  });
  // Answered while the commit is held (the org actor does not wait for
  // it): the target still shows the sync, and main serves its entries.
  bool listed = false;
  for (auto& env : environments())
    if (env["id"] == "staging") {
      listed = true;
      CHECK(env["status"] == "locked");
    }
  CHECK(listed);
  CHECK(alice.get(env_path("main") + "/entries/main-only").status == 200);
  // Two run-now jobs and a read of the target wait for the end, then are
  // answered as if sent after it: one job starts, the other finds it
  // running (409), never two runs at once; the read is not told 423.
  auto launched = std::chrono::steady_clock::now();
  auto create = [&](const char* alias) {
    return std::async(std::launch::async,
                      [&, alias] { return submit_create("main", alias); });
  };
  auto qa = create("qa");
  auto read = std::async(std::launch::async, [&] {
    return alice.get(env_path("staging") + "/entries/main-only");
  });
  auto uat = create("uat");
  std::vector<response> jobs{qa.get(), uat.get()};
  auto read_answer = read.get();
  // They waited for the held commit (5 s from its log line), not answered
  // at once: else this test would show nothing about waiting.
  CHECK(std::chrono::steady_clock::now() - launched
        >= std::chrono::seconds(1));
  CHECK(read_answer.status == 200);
  int started = 0, refused = 0;
  std::string started_id;
  for (auto& job : jobs) {
    if (job.status == 201) {
      ++started;
      started_id = job.data()["run"]["id"];
    } else if (job.error_code() == "job_in_progress") {
      ++refused;
    }
  }
  CHECK(started == 1);
  CHECK(refused == 1);
  CHECK(wait_for_run(first_id)["status"] == "succeeded");
  REQUIRE_FALSE(started_id.empty());
  CHECK(wait_for_run(started_id)["status"] == "succeeded");
}
