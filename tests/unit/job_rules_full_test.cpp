// check_job holds every rule a job must satisfy, the ones the HTTP handler
// used to check itself included (a known type, a Create that runs once),
// and answers the first one broken in the order docs/api.md gives.
#include "actors/job_rules.hpp"

#include <catch2/catch.hpp>

using namespace downhill;

namespace {

// main ── staging
const environment_parents tree{{"main", ""}, {"staging", "main"}};

scheduler::schedule daily() {
  auto parsed = scheduler::parse_schedule(R"({"kind":"daily","at":"02:30"})");
  REQUIRE(parsed.value);
  return *parsed.value;
}

job_spec job(std::optional<persistence::job_type> type,
             const std::string& base, const std::string& target) {
  job_spec spec;
  spec.name = "x";
  spec.type = type;
  spec.base_environment = base;
  spec.target_environment = target;
  return spec;
}

} // namespace

TEST_CASE("a job of an unknown type is invalid_field type, before any other "
          "rule") {
  for (auto type : {"drop_everything", "", "Sync_Environments"}) {
    INFO(type);
    // Unknown environments and a recurring schedule would break other rules.
    auto spec = job(persistence::job_type_from_string(type), "nowhere",
                    "main");
    spec.schedule = daily();
    auto e = check_job(spec, tree);
    CHECK(e.code == error_code::invalid_field);
    CHECK(e.field == "type");
    CHECK(e.message == "type must be create_environment or sync_environments.");
  }
}

TEST_CASE("a recurring Create is invalid_schedule, before its other rules") {
  // Every other Create rule is broken too: the alias is invalid, taken
  // would be next, and the base does not exist.
  auto spec = job(persistence::job_type::create_environment, "nowhere", "Not Valid");
  spec.schedule = daily();
  auto e = check_job(spec, tree);
  CHECK(e.code == error_code::invalid_schedule);
  CHECK(e.field == "schedule");
  CHECK(e.message
        == "A Create Environment job creates one environment: run it with "
           "{\"kind\":\"now\"}.");
  // Run now, the same Create is refused for its alias instead.
  spec.schedule = {};
  CHECK(check_job(spec, tree).code == error_code::invalid_field);
}

TEST_CASE("a recurring sync follows the sync rules") {
  auto spec = job(persistence::job_type::sync_environments, "main", "staging");
  spec.schedule = daily();
  CHECK_FALSE(check_job(spec, tree));
  spec.target_environment = "main";
  CHECK(check_job(spec, tree).code == error_code::same_environment);
}

TEST_CASE("a Create's rules come in order: alias, display name, base, "
          "name taken") {
  auto spec = job(persistence::job_type::create_environment, "nowhere", "Not Valid");
  spec.display_name = std::string(101, 'x');
  auto e = check_job(spec, tree);
  CHECK(e.code == error_code::invalid_field);
  CHECK(e.field == "new_environment");
  spec.target_environment = "staging";  // valid, and taken
  e = check_job(spec, tree);
  CHECK(e.field == "display_name");
  spec.display_name = std::string(100, 'x');  // the most it may be
  e = check_job(spec, tree);
  CHECK(e.code == error_code::unknown_environment);
  CHECK(e.field == "base_environment");
  spec.base_environment = "main";
  e = check_job(spec, tree);
  CHECK(e.code == error_code::name_taken);
  CHECK(e.field == "new_environment");
  spec.target_environment = "preview";
  CHECK_FALSE(check_job(spec, tree));
}

TEST_CASE("a sync's rules come in order: base, target, same, main, "
          "direction, parent") {
  auto e = check_job(job(persistence::job_type::sync_environments, "nope", "nope2"), tree);
  CHECK(e.field == "base_environment");
  e = check_job(job(persistence::job_type::sync_environments, "main", "nope2"), tree);
  CHECK(e.field == "target_environment");
  // main into main: same_environment wins over main_as_target.
  CHECK(check_job(job(persistence::job_type::sync_environments, "main", "main"), tree).code
        == error_code::same_environment);
  // staging into main: main_as_target wins over child_to_parent.
  CHECK(check_job(job(persistence::job_type::sync_environments, "staging", "main"), tree).code
        == error_code::main_as_target);
}
