// POST .../entries/import: NDJSON entries checked like PUT, written all or
// nothing, refused while the environment is a job's target, bounded in size,
// and copied by a sync like entries written one by one.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace downhill::testing;

namespace {

/// One NDJSON line of an entry.
std::string line_of(const std::string& id, const std::string& title,
                    const std::string& body) {
  return json{{"id", id},
              {"content_type", "article"},
              {"title", title},
              {"body", body}}
           .dump()
         + "\n";
}

/// `count` entries (ids PREFIX-0...) of about `bytes` each, the word
/// WORD<i> in each body.
std::string lines_of(const std::string& prefix, int count, size_t bytes) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    std::string body = "WORD" + std::to_string(i);
    while (body.size() < bytes)
      body += " granite willow " + std::to_string(body.size() % 89);
    text += line_of(prefix + "-" + std::to_string(i),
                    "Imported " + std::to_string(i), body);
  }
  return text;
}

struct import_fixture : org_fixture {
  using org_fixture::org_fixture;

  response import(const std::string& env, const std::string& ndjson) {
    return alice.send("POST", env_path(env) + "/entries/import", ndjson);
  }
};

/// main with imported entries (3 MiB) and a child `staging`; copies are
/// paced so that a sync lasts long enough to be seen running.
struct paced_import_fixture : import_fixture {
  paced_import_fixture() : import_fixture({"--copy-rate-limit", "4M"}) {
    REQUIRE(import("main", lines_of("base", 24, 128 * 1024)).status == 200);
    create_environment("main", "staging");
  }
};

} // namespace

TEST_CASE_METHOD(import_fixture, "an import writes every line as an entry "
                                 "that GET, versions and search then find") {
  auto ndjson = line_of("post-1", "First", "alpha words")
                + json{{"id", "post-2"},
                       {"content_type", "page"},
                       {"locale", "de"},
                       {"title", "Second"},
                       {"body", "beta words"},
                       {"fields", {{"rank", 2}}}}
                    .dump()
                + "\n\n" + line_of("post-1", "First again", "gamma words");
  auto r = import("main", ndjson);
  REQUIRE(r.status == 200);
  CHECK(r.data()["imported"] == 3);

  auto first = alice.get(env_path("main") + "/entries/post-1").data();
  CHECK(first["title"] == "First again");
  CHECK(first["version"] == 2);
  auto versions = alice.get(env_path("main") + "/entries/post-1/versions")
                    .data()["versions"];
  REQUIRE(versions.size() == 2);
  CHECK(versions[0]["title"] == "First");
  auto second = alice.get(env_path("main") + "/entries/post-2").data();
  CHECK(second["locale"] == "de");
  CHECK(second["fields"]["rank"] == 2);
  CHECK(second["version"] == 1);

  auto hits = alice.get(env_path("main") + "/search?q=gamma").data()["hits"];
  REQUIRE(hits.size() == 1);
  CHECK(hits[0]["id"] == "post-1");
  // The repeated id's first document was replaced, not kept beside it.
  CHECK(alice.get(env_path("main") + "/search?q=alpha")
          .data()["hits"]
          .empty());
  CHECK(alice.get(env_path("main") + "/search?q=beta").data()["hits"].size()
        == 1);

  auto empty = import("main", "\n");
  REQUIRE(empty.status == 200);
  CHECK(empty.data()["imported"] == 0);
  CHECK(all_entries("main").size() == 2);
}

TEST_CASE_METHOD(import_fixture, "a bad line answers 400 with its number and "
                                 "nothing of the import is written") {
  auto good = line_of("a", "A", "kept out") + line_of("b", "B", "kept out");
  struct bad_case {
    std::string line;
    std::string code;
    std::string field;
  };
  std::vector<bad_case> cases{
    {R"({"id":"c","content_type":"article"})", "invalid_field", "title"},
    {R"({"id":"bad id","content_type":"a","title":"t"})", "invalid_field",
     "id"},
    {R"({"content_type":"a","title":"t"})", "invalid_field", "id"},
    {R"({"id":"c","content_type":"a","title":"t","fields":[]})",
     "invalid_field", "fields"},
    {R"({"id":"c","content_type":"a","title":)", "invalid_json", ""},
    {R"(["not", "an object"])", "invalid_json", ""},
  };
  for (auto& bad : cases) {
    auto r = import("main", good + "\n" + bad.line + "\n" + good);
    CHECK(r.status == 400);
    CHECK(r.error_code() == bad.code);
    auto error = r.data()["error"];
    CHECK(error["line"] == 4);  // two good lines, a blank one, then it
    CHECK(error.value("field", "") == bad.field);
  }
  CHECK(all_entries("main").empty());
  CHECK(alice.get(env_path("main") + "/search?q=kept").data()["hits"].empty());
  CHECK(import("nowhere", good).status == 404);

  std::string too_many;
  for (int i = 0; i <= 10000; ++i)
    too_many += line_of("n" + std::to_string(i), "N", "");
  auto r = import("main", too_many);
  CHECK(r.status == 400);
  CHECK(r.data()["error"].value("field", "") == "entries");
  CHECK(r.data()["error"]["line"] == 10001);
  CHECK(all_entries("main").empty());
}

TEST_CASE_METHOD(import_fixture, "an import beyond its 16 MiB limit answers "
                                 "413 and writes nothing") {
  std::string huge = line_of("big", "Big", std::string(16 * 1024 * 1024, 'x'));
  auto r = import("main", huge);
  CHECK(r.status == 413);
  CHECK(r.error_code() == "payload_too_large");
  CHECK(alice.get(env_path("main") + "/entries/big").status == 404);
}

TEST_CASE_METHOD(paced_import_fixture, "an import into a sync's target "
                                       "answers 423 and writes nothing") {
  auto r = submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  wait_for_progress(run_id, 1);
  auto locked = import("staging", line_of("late", "Late", "too late"));
  CHECK(locked.status == 423);
  CHECK(locked.error_code() == "environment_locked");
  // The base of the job stays writable.
  CHECK(import("main", line_of("during", "During", "fine")).status == 200);
  REQUIRE(wait_for_run(run_id)["status"] == "succeeded");
  CHECK(alice.get(env_path("staging") + "/entries/late").status == 404);
}

TEST_CASE_METHOD(paced_import_fixture, "a sync copies imported entries and "
                                       "their index") {
  // Created from main: staging already has main's imported entries.
  CHECK(all_entries("staging").size() == 24);
  REQUIRE(import("main", lines_of("more", 3, 4096)).status == 200);
  REQUIRE(sync_and_wait("main", "staging")["status"] == "succeeded");
  CHECK(all_entries("staging").size() == 27);
  auto more = alice.get(env_path("staging") + "/entries/more-2");
  REQUIRE(more.status == 200);
  CHECK(more.data()["title"] == "Imported 2");
  auto hits = alice.get(env_path("staging") + "/search?q=WORD2&limit=100")
                .data()["hits"];
  std::vector<std::string> ids;
  for (auto& hit : hits)
    ids.push_back(hit["id"]);
  CHECK(ids.size() == 2);  // base-2 and more-2
  CHECK(std::find(ids.begin(), ids.end(), "more-2") != ids.end());
}
