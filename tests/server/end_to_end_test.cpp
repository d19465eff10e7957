// The foundation's scenario, end to end over real HTTP on a real server.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace downhill::testing;

namespace {

bool has_message(const std::vector<json>& logs, const std::string& task,
                 const std::string& prefix) {
  return std::any_of(logs.begin(), logs.end(), [&](const json& log) {
    return log["task"] == task
           && log["message"].get<std::string>().rfind(prefix, 0) == 0;
  });
}

std::map<std::string, std::string> titles(const std::vector<json>& entries) {
  std::map<std::string, std::string> result;
  for (auto& e : entries)
    result[e["id"]] = e["title"];
  return result;
}

} // namespace

TEST_CASE("create staging from main, change main, sync: staging has main's "
          "new data and keeps its own webhook") {
  org_fixture f;
  for (int i = 0; i < 200; ++i)
    f.put_entry("main", "entry-" + std::to_string(i),
                "Article " + std::to_string(i),
                "Body text of article number " + std::to_string(i));

  // Create staging with a Create Environment job.
  auto created = f.submit_create("main", "staging", "Staging");
  REQUIRE(created.status == 201);
  auto create_run = f.wait_for_run(created.data()["run"]["id"]);
  REQUIRE(create_run["status"] == "succeeded");
  CHECK(create_run["created_by"] == "alice");
  CHECK(f.all_entries("staging").size() == 200);
  auto envs = f.environments();
  REQUIRE(envs.size() == 2);
  CHECK(envs[1]["id"] == "staging");
  CHECK(envs[1]["parent"] == "main");
  CHECK(envs[1]["display_name"] == "Staging");
  CHECK(envs[1]["status"] == "ready");

  // Staging's own webhook, created before the sync.
  auto hook = f.alice.post(f.env_path("staging") + "/webhooks",
                           {{"name", "deploy-preview"},
                            {"url", "https://example.test/hook"}});
  REQUIRE(hook.status == 201);
  // A webhook of main's, which a sync must not copy.
  REQUIRE(f.alice.post(f.env_path("main") + "/webhooks",
                       {{"name", "main-only"}})
            .status
          == 201);

  // Change and add entries in main.
  f.put_entry("main", "entry-7", "Article 7, revised", "New body");
  f.put_entry("main", "brand-new", "Zeppelin arrives",
              "An entry about a zeppelin");
  REQUIRE(f.alice.del(f.env_path("main") + "/entries/entry-9").status == 204);

  auto run = f.sync_and_wait("main", "staging");
  REQUIRE(run["status"] == "succeeded");
  CHECK(run["type"] == "sync_environments");
  CHECK(run["trigger"] == "manual");
  CHECK(run["created_by"] == "alice");
  CHECK(run["total_errors"] == 0);
  CHECK(run["elapsed_ms"].get<int64_t>() >= 0);
  for (auto& task : run["tasks"]) {
    CHECK(task["status"] == "succeeded");
    CHECK(task["percent"] == 100);
  }

  // Staging returns main's new data.
  auto staging = titles(f.all_entries("staging"));
  CHECK(staging == titles(f.all_entries("main")));
  CHECK(staging.at("entry-7") == "Article 7, revised");
  CHECK(staging.count("entry-9") == 0);
  auto got = f.alice.get(f.env_path("staging") + "/entries/brand-new");
  REQUIRE(got.status == 200);
  CHECK(got.data()["title"] == "Zeppelin arrives");

  // Its search index was synced too.
  auto hits = f.alice.get(f.env_path("staging") + "/search?q=zeppelin");
  REQUIRE(hits.status == 200);
  REQUIRE(hits.data()["hits"].size() == 1);
  CHECK(hits.data()["hits"][0]["id"] == "brand-new");

  // Its own webhook is still there, and main's was not copied.
  auto hooks = f.alice.get(f.env_path("staging") + "/webhooks").data();
  REQUIRE(hooks["webhooks"].size() == 1);
  CHECK(hooks["webhooks"][0]["name"] == "deploy-preview");
  CHECK(hooks["webhooks"][0]["url"] == "https://example.test/hook");

  // The logs carry each of the seed's messages, and are all counted.
  auto logs = f.all_logs(run["id"]);
  CHECK(run["total_logs"] == logs.size());
  CHECK(has_message(logs, "Sync Database Data",
                    "Database data clone progress: "));
  CHECK(has_message(logs, "Sync Database Data",
                    "Replication completed successfully."));
  CHECK(has_message(logs, "Sync Indexed Data", "Creating Snapshot Progress: "));
  CHECK(has_message(logs, "Sync Indexed Data",
                    "Restoring Snapshot Progress: "));
  CHECK(has_message(logs, "Sync Indexed Data",
                    "Indexed Data Synced Successfully"));
  for (size_t i = 0; i < logs.size(); ++i)
    CHECK(logs[i]["seq"] == i + 1);
}

TEST_CASE("a create copies presets and teams but not webhooks, integrations "
          "or entry versions") {
  org_fixture f;
  f.put_entry("main", "a", "Alpha", "first");
  f.put_entry("main", "a", "Alpha two", "second");
  for (auto kind : {"webhooks", "integrations", "presets", "teams"})
    REQUIRE(f.alice.post(f.env_path("main") + "/" + kind,
                         {{"name", std::string{"main-"} + kind}})
              .status
            == 201);
  f.create_environment("main", "preview");
  auto state = f.environment_state("preview");
  CHECK(state["webhooks"]["webhooks"].empty());
  CHECK(state["integrations"]["integrations"].empty());
  REQUIRE(state["presets"]["presets"].size() == 1);
  CHECK(state["presets"]["presets"][0]["name"] == "main-presets");
  REQUIRE(state["teams"]["teams"].size() == 1);
  auto versions = f.alice.get(f.env_path("preview") + "/entries/a/versions");
  REQUIRE(versions.status == 200);
  CHECK(versions.data()["versions"].empty());
  CHECK(f.alice.get(f.env_path("preview") + "/entries/a").data()["title"]
        == "Alpha two");
}

TEST_CASE("a run's logs page with after and limit") {
  org_fixture f;
  f.put_entry("main", "a", "Alpha", "first");
  f.create_environment("main", "staging");
  auto run = f.sync_and_wait("main", "staging");
  auto all = f.all_logs(run["id"]);
  REQUIRE(all.size() >= 5);
  auto path = f.org_path() + "/runs/" + run["id"].get<std::string>() + "/logs";
  auto page = f.alice.get(path + "?after=2&limit=2").data();
  REQUIRE(page["logs"].size() == 2);
  CHECK(page["logs"][0]["seq"] == 3);
  CHECK(page["logs"][1]["seq"] == 4);
  CHECK(page["next"] == 4);
  CHECK(f.alice.get(path + "?limit=0").error_code() == "invalid_field");
}

TEST_CASE("the Jobs tab lists runs newest first and a job names its latest "
          "run") {
  org_fixture f;
  f.create_environment("main", "staging");
  auto sync = f.sync_and_wait("main", "staging");
  auto runs = f.alice.get(f.org_path() + "/runs").data()["runs"];
  REQUIRE(runs.size() == 2);
  CHECK(runs[0]["id"] == sync["id"]);
  CHECK(runs[1]["type"] == "create_environment");
  auto older = f.alice.get(f.org_path() + "/runs?before="
                           + sync["id"].get<std::string>())
                 .data()["runs"];
  REQUIRE(older.size() == 1);
  CHECK(older[0]["type"] == "create_environment");
  auto job = f.alice.get(f.org_path() + "/jobs/"
                         + sync["job_id"].get<std::string>());
  REQUIRE(job.status == 200);
  CHECK(job.data()["latest_run_id"] == sync["id"]);
  CHECK(job.data()["target_environment"] == "staging");
  CHECK(f.alice.get(f.org_path() + "/jobs").data()["jobs"].size() == 2);
}
