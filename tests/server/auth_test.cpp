// Tokens: the admin creates organizations and users; a user acts in its own
// organization only and sees nothing of others.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

using namespace downhill::testing;

TEST_CASE("the health check needs no token") {
  server_process server;
  http_client anonymous{server.port()};
  auto r = anonymous.get("/healthz");
  CHECK(r.status == 200);
  CHECK(r.data()["status"] == "ok");
  CHECK(r.data()["version"].is_string());
}

TEST_CASE_METHOD(org_fixture, "a missing or unknown token is unauthorized") {
  http_client anonymous{server.port()};
  CHECK(anonymous.get(org_path() + "/environments").status == 401);
  auto wrong = anonymous.with_token("not-a-token");
  auto r = wrong.get(org_path() + "/environments");
  CHECK(r.status == 401);
  CHECK(r.error_code() == "unauthorized");
}

TEST_CASE_METHOD(org_fixture, "a user token cannot use admin routes") {
  auto r = alice.post("/api/v1/orgs", {{"name", "evil"}});
  CHECK(r.status == 403);
  CHECK(r.error_code() == "forbidden");
}

TEST_CASE_METHOD(org_fixture, "another organization's objects are not found "
                              "for a user") {
  REQUIRE(admin.post("/api/v1/orgs", {{"name", "globex"}}).status == 201);
  auto bob_token
    = admin.post("/api/v1/orgs/globex/users", {{"name", "bob"}}).data()["token"];
  auto bob = alice.with_token(bob_token);
  put_entry("main", "secret", "Secret", "acme only");
  create_environment("main", "staging");
  for (auto path : {org_path() + "/environments",
                    env_path("main") + "/entries/secret",
                    org_path() + "/runs", org_path() + "/runs/1",
                    org_path() + "/jobs"}) {
    auto r = bob.get(path);
    CHECK(r.status == 404);
    CHECK(r.error_code() == "not_found");
  }
  CHECK(bob.post(org_path() + "/jobs", {{"name", "x"}}).status == 404);
  // And globex's own runs do not show acme's.
  CHECK(bob.get("/api/v1/orgs/globex/runs").data()["runs"].empty());
  CHECK(bob.get("/api/v1/orgs/globex/runs/1").status == 404);
}

TEST_CASE_METHOD(org_fixture, "organizations and users are unique") {
  CHECK(admin.post("/api/v1/orgs", {{"name", org}}).error_code()
        == "already_exists");
  CHECK(admin.post(org_path() + "/users", {{"name", "alice"}}).status == 409);
  CHECK(admin.post("/api/v1/orgs", {{"name", "Bad Name"}}).error_code()
        == "invalid_field");
  CHECK(admin.post("/api/v1/orgs/nope/users", {{"name", "x"}}).status == 404);
}

TEST_CASE_METHOD(org_fixture, "an oversized body is refused with 413") {
  std::string huge(2 * 1024 * 1024, 'x');
  auto r = alice.send("PUT", env_path("main") + "/entries/big",
                      "{\"title\":\"" + huge + "\"}");
  CHECK(r.status == 413);
  CHECK(r.error_code() == "payload_too_large");
  CHECK(alice.get(env_path("main") + "/entries/big").status == 404);
}
