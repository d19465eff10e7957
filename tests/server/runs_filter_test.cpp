// The runs list's filters over real HTTP: each filter, a combination, paging
// through a filtered list with `before`, and the 400 for each bad value.
// Every filtered answer is checked against the unfiltered list, filtered
// here.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <thread>

using namespace downhill::testing;

namespace {

/// `text` for a query string (the names here have spaces).
std::string encoded(const std::string& text) {
  std::string result;
  for (char c : text)
    result += c == ' ' ? std::string{"%20"} : std::string(1, c);
  return result;
}

/// Submits a manual sync named `name` and waits for its run to end. A
/// scheduled run still going answers 409: retried until a deadline.
std::string sync_named(org_fixture& f, const std::string& name,
                       const std::string& base, const std::string& target) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto r = f.alice.post(f.org_path() + "/jobs",
                          {{"name", name},
                           {"type", "sync_environments"},
                           {"base_environment", base},
                           {"target_environment", target}});
    if (r.status == 201) {
      std::string id = r.data()["run"]["id"];
      f.wait_for_run(id);
      return id;
    }
    REQUIRE(r.error_code() == "job_in_progress");
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// Every run the list answers for `query`, following `next` with pages of
/// `limit`; checks each page's `next` on the way.
std::vector<json> all_pages(org_fixture& f, const std::string& query,
                            int limit) {
  std::vector<json> result;
  std::string before;
  for (int page = 0; page < 100; ++page) {
    auto target = f.org_path() + "/runs?limit=" + std::to_string(limit)
                  + before + (query.empty() ? "" : "&" + query);
    auto r = f.alice.get(target);
    REQUIRE(r.status == 200);
    auto body = r.data();
    auto& runs = body["runs"];
    for (auto& run : runs)
      result.push_back(run);
    if (static_cast<int>(runs.size()) < limit) {
      CHECK(body["next"].is_null());
      return result;
    }
    REQUIRE(body["next"].is_number());
    CHECK(std::to_string(body["next"].get<int64_t>())
          == runs.back()["id"].get<std::string>());
    before = "&before=" + std::to_string(body["next"].get<int64_t>());
  }
  FAIL("more than 100 pages for " << query);
  return result;
}

std::vector<std::string> ids_of(const std::vector<json>& runs) {
  std::vector<std::string> ids;
  for (auto& run : runs)
    ids.push_back(run["id"]);
  return ids;
}

std::vector<std::string> ids_where(const std::vector<json>& runs,
                                   const std::function<bool(const json&)>& keep) {
  std::vector<std::string> ids;
  for (auto& run : runs)
    if (keep(run))
      ids.push_back(run["id"]);
  return ids;
}

/// A bad value of a filter: 400 invalid_field naming it.
void check_refused(org_fixture& f, const std::string& query,
                   const std::string& field) {
  auto r = f.alice.get(f.org_path() + "/runs?" + query);
  INFO(query << " -> " << r.body);
  CHECK(r.status == 400);
  CHECK(r.error_code() == "invalid_field");
  CHECK(r.data()["error"]["field"] == field);
}

} // namespace

TEST_CASE("the runs list filters by status, job, name, environment and "
          "trigger, and pages within the filtered list") {
  // Paced so that a sync lasts long enough to be cancelled while it runs.
  org_fixture f({"--copy-rate-limit", "1M"});
  f.fill("main", "base", 2, 128 * 1024);
  f.create_environment("main", "staging");
  f.create_environment("main", "qa");
  std::vector<std::string> nightly;
  nightly.push_back(sync_named(f, "Nightly copy", "main", "staging"));
  nightly.push_back(sync_named(f, "Nightly copy", "main", "staging"));
  std::string qa_run = sync_named(f, "QA refresh", "main", "qa");

  // A cancelled run: cancelled while it copies.
  auto submitted = f.alice.post(f.org_path() + "/jobs",
                                {{"name", "QA refresh"},
                                 {"type", "sync_environments"},
                                 {"base_environment", "main"},
                                 {"target_environment", "qa"}});
  REQUIRE(submitted.status == 201);
  std::string cancelled_run = submitted.data()["run"]["id"];
  std::string cancelled_job = submitted.data()["job"]["id"];
  REQUIRE(f.alice.post(f.org_path() + "/runs/" + cancelled_run + "/cancel",
                       json::object())
            .status
          == 202);
  REQUIRE(f.wait_for_run(cancelled_run)["status"] == "cancelled");

  // Scheduled runs: a recurring job fires, then is deleted (its runs stay).
  auto recurring = f.alice.post(f.org_path() + "/jobs",
                                {{"name", "Every second"},
                                 {"type", "sync_environments"},
                                 {"base_environment", "main"},
                                 {"target_environment", "qa"},
                                 {"schedule", {{"kind", "interval"},
                                               {"every_seconds", 1}}}});
  REQUIRE(recurring.status == 201);
  std::string recurring_job = recurring.data()["job"]["id"];
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (all_pages(f, "job=" + recurring_job, 50).empty()) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(f.alice.del(f.org_path() + "/recurring-jobs/" + recurring_job).status
          == 204);

  // Newer manual runs, so that the older ones are beyond the first page.
  nightly.push_back(sync_named(f, "Nightly copy", "main", "staging"));
  nightly.push_back(sync_named(f, "Nightly copy", "main", "staging"));
  nightly.push_back(sync_named(f, "Nightly copy", "main", "staging"));
  for (auto& run : all_pages(f, "", 500))
    f.wait_for_run(run["id"]);

  auto all = all_pages(f, "", 500);
  REQUIRE(all.size() >= 10);
  // Paging the whole list in pages of 2 gives the same list.
  CHECK(ids_of(all_pages(f, "", 2)) == ids_of(all));

  // Each filter, paged by 2 and whole, against the list filtered here.
  auto check = [&](const std::string& query,
                   const std::function<bool(const json&)>& keep) {
    INFO(query);
    auto expected = ids_where(all, keep);
    CHECK_FALSE(expected.empty());
    CHECK(expected.size() < all.size());
    CHECK(ids_of(all_pages(f, query, 500)) == expected);
    CHECK(ids_of(all_pages(f, query, 2)) == expected);
    return expected;
  };
  auto cancelled = check("status=cancelled", [](const json& run) {
    return run["status"] == "cancelled";
  });
  CHECK(std::find(cancelled.begin(), cancelled.end(), cancelled_run)
        != cancelled.end());
  check("status=succeeded",
        [](const json& run) { return run["status"] == "succeeded"; });
  CHECK(check("job=" + cancelled_job,
              [&](const json& run) { return run["job_id"] == cancelled_job; })
        == std::vector<std::string>{cancelled_run});
  auto scheduled = check("job=" + recurring_job, [&](const json& run) {
    return run["job_id"] == recurring_job;
  });
  CHECK(check("name=" + encoded("Nightly copy"), [](const json& run) {
          return run["name"] == "Nightly copy";
        }) == std::vector<std::string>(nightly.rbegin(), nightly.rend()));
  auto qa = check("environment=qa", [](const json& run) {
    return run["base_environment"] == "qa" || run["target_environment"] == "qa";
  });
  // The qa runs are older than the first page of 2: the filter finds them.
  auto first_page = f.alice.get(f.org_path() + "/runs?limit=2").data();
  for (auto& run : first_page["runs"])
    CHECK(run["target_environment"] != "qa");
  CHECK(std::find(qa.begin(), qa.end(), qa_run) != qa.end());
  // main is every run's base: all of them.
  CHECK(ids_of(all_pages(f, "environment=main", 3)) == ids_of(all));
  CHECK(check("trigger=schedule", [](const json& run) {
          return run["trigger"] == "schedule";
        }) == scheduled);
  check("trigger=manual",
        [](const json& run) { return run["trigger"] == "manual"; });
  // No run matches: an empty page, next null.
  auto none = f.alice.get(f.org_path() + "/runs?name=Nobody").data();
  CHECK(none["runs"].empty());
  CHECK(none["next"].is_null());
  // An empty value is no filter, as for the paging parameters.
  CHECK(ids_of(all_pages(f, "status=&name=&environment=&trigger=&job=", 500))
        == ids_of(all));

  // A combination: every filter at once, and two of them.
  check("status=succeeded&environment=staging&trigger=manual&name="
          + encoded("Nightly copy"),
        [](const json& run) {
          return run["status"] == "succeeded"
                 && run["target_environment"] == "staging"
                 && run["trigger"] == "manual" && run["name"] == "Nightly copy";
        });
  check("environment=qa&trigger=manual", [](const json& run) {
    return run["target_environment"] == "qa" && run["trigger"] == "manual";
  });
  check("status=succeeded&name=" + encoded("QA refresh"), [](const json& run) {
    return run["status"] == "succeeded" && run["name"] == "QA refresh";
  });

  // `before` in the middle of a filtered list: its runs below that id.
  std::string middle = nightly[2];
  auto below = f.alice.get(f.org_path() + "/runs?name=" + encoded("Nightly copy")
                           + "&before=" + middle)
                 .data();
  CHECK(ids_of(below["runs"].get<std::vector<json>>())
        == std::vector<std::string>{nightly[1], nightly[0]});
  CHECK(below["next"].is_null());

  // Bad values: 400 invalid_field, naming the parameter.
  check_refused(f, "status=bogus", "status");
  check_refused(f, "status=SUCCEEDED", "status");
  check_refused(f, "trigger=cron", "trigger");
  check_refused(f, "job=abc", "job");
  check_refused(f, "job=0", "job");
  check_refused(f, "job=-3", "job");
  check_refused(f, "job=12x", "job");
  check_refused(f, "name=" + std::string(201, 'n'), "name");
  check_refused(f, "environment=" + std::string(64, 'e'), "environment");
  check_refused(f, "status=running&trigger=never", "trigger");
}
