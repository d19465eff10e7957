// Faults an actor must survive, injected into the real server with the
// test-only DOWNHILL_FAULT_AT (actors/fault_injection.hpp): an error answer
// from the control-plane writer, and an organization's actor that stops in
// the middle of a run. Either way the run ends failed or interrupted, its
// target keeps its old data, and the organization (and every other one)
// keeps working.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
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
