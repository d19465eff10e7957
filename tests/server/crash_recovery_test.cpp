// The process dies at any instant of a run (SIGKILL, from outside or at a
// named crash point); the next start must leave every environment whole:
// old data (or new, once the switch committed), no lock, no leftovers.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include "persistence/crash_points.hpp"

#include <boost/system/system_error.hpp>
#include <catch2/catch.hpp>

#include <iterator>
#include <optional>

using namespace downhill::testing;
using downhill::persistence::every_crash_point;

namespace {

struct crash_fixture : org_fixture {
  crash_fixture()
    : org_fixture({"--copy-rate-limit", "4M"}), files(server.data_dir()) {
    fill("main", "base", 24, 128 * 1024);  // about 3 MiB
    create_environment("main", "staging");
    put_entry("staging", "staging-only", "Staging only", "old data");
    put_entry("main", "main-only", "Main only", "new data");
    REQUIRE(alice.post(env_path("staging") + "/webhooks", {{"name", "hook"}})
              .status
            == 201);
    staging_before = files.checksums(org, "staging");
    main_now = files.checksums(org, "main");
  }

  /// Restarts the server with a crash point armed.
  void restart_armed(const std::string& crash_point) {
    REQUIRE(server.stop() == 0);
    server.start(crash_point);
    reconnect();
  }

  /// Submits a sync of main into staging to a server armed with a crash
  /// point, waits for the crash point to kill it, starts it again (nothing
  /// armed) and returns the run. The run starts as soon as it is submitted,
  /// so the crash point may fire before the server has written the
  /// submission's answer: a dropped connection is accepted, and the run is
  /// found through `GET runs` after the restart instead. It must be the
  /// only sync there is, and the one the answer named if there was one.
  json submit_sync_and_crash() {
    std::optional<std::string> answered_id;
    std::string dropped;
    try {
      auto r = submit_sync("main", "staging");
      REQUIRE(r.status == 201);
      answered_id = r.data()["run"]["id"].get<std::string>();
    } catch (const boost::system::system_error& e) {
      // The server died before answering: only the crash point can do that,
      // which the exit status below checks.
      dropped = e.what();
    }
    INFO("the submission's connection: "
         << (dropped.empty() ? "answered" : "dropped (" + dropped + ")"));
    CHECK(server.wait_exit() == 137);
    server.start();
    reconnect();
    auto listed = alice.get(org_path() + "/runs");
    REQUIRE(listed.status == 200);
    auto runs = listed.data()["runs"];
    std::vector<json> syncs;
    for (auto& run : runs)
      if (run["type"] == "sync_environments")
        syncs.push_back(run);
    REQUIRE(syncs.size() == 1);
    CHECK(syncs[0]["base_environment"] == "main");
    CHECK(syncs[0]["target_environment"] == "staging");
    std::string run_id = syncs[0]["id"];
    if (answered_id)
      CHECK(run_id == *answered_id);
    return get_run(run_id);
  }

  /// Starts the server again (nothing armed) and reads the run.
  json restart_and_get(const std::string& run_id) {
    server.start();
    reconnect();
    return get_run(run_id);
  }

  void check_target_whole_and_free(bool expect_new) {
    auto now = files.checksums(org, "staging");
    if (expect_new) {
      for (auto synced : {"entries", "settings", "index"})
        CHECK(now[synced] == main_now[synced]);
      CHECK(now["webhooks"] == staging_before["webhooks"]);
    } else {
      CHECK(now == staging_before);
    }
    // Not locked any more: content requests work.
    CHECK(alice.get(env_path("staging") + "/entries/main-only").status
          == (expect_new ? 200 : 404));
    CHECK(alice.get(env_path("staging") + "/entries/staging-only").status
          == (expect_new ? 404 : 200));
    // The organization's first request since the restart started its actor,
    // which removed its leftovers first (or the start-up sweep did earlier).
    CHECK(files.leftovers().empty());
    for (auto& env : environments())
      CHECK(env["status"] == "ready");
    // And a new job can run.
    CHECK(sync_and_wait("main", "staging")["status"] == "succeeded");
  }

  void check_interrupted(const json& run) {
    CHECK(run["status"] == "interrupted");
    CHECK(run["total_errors"].get<int>() >= 1);
    CHECK_FALSE(run["finished_at"].is_null());
    for (auto& task : run["tasks"])
      CHECK(task["status"] != "running");
  }

  store_inspector files;
  std::map<std::string, std::string> staging_before;
  std::map<std::string, std::string> main_now;
};

} // namespace

TEST_CASE_METHOD(crash_fixture, "a sync killed at any crash point leaves "
                                "the old data, or the new data and the run's "
                                "success once its switch committed") {
  // Every crash point there is (persistence/crash_points.hpp): a new one
  // is covered here without a test of its own.
  auto point = GENERATE(from_range(std::begin(every_crash_point),
                                   std::end(every_crash_point)));
  INFO("crash point " << point.name);
  restart_armed(point.name);
  auto run = submit_sync_and_crash();
  if (point.after_switch_commit)
    CHECK(run["status"] == "succeeded");
  else
    check_interrupted(run);
  check_target_whole_and_free(point.after_switch_commit);
}

TEST_CASE_METHOD(crash_fixture, "a SIGKILL from outside while the copy runs "
                                "leaves the old data") {
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  wait_for_progress(run_id, 30);
  server.kill_hard();
  check_interrupted(restart_and_get(run_id));
  check_target_whole_and_free(false);
}

TEST_CASE_METHOD(crash_fixture, "a create killed mid-copy leaves no "
                                "environment behind") {
  auto r = submit_create("main", "preview");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  wait_for_progress(run_id, 20);
  server.kill_hard();
  check_interrupted(restart_and_get(run_id));
  CHECK(files.environment_dir(org, "preview").empty());
  CHECK(environments().size() == 2);
  CHECK(alice.get(env_path("preview") + "/entries").status == 404);
  CHECK(files.leftovers().empty());
}

TEST_CASE_METHOD(crash_fixture, "SIGTERM stops a running sync at a safe "
                                "point and exits 0") {
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  wait_for_progress(run_id, 10);
  CHECK(server.stop() == 0);
  CHECK(files.leftovers().empty());
  auto run = restart_and_get(run_id);
  CHECK(run["status"] == "interrupted");
  check_target_whole_and_free(false);
}
