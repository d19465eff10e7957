// What makes environment jobs trustworthy: one job at a time, exclusions,
// the atomic switch, locking, cancel, and failures that change nothing.
// Copies are paced (--copy-rate-limit) so that a run of a few megabytes
// lasts long enough to be observed while it runs.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <set>
#include <thread>

using namespace downhill::testing;

namespace {

/// main (3 MiB of entries) with a child `staging` of its own.
struct paced_fixture : org_fixture {
  paced_fixture() : org_fixture({"--copy-rate-limit", "4M"}), files(server.data_dir()) {
    fill("main", "base", 24, 128 * 1024);
    create_environment("main", "staging");
    put_entry("staging", "staging-only", "Staging only", "kept until sync");
    REQUIRE(alice.post(env_path("staging") + "/webhooks",
                       {{"name", "staging-hook"}})
              .status
            == 201);
  }

  std::string start_sync() {
    auto r = submit_sync("main", "staging");
    REQUIRE(r.status == 201);
    return r.data()["run"]["id"];
  }

  store_inspector files;
};

std::set<std::string> ids_of(const std::vector<json>& entries) {
  std::set<std::string> ids;
  for (auto& e : entries)
    ids.insert(e["id"]);
  return ids;
}

} // namespace

TEST_CASE_METHOD(paced_fixture, "two concurrent manual submissions: one 201 "
                                "and one 409 job_in_progress") {
  auto first = std::async(std::launch::async,
                          [&] { return submit_sync("main", "staging"); });
  auto second = std::async(std::launch::async,
                           [&] { return submit_create("main", "qa"); });
  auto a = first.get();
  auto b = second.get();
  std::vector<response> answers{a, b};
  int created = 0;
  int refused = 0;
  std::string run_id;
  std::string refused_with;
  for (auto& r : answers) {
    if (r.status == 201) {
      ++created;
      run_id = r.data()["run"]["id"];
    } else if (r.status == 409) {
      ++refused;
      CHECK(r.error_code() == "job_in_progress");
      refused_with = r.data()["error"]["run_id"];
    }
  }
  CHECK(created == 1);
  CHECK(refused == 1);
  CHECK(refused_with == run_id);
  CHECK(wait_for_run(run_id)["status"] == "succeeded");
  // Once it has ended, the next job is accepted.
  CHECK(submit_create("main", "qa2").status == 201);
}

TEST_CASE("two organizations run their environment jobs at the same time") {
  org_fixture a({"--copy-rate-limit", "4M"});
  REQUIRE(a.admin.post("/api/v1/orgs", {{"name", "globex"}}).status == 201);
  auto bob = a.alice.with_token(
    a.admin.post("/api/v1/orgs/globex/users", {{"name", "bob"}})
      .data()["token"]);
  a.fill("main", "a", 8, 128 * 1024);
  for (int i = 0; i < 8; ++i)
    REQUIRE(bob.put("/api/v1/orgs/globex/environments/main/entries/g"
                      + std::to_string(i),
                    {{"content_type", "a"},
                     {"title", "g"},
                     {"body", std::string(128 * 1024, 'g')}})
              .status
            == 200);
  auto job = [](const std::string& alias) {
    return json{{"name", "create"},
                {"type", "create_environment"},
                {"base_environment", "main"},
                {"new_environment", alias}};
  };
  auto ra = a.alice.post(a.org_path() + "/jobs", job("staging"));
  auto rb = bob.post("/api/v1/orgs/globex/jobs", job("staging"));
  REQUIRE(ra.status == 201);
  REQUIRE(rb.status == 201);
  auto run_a = a.wait_for_run(ra.data()["run"]["id"]);
  json run_b;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    run_b = bob.get("/api/v1/orgs/globex/runs/"
                    + rb.data()["run"]["id"].get<std::string>())
              .data();
  } while (run_b["status"] == "running"
           && std::chrono::steady_clock::now() < until);
  REQUIRE(run_a["status"] == "succeeded");
  REQUIRE(run_b["status"] == "succeeded");
  // RFC 3339 strings of one format compare in time order: the two runs'
  // intervals overlap.
  CHECK(run_a["started_at"] < run_b["finished_at"]);
  CHECK(run_b["started_at"] < run_a["finished_at"]);
}

TEST_CASE_METHOD(paced_fixture, "after a sync the target's own kinds are "
                                "byte-for-byte unchanged and the synced "
                                "kinds equal the base's") {
  REQUIRE(alice.put(env_path("staging") + "/settings", {{"staging", true}})
            .status
          == 200);
  REQUIRE(alice.put(env_path("main") + "/settings", {{"main", true}}).status
          == 200);
  for (auto kind : {"webhooks", "integrations", "presets", "teams"})
    REQUIRE(alice.post(env_path("main") + "/" + kind, {{"name", "base"}})
              .status
            == 201);
  REQUIRE(alice.post(env_path("staging") + "/presets", {{"name", "mine"}})
            .status
          == 201);
  put_entry("main", "base-3", "Base three, edited", "edited in main");
  auto target_before = files.checksums(org, "staging");
  auto base = files.checksums(org, "main");

  REQUIRE(wait_for_run(start_sync())["status"] == "succeeded");

  auto target_after = files.checksums(org, "staging");
  for (auto kept : {"webhooks", "integrations", "presets", "teams",
                    "entry_versions"})
    CHECK(target_after[kept] == target_before[kept]);
  for (auto synced : {"entries", "content_types", "locales", "assets",
                      "settings", "index"})
    CHECK(target_after[synced] == base[synced]);
  CHECK(target_after["entries"] != target_before["entries"]);
}

TEST_CASE_METHOD(paced_fixture, "while a sync runs its target answers 423 "
                                "and is locked, and the base stays usable") {
  auto run_id = start_sync();
  wait_for_progress(run_id, 1);
  auto locked = alice.get(env_path("staging") + "/entries");
  CHECK(locked.status == 423);
  CHECK(locked.error_code() == "environment_locked");
  CHECK(locked.data()["error"]["run_id"] == run_id);
  CHECK(alice.put(env_path("staging") + "/entries/x",
                  {{"content_type", "a"}, {"title", "x"}})
          .status
        == 423);
  CHECK(alice.get(env_path("staging") + "/search?q=river").status == 423);
  CHECK(alice.post(env_path("staging") + "/webhooks", {{"name", "h"}}).status
        == 423);
  for (auto& env : environments())
    if (env["id"] == "staging") {
      CHECK(env["status"] == "locked");
      CHECK(env["run_id"] == run_id);
    }
  // The base stays readable and writable.
  CHECK(alice.get(env_path("main") + "/entries/base-1").status == 200);
  put_entry("main", "written-during-sync", "During", "while syncing");

  REQUIRE(wait_for_run(run_id)["status"] == "succeeded");
  CHECK(alice.get(env_path("staging") + "/entries").status == 200);
  for (auto& env : environments())
    CHECK(env["status"] == "ready");
}

TEST_CASE_METHOD(paced_fixture, "a reader polling the target during a sync "
                                "sees only 423 or the whole old or new data") {
  put_entry("main", "new-in-main", "New", "only after the sync");
  auto old_ids = ids_of(all_entries("staging"));
  auto new_ids = ids_of(all_entries("main"));
  REQUIRE(old_ids != new_ids);
  std::atomic<bool> done{false};
  int locked = 0, old_seen = 0, new_seen = 0, torn = 0;
  std::thread reader{[&] {
    while (!done) {
      auto r = alice.get(env_path("staging") + "/entries?limit=1000");
      if (r.status == 423) {
        ++locked;
        continue;
      }
      auto ids = ids_of(r.data()["entries"].get<std::vector<json>>());
      if (ids == old_ids)
        ++old_seen;
      else if (ids == new_ids)
        ++new_seen;
      else
        ++torn;
    }
  }};
  auto run = wait_for_run(start_sync());
  // One more read after the run has ended must see the new data.
  done = true;
  reader.join();
  CHECK(run["status"] == "succeeded");
  CHECK(torn == 0);
  CHECK(locked > 0);
  CHECK(ids_of(all_entries("staging")) == new_ids);
}

TEST_CASE_METHOD(paced_fixture, "the copy is one point in time of the base "
                                "while users keep writing to it") {
  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  auto run_id = start_sync();
  std::thread writer{[&] {
    // Sequential writes: a consistent copy holds a prefix of them.
    for (int i = 0; !done && i < 100000; ++i) {
      auto r = alice.put(env_path("main") + "/entries/w-" + std::to_string(i),
                         {{"content_type", "a"},
                          {"title", "w"},
                          {"body", "w" + std::to_string(i)}});
      if (r.status != 200)
        break;
      written = i + 1;
    }
  }};
  auto run = wait_for_run(run_id);
  done = true;
  writer.join();
  REQUIRE(run["status"] == "succeeded");
  REQUIRE(written > 0);
  std::set<int> copied;
  for (auto& id : files.entry_ids(org, "staging"))
    if (id.rfind("w-", 0) == 0)
      copied.insert(std::stoi(id.substr(2)));
  // A prefix: w-0 ... w-(n-1), no holes.
  if (!copied.empty()) {
    CHECK(*copied.begin() == 0);
    CHECK(*copied.rbegin() == static_cast<int>(copied.size()) - 1);
  }
  // The database and the index show the same instant.
  CHECK(files.entry_ids(org, "staging") == files.indexed_ids(org, "staging"));
}

TEST_CASE_METHOD(paced_fixture, "a cancelled sync leaves the target's old "
                                "data and nothing on disk") {
  auto before = files.checksums(org, "staging");
  auto run_id = start_sync();
  wait_for_progress(run_id, 5);
  auto cancel = alice.post(org_path() + "/runs/" + run_id + "/cancel", {});
  CHECK(cancel.status == 202);
  auto run = wait_for_run(run_id);
  CHECK(run["status"] == "cancelled");
  CHECK(run["total_warnings"].get<int>() >= 1);
  CHECK(files.checksums(org, "staging") == before);
  CHECK(files.leftovers().empty());
  CHECK(alice.get(env_path("staging") + "/entries/staging-only").status == 200);
  // Cancelling a run that has ended is refused.
  CHECK(alice.post(org_path() + "/runs/" + run_id + "/cancel", {})
          .error_code()
        == "not_running");
  CHECK(alice.post(org_path() + "/runs/999/cancel", {}).status == 404);
}

TEST_CASE_METHOD(paced_fixture, "a cancelled create leaves no environment "
                                "behind") {
  auto r = submit_create("main", "preview");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  bool creating_seen = false;
  for (auto& env : environments())
    creating_seen |= env["id"] == "preview" && env["status"] == "creating";
  CHECK(creating_seen);
  CHECK(alice.get(env_path("preview") + "/entries").status == 423);
  wait_for_progress(run_id, 5);
  REQUIRE(alice.post(org_path() + "/runs/" + run_id + "/cancel", {}).status
          == 202);
  CHECK(wait_for_run(run_id)["status"] == "cancelled");
  CHECK(environments().size() == 2);
  CHECK(alice.get(env_path("preview") + "/entries").status == 404);
  CHECK(files.environment_dir(org, "preview").empty());
  CHECK(files.leftovers().empty());
  // The alias is free again.
  CHECK(submit_create("main", "preview").status == 201);
}

TEST_CASE_METHOD(org_fixture, "a sync from a corrupt base fails with an "
                              "error log and leaves the target unchanged") {
  store_inspector files{server.data_dir()};
  put_entry("main", "a", "A", "a");
  create_environment("main", "staging");
  create_environment("staging", "child");
  auto before = files.checksums(org, "child");
  {
    // Overwrite staging's database header with garbage.
    std::fstream file{files.environment_dir(org, "staging") / "content.db",
                      std::ios::in | std::ios::out | std::ios::binary};
    file.write("this is not a SQLite database header", 36);
  }
  auto run = sync_and_wait("staging", "child");
  CHECK(run["status"] == "failed");
  CHECK(run["total_errors"].get<int>() >= 1);
  auto logs = all_logs(run["id"]);
  bool error_logged = false;
  for (auto& log : logs)
    error_logged |= log["level"] == "error";
  CHECK(error_logged);
  CHECK(files.checksums(org, "child") == before);
  CHECK(files.leftovers().empty());
  CHECK(alice.get(env_path("child") + "/entries/a").status == 200);
}

TEST_CASE_METHOD(org_fixture, "a base whose search index is out of date "
                              "syncs with a warning") {
  store_inspector files{server.data_dir()};
  put_entry("main", "a", "A", "alpha");
  put_entry("main", "b", "B", "beta");
  create_environment("main", "staging");
  // Lose one document from main's index, as a crash between an entry's two
  // writes could.
  files.execute(files.environment_dir(org, "main") / "index.db",
                "DELETE FROM entries_fts WHERE id = 'b'");
  auto run = sync_and_wait("main", "staging");
  CHECK(run["status"] == "succeeded");
  CHECK(run["total_warnings"] == 1);
  CHECK(run["total_errors"] == 0);
  bool warned = false;
  for (auto& log : all_logs(run["id"]))
    warned |= log["level"] == "warning"
              && log["message"].get<std::string>().find("1 documents for 2 "
                                                        "entries")
                   != std::string::npos;
  CHECK(warned);
}
