// The content API on an environment's real stores.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

using namespace downhill::testing;

TEST_CASE_METHOD(org_fixture, "entries are written, versioned, listed, "
                              "searched and deleted") {
  auto first = put_entry("main", "post-1", "Hello", "first words");
  CHECK(first["version"] == 1);
  auto second = put_entry("main", "post-1", "Hello again", "second words");
  CHECK(second["version"] == 2);
  put_entry("main", "post-2", "Other", "unrelated text");

  auto versions = alice.get(env_path("main") + "/entries/post-1/versions")
                    .data()["versions"];
  REQUIRE(versions.size() == 2);
  CHECK(versions[0]["title"] == "Hello");
  CHECK(versions[1]["version"] == 2);

  auto page = alice.get(env_path("main") + "/entries?limit=1").data();
  REQUIRE(page["entries"].size() == 1);
  CHECK(page["next"] == "post-1");
  auto rest = alice.get(env_path("main") + "/entries?limit=1&after=post-1")
                .data();
  CHECK(rest["entries"][0]["id"] == "post-2");

  auto hits = alice.get(env_path("main") + "/search?q=second").data()["hits"];
  REQUIRE(hits.size() == 1);
  CHECK(hits[0]["id"] == "post-1");
  CHECK(alice.get(env_path("main") + "/search?q=%22%29%28")
          .data()["hits"]
          .empty());

  CHECK(alice.del(env_path("main") + "/entries/post-1").status == 204);
  CHECK(alice.get(env_path("main") + "/entries/post-1").status == 404);
  CHECK(alice.del(env_path("main") + "/entries/post-1").status == 404);
  CHECK(alice.get(env_path("main") + "/search?q=second")
          .data()["hits"]
          .empty());
}

TEST_CASE_METHOD(org_fixture, "settings and the unsynced kinds round-trip") {
  auto put = alice.put(env_path("main") + "/settings",
                       {{"locale", "de"}, {"theme", {{"dark", true}}}});
  REQUIRE(put.status == 200);
  CHECK(alice.get(env_path("main") + "/settings").data()["theme"]["dark"]
        == true);
  for (auto kind : {"webhooks", "integrations", "presets", "teams"}) {
    auto r = alice.post(env_path("main") + "/" + kind,
                        {{"name", "one"}, {"extra", 42}});
    REQUIRE(r.status == 201);
    CHECK(r.data()["extra"] == 42);
    auto list = alice.get(env_path("main") + "/" + kind).data()[kind];
    REQUIRE(list.size() == 1);
    CHECK(list[0]["name"] == "one");
  }
}

TEST_CASE_METHOD(org_fixture, "bad content input gets a 4xx and writes "
                              "nothing") {
  auto entries = env_path("main") + "/entries/";
  CHECK(alice.send("PUT", entries + "x", "nope").error_code()
        == "invalid_json");
  CHECK(alice.put(entries + "x", {{"title", "no type"}}).error_code()
        == "invalid_field");
  CHECK(alice.put(entries + "x", {{"content_type", "a"}, {"title", 5}})
          .error_code()
        == "invalid_field");
  CHECK(alice.put(entries + "bad%20id", {{"content_type", "a"},
                                         {"title", "t"}})
          .error_code()
        == "invalid_field");
  CHECK(alice.put(entries + "x", {{"content_type", "a"},
                                  {"title", "t"},
                                  {"fields", "not an object"}})
          .error_code()
        == "invalid_field");
  CHECK(alice.post(env_path("main") + "/webhooks", {{"url", "no name"}})
          .error_code()
        == "invalid_field");
  CHECK(alice.get(env_path("main") + "/entries?limit=abc").error_code()
        == "invalid_field");
  CHECK(all_entries("main").empty());
  CHECK(alice.get(env_path("nope") + "/entries").status == 404);
}

TEST_CASE_METHOD(org_fixture, "an environment with children or main cannot "
                              "be deleted, a leaf can") {
  create_environment("main", "staging");
  create_environment("staging", "feature");
  CHECK(alice.del(env_path("main")).error_code() == "main_environment");
  CHECK(alice.del(env_path("staging")).error_code() == "has_children");
  CHECK(alice.del(env_path("feature")).status == 204);
  CHECK(alice.get(env_path("feature") + "/entries").status == 404);
  CHECK(alice.del(env_path("staging")).status == 204);
  CHECK(environments().size() == 1);
}
