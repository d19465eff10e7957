#include "actors/job_rules.hpp"

#include <catch2/catch.hpp>

using namespace downhill;

namespace {

// main ─┬─ staging ── feature
//       └─ qa
// main2 would be unrelated, but every tree has one root: an unrelated pair
// is two environments on different branches (staging / qa).
const environment_parents tree{{"main", ""},
                               {"staging", "main"},
                               {"feature", "staging"},
                               {"qa", "main"}};

job_spec sync(const std::string& base, const std::string& target) {
  job_spec spec;
  spec.name = "sync";
  spec.type = persistence::job_type::sync_environments;
  spec.base_environment = base;
  spec.target_environment = target;
  return spec;
}

job_spec create(const std::string& base, const std::string& alias) {
  job_spec spec;
  spec.name = "create";
  spec.type = persistence::job_type::create_environment;
  spec.base_environment = base;
  spec.target_environment = alias;
  return spec;
}

error_code code_of(const job_spec& spec) {
  return check_job(spec, tree).code;
}

} // namespace

TEST_CASE("a sync from a parent into its direct child is allowed") {
  CHECK(code_of(sync("main", "staging")) == error_code::none);
  CHECK(code_of(sync("staging", "feature")) == error_code::none);
  CHECK(code_of(sync("main", "qa")) == error_code::none);
}

TEST_CASE("a sync naming an unknown environment is unknown_environment") {
  auto e = check_job(sync("nope", "staging"), tree);
  CHECK(e.code == error_code::unknown_environment);
  CHECK(e.field == "base_environment");
  e = check_job(sync("main", "nope"), tree);
  CHECK(e.code == error_code::unknown_environment);
  CHECK(e.field == "target_environment");
}

TEST_CASE("a sync from an environment into itself is same_environment") {
  CHECK(code_of(sync("staging", "staging")) == error_code::same_environment);
  CHECK(code_of(sync("main", "main")) == error_code::same_environment);
}

TEST_CASE("a sync into main is main_as_target") {
  CHECK(code_of(sync("staging", "main")) == error_code::main_as_target);
  CHECK(code_of(sync("feature", "main")) == error_code::main_as_target);
}

TEST_CASE("a sync from a child into its parent is child_to_parent") {
  CHECK(code_of(sync("feature", "staging")) == error_code::child_to_parent);
}

TEST_CASE("a sync that skips a generation or crosses branches is "
          "not_parent_child") {
  SECTION("grandparent") {
    auto e = check_job(sync("main", "feature"), tree);
    CHECK(e.code == error_code::not_parent_child);
    // The message says what to pick instead.
    CHECK(e.message.find("'staging'") != std::string::npos);
  }
  SECTION("siblings") {
    CHECK(code_of(sync("qa", "staging")) == error_code::not_parent_child);
    CHECK(code_of(sync("staging", "qa")) == error_code::not_parent_child);
  }
  SECTION("unrelated branches") {
    CHECK(code_of(sync("qa", "feature")) == error_code::not_parent_child);
  }
}

TEST_CASE("a create needs a valid, unused alias and an existing base") {
  CHECK(code_of(create("main", "preview")) == error_code::none);
  CHECK(code_of(create("feature", "preview-2")) == error_code::none);
  CHECK(code_of(create("nope", "preview")) == error_code::unknown_environment);
  CHECK(code_of(create("main", "staging")) == error_code::name_taken);
  auto e = check_job(create("main", "Bad Name"), tree);
  CHECK(e.code == error_code::invalid_field);
  CHECK(e.field == "new_environment");
  CHECK(code_of(create("main", std::string(64, 'a')))
        == error_code::invalid_field);
  CHECK(code_of(create("main", "../etc")) == error_code::invalid_field);
}

TEST_CASE("environment ids are 1-63 lowercase letters, digits and dashes") {
  CHECK(is_valid_environment_id("a"));
  CHECK(is_valid_environment_id("staging-2"));
  CHECK(is_valid_environment_id(std::string(63, 'x')));
  CHECK_FALSE(is_valid_environment_id(""));
  CHECK_FALSE(is_valid_environment_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_environment_id("Staging"));
  CHECK_FALSE(is_valid_environment_id("a_b"));
  CHECK_FALSE(is_valid_environment_id("a/b"));
  CHECK_FALSE(is_valid_environment_id("a.b"));
}

TEST_CASE("every error code has its API name and HTTP status") {
  CHECK(std::string{to_string(error_code::environment_locked)}
        == "environment_locked");
  CHECK(http_status(error_code::environment_locked) == 423);
  CHECK(http_status(error_code::job_in_progress) == 409);
  CHECK(http_status(error_code::not_parent_child) == 400);
  CHECK(http_status(error_code::unauthorized) == 401);
  CHECK(http_status(error_code::forbidden) == 403);
  CHECK(http_status(error_code::not_found) == 404);
}
