// Failures inside the actors reach the API as values, never as sentinels or
// silence: a recurring job the control plane could not store answers 500,
// a scheduled firing whose run could not be stored is counted as a skipped
// firing with its reason, and a recurring job is found only through its own
// organization. Faults are injected into the real server with the test-only
// DOWNHILL_FAULT_AT (actors/fault_injection.hpp).
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

using namespace downhill::testing;

namespace {

struct failure_fixture : org_fixture {
  failure_fixture() { create_environment("main", "staging"); }

  /// Restarts the server with a fault armed (for this one process only).
  void restart_with_fault(const std::string& fault) {
    REQUIRE(server.stop() == 0);
    setenv("DOWNHILL_FAULT_AT", fault.c_str(), 1);
    server.start();
    unsetenv("DOWNHILL_FAULT_AT");
    reconnect();
  }

  response post_recurring_sync() {
    return alice.post(org_path() + "/jobs",
                      {{"name", "Recurring sync"},
                       {"type", "sync_environments"},
                       {"base_environment", "main"},
                       {"target_environment", "staging"},
                       {"schedule",
                        {{"kind", "interval"}, {"every_seconds", 1}}}});
  }

  json recurring_jobs() {
    auto r = alice.get(org_path() + "/recurring-jobs");
    REQUIRE(r.status == 200);
    return r.data()["recurring_jobs"];
  }

  json recurring_entry(const std::string& job_id) {
    for (auto& job : recurring_jobs())
      if (job["job_id"] == job_id)
        return job;
    return nullptr;
  }

  size_t runs_of(const std::string& job_id) {
    size_t count = 0;
    auto page = alice.get(org_path() + "/runs?limit=500").data();
    for (auto& run : page["runs"])
      count += run["job_id"] == job_id;
    return count;
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
};

} // namespace

TEST_CASE_METHOD(failure_fixture, "a recurring job the control plane cannot "
                                  "store answers 500 and leaves no job") {
  restart_with_fault("job-insert");
  auto refused = post_recurring_sync();
  CHECK(refused.status == 500);
  CHECK(refused.data()["error"]["code"] == "internal");
  CHECK(refused.data()["error"].contains("error_id"));
  CHECK(recurring_jobs().empty());
  // The fault happened once: the same request is stored now, and fires.
  auto stored = post_recurring_sync();
  REQUIRE(stored.status == 201);
  std::string id = stored.data()["job"]["id"];
  CHECK(recurring_jobs().size() == 1);
  eventually("the stored job fires", [&] { return runs_of(id) >= 1; });
}

TEST_CASE_METHOD(failure_fixture, "a firing whose run cannot be stored is "
                                  "counted as skipped, with its reason, and "
                                  "the schedule goes on") {
  restart_with_fault("firing-insert");
  auto r = post_recurring_sync();
  REQUIRE(r.status == 201);
  std::string id = r.data()["job"]["id"];
  json entry;
  eventually("the lost firing is counted", [&] {
    entry = recurring_entry(id);
    return !entry.is_null() && entry["skipped_firings"].get<int>() >= 1;
  });
  CHECK_FALSE(entry["last_skipped_at"].is_null());
  CHECK(entry["last_skip_reason"].get<std::string>().find(
          "could not be stored")
        != std::string::npos);
  CHECK(entry["state"] == "active");
  // The next slot creates its run as usual.
  eventually("a later firing runs", [&] { return runs_of(id) >= 1; });
}

TEST_CASE_METHOD(failure_fixture, "a recurring job of another organization "
                                  "is not found through this one") {
  auto r = post_recurring_sync();
  REQUIRE(r.status == 201);
  std::string id = r.data()["job"]["id"];
  REQUIRE(admin.post("/api/v1/orgs", {{"name", "globex"}}).status == 201);
  auto user = admin.post("/api/v1/orgs/globex/users", {{"name", "bob"}});
  REQUIRE(user.status == 201);
  auto bob = alice.with_token(user.data()["token"]);
  auto path = "/api/v1/orgs/globex/recurring-jobs/" + id;
  for (auto& answer : {bob.post(path + "/pause", json::object()),
                       bob.post(path + "/resume", json::object()),
                       bob.del(path)}) {
    CHECK(answer.status == 404);
    CHECK(answer.data()["error"]["code"] == "not_found");
  }
  // Untouched in its own organization.
  CHECK(recurring_entry(id)["state"] == "active");
  CHECK(alice.post(org_path() + "/recurring-jobs/" + id + "/pause",
                   json::object())
          .status
        == 200);
  CHECK(recurring_entry(id)["state"] == "paused");
}
