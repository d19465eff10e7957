// Every error answer, the HTTP layer's own (413, 405, 426, and a refused
// connection's 429 and 503) as much as a handler's, comes from the one error
// table: {"error":{"code","message"}} with the code's status, as JSON.
#include "org_fixture.hpp"
#include "raw_connection.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

using namespace downhill::testing;
using namespace std::chrono_literals;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

/// The answer is the API's error shape with this code: an object holding
/// only `error`, which holds a non-empty message and no extra field.
void check_error_shape(const raw_answer& answer, const std::string& code) {
  INFO(answer.headers << "\n" << answer.body);
  CHECK(lower(answer.headers).find("content-type: application/json")
        != std::string::npos);
  auto body = json::parse(answer.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body.size() == 1);
  REQUIRE(body.contains("error"));
  auto& error = body["error"];
  CHECK(error.size() == 2);
  CHECK(error["code"] == code);
  REQUIRE(error["message"].is_string());
  CHECK_FALSE(error["message"].get<std::string>().empty());
}

std::string request(const std::string& method, const std::string& target,
                    const std::string& token,
                    const std::string& extra_headers = {}) {
  return method + " " + target + " HTTP/1.1\r\nHost: test\r\nAuthorization: "
         + "Bearer " + token + "\r\n" + extra_headers + "\r\n";
}

} // namespace

TEST_CASE_METHOD(org_fixture, "413, 405 and 426 answer the standard error "
                              "shape") {
  SECTION("413: a body over the route's limit, refused on its headers") {
    raw_connection c{server.port()};
    REQUIRE(c.send(request("PUT", env_path("main") + "/settings",
                           alice_token(), "Content-Length: 200000\r\n")));
    auto answer = c.read_answer();
    CHECK(answer.status == 413);
    check_error_shape(answer, "payload_too_large");
    CHECK(answer.closed);
  }
  SECTION("405: a known path with the wrong method") {
    raw_connection c{server.port()};
    REQUIRE(c.send(request("PATCH", org_path() + "/jobs", alice_token())));
    auto answer = c.read_answer();
    CHECK(answer.status == 405);
    check_error_shape(answer, "method_not_allowed");
  }
  SECTION("426: a plain GET on an event stream") {
    raw_connection c{server.port()};
    REQUIRE(c.send(request("GET", org_path() + "/events", alice_token())));
    auto answer = c.read_answer();
    CHECK(answer.status == 426);
    check_error_shape(answer, "upgrade_required");
  }
}

/// Opens `count` connections the server has accepted and holds them: each
/// answers a keep-alive GET /healthz. A connection the server refused (one
/// of the fixture's set-up requests may still count until the server has
/// seen it close) is dropped and another opened, until the deadline.
std::vector<std::unique_ptr<raw_connection>> hold_connections(uint16_t port,
                                                              int count) {
  std::vector<std::unique_ptr<raw_connection>> held;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (static_cast<int>(held.size()) < count
         && std::chrono::steady_clock::now() < until) {
    auto c = std::make_unique<raw_connection>(port);
    if (c->send("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        && c->read_answer().status == 200)
      held.push_back(std::move(c));
  }
  REQUIRE(static_cast<int>(held.size()) == count);
  return held;
}

TEST_CASE("a refused connection gets the standard error shape, Retry-After "
          "and a close") {
  SECTION("429: too many connections from one address") {
    org_fixture f{{"--max-connections-per-address", "2"}};
    auto held = hold_connections(f.server.port(), 2);
    raw_connection refused{f.server.port()};
    auto answer = refused.read_answer(30s);
    CHECK(answer.status == 429);
    CHECK(answer.headers.rfind("HTTP/1.1 429 Too Many Requests", 0) == 0);
    CHECK(lower(answer.headers).find("retry-after: 1") != std::string::npos);
    check_error_shape(answer, "too_many_requests");
    CHECK(answer.closed);
  }
  SECTION("503: the server at its connection cap") {
    org_fixture f{{"--max-connections", "2"}};
    auto held = hold_connections(f.server.port(), 2);
    raw_connection refused{f.server.port()};
    auto answer = refused.read_answer(30s);
    CHECK(answer.status == 503);
    CHECK(answer.headers.rfind("HTTP/1.1 503 Service Unavailable", 0) == 0);
    CHECK(lower(answer.headers).find("retry-after: 1") != std::string::npos);
    check_error_shape(answer, "unavailable");
    CHECK(answer.closed);
  }
}

TEST_CASE_METHOD(org_fixture, "job rules answered by the org actor keep "
                              "their order and their words") {
  auto jobs = org_path() + "/jobs";
  // An unknown type, with no base and no target: the type is what to fix.
  auto bad_type = alice.post(jobs, {{"name", "x"}, {"type", "copy_all"}});
  CHECK(bad_type.status == 400);
  CHECK(bad_type.error_code() == "invalid_field");
  CHECK(bad_type.data()["error"]["field"] == "type");
  CHECK(bad_type.data()["error"]["message"]
        == "type must be create_environment or sync_environments.");
  // A recurring Create whose alias is also invalid and whose base is
  // unknown: the schedule is what to fix first.
  auto recurring_create = alice.post(
    jobs, {{"name", "x"},
           {"type", "create_environment"},
           {"base_environment", "nowhere"},
           {"new_environment", "Not Valid"},
           {"schedule", {{"kind", "interval"}, {"every_seconds", 60}}}});
  CHECK(recurring_create.status == 400);
  CHECK(recurring_create.error_code() == "invalid_schedule");
  CHECK(recurring_create.data()["error"]["field"] == "schedule");
  // A syntax error in the schedule is still answered before the rules.
  auto bad_schedule = alice.post(jobs, {{"name", "x"},
                                        {"type", "sync_environments"},
                                        {"base_environment", "nowhere"},
                                        {"target_environment", "main"},
                                        {"schedule", {{"kind", "yearly"}}}});
  CHECK(bad_schedule.error_code() == "invalid_schedule");
  // No job was stored by any of them.
  CHECK(alice.get(jobs).data()["jobs"].empty());
}

TEST_CASE_METHOD(org_fixture, "a recurring job's schedule survives a restart "
                              "as it was asked for") {
  create_environment("main", "staging");
  json schedule{{"kind", "cron"},
                {"expression", "*/15 * * * *"},
                {"timezone", "Europe/Berlin"}};
  auto r = alice.post(org_path() + "/jobs",
                      {{"name", "Quarterly"},
                       {"type", "sync_environments"},
                       {"base_environment", "main"},
                       {"target_environment", "staging"},
                       {"schedule", schedule}});
  REQUIRE(r.status == 201);
  CHECK(r.data()["job"]["schedule"] == schedule);
  auto next = r.data()["job"]["next_run_at"];
  CHECK(next.is_string());
  REQUIRE(server.stop() == 0);
  server.start();
  reconnect();
  auto list = alice.get(org_path() + "/recurring-jobs").data();
  REQUIRE(list["recurring_jobs"].size() == 1);
  auto& job = list["recurring_jobs"][0];
  CHECK(job["schedule"] == schedule);
  CHECK(job["state"] == "active");
  // Pausing and resuming reach the scheduler, which holds it again.
  auto id = job["job_id"].get<std::string>();
  CHECK(alice.post(org_path() + "/recurring-jobs/" + id + "/pause", json::object())
          .status
        == 200);
  auto resumed = alice.post(org_path() + "/recurring-jobs/" + id + "/resume",
                            json::object());
  REQUIRE(resumed.status == 200);
  CHECK(resumed.data()["next_run_at"].is_string());
}
