// Each rule of the seed's Do/Don't list, through the real API: the right
// code, and no environment (nor run) changed.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

using namespace downhill::testing;

namespace {

/// main ─┬─ staging ── feature
///       └─ qa
struct tree_fixture : org_fixture {
  tree_fixture() {
    put_entry("main", "m", "Main entry", "in main");
    create_environment("main", "staging");
    create_environment("staging", "feature");
    create_environment("main", "qa");
    put_entry("staging", "s", "Staging entry", "only in staging");
    put_entry("qa", "q", "QA entry", "only in qa");
    REQUIRE(alice.post(env_path("feature") + "/webhooks", {{"name", "h"}})
              .status
            == 201);
  }

  /// Submits a sync that must be refused with `code`, and checks that
  /// nothing changed.
  void refused_sync(const std::string& base, const std::string& target,
                    const std::string& code) {
    auto before = organization_state();
    auto r = submit_sync(base, target);
    CHECK(r.status == 400);
    CHECK(r.error_code() == code);
    CHECK_FALSE(r.data()["error"]["message"].get<std::string>().empty());
    CHECK(organization_state() == before);
  }
};

} // namespace

TEST_CASE_METHOD(tree_fixture, "a sync naming an unknown environment is "
                               "refused with unknown_environment") {
  refused_sync("nope", "staging", "unknown_environment");
  refused_sync("main", "nope", "unknown_environment");
}

TEST_CASE_METHOD(tree_fixture, "a sync from an environment into itself is "
                               "refused with same_environment") {
  refused_sync("staging", "staging", "same_environment");
}

TEST_CASE_METHOD(tree_fixture,
                 "a sync into main is refused with main_as_target") {
  refused_sync("staging", "main", "main_as_target");
}

TEST_CASE_METHOD(tree_fixture, "a sync between environments that are not "
                               "parent and child is refused with "
                               "not_parent_child") {
  refused_sync("main", "feature", "not_parent_child");  // grandparent
  refused_sync("qa", "staging", "not_parent_child");    // siblings
  refused_sync("qa", "feature", "not_parent_child");    // unrelated
}

TEST_CASE_METHOD(tree_fixture, "a sync from a child into its parent is "
                               "refused with child_to_parent") {
  refused_sync("feature", "staging", "child_to_parent");
}

TEST_CASE_METHOD(org_fixture,
                 "a create with a taken or invalid alias is refused") {
  create_environment("main", "staging");
  auto before = organization_state();
  auto taken = submit_create("main", "staging");
  CHECK(taken.status == 400);
  CHECK(taken.error_code() == "name_taken");
  auto invalid = submit_create("main", "Not Valid");
  CHECK(invalid.status == 400);
  CHECK(invalid.error_code() == "invalid_field");
  CHECK(invalid.data()["error"]["field"] == "new_environment");
  auto long_name = submit_create("main", "ok", std::string(101, 'x'));
  CHECK(long_name.error_code() == "invalid_field");
  CHECK(long_name.data()["error"]["field"] == "display_name");
  CHECK(organization_state() == before);
}

TEST_CASE_METHOD(org_fixture, "malformed job submissions get invalid_json or "
                              "invalid_field and change nothing") {
  auto before = organization_state();
  auto jobs = org_path() + "/jobs";
  CHECK(alice.send("POST", jobs, "{not json").error_code() == "invalid_json");
  CHECK(alice.send("POST", jobs, "[1,2]").error_code() == "invalid_json");
  auto no_name = alice.post(jobs, {{"type", "sync_environments"},
                                   {"base_environment", "main"},
                                   {"target_environment", "x"}});
  CHECK(no_name.error_code() == "invalid_field");
  CHECK(no_name.data()["error"]["field"] == "name");
  auto bad_type = alice.post(jobs, {{"name", "x"},
                                    {"type", "drop_everything"},
                                    {"base_environment", "main"}});
  CHECK(bad_type.data()["error"]["field"] == "type");
  auto bad_schedule = alice.post(jobs, {{"name", "x"},
                                        {"type", "sync_environments"},
                                        {"base_environment", "main"},
                                        {"target_environment", "main"},
                                        {"schedule", "soon"}});
  CHECK(bad_schedule.error_code() == "invalid_schedule");
  CHECK(organization_state() == before);
}
