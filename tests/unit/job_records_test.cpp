// One conversion per pair of forms a job takes (actors/job_records.hpp).
#include "actors/job_records.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace downhill;

namespace {

job_spec nightly_sync() {
  job_spec spec;
  spec.job_id = 7;
  spec.name = "Nightly";
  spec.type = persistence::job_type::sync_environments;
  spec.base_environment = "main";
  spec.target_environment = "staging";
  auto parsed = scheduler::parse_schedule(
    R"({"kind":"daily","at":"02:30","timezone":"Europe/Berlin"})");
  REQUIRE(parsed.value);
  spec.schedule = *parsed.value;
  spec.trigger = "manual";
  spec.created_by = "alice";
  return spec;
}

} // namespace

TEST_CASE("a job's row carries every field and the stored schedule") {
  auto row = job_record_of(nightly_sync(), "acme");
  CHECK(row.id == 7);
  CHECK(row.org_id == "acme");
  CHECK(row.name == "Nightly");
  CHECK(row.type == persistence::job_type::sync_environments);
  CHECK(row.base_environment == "main");
  CHECK(row.target_environment == "staging");
  CHECK(row.created_by == "alice");
  CHECK(row.state == persistence::job_state::once);
  CHECK(nlohmann::json::parse(row.schedule_json)
        == nlohmann::json{{"kind", "daily"},
                          {"at", "02:30"},
                          {"timezone", "Europe/Berlin"}});
}

TEST_CASE("a stored recurring job comes back as the spec its firings "
          "submit") {
  auto row = job_record_of(nightly_sync(), "acme");
  row.state = persistence::job_state::paused;
  row.created_at = 1000;
  row.next_run_at = 5000;
  auto held = recurring_job_of(row, fire_target{});
  REQUIRE_FALSE(held.error);
  auto& spec = held.value.spec;
  CHECK(spec.job_id == 7);
  CHECK(spec.name == "Nightly");
  CHECK(spec.base_environment == "main");
  CHECK(spec.target_environment == "staging");
  CHECK(spec.schedule == nightly_sync().schedule);
  CHECK(spec.trigger == "schedule");
  CHECK(spec.created_by == "scheduler");
  CHECK(held.value.org_id == "acme");
  CHECK(held.value.anchor == 1000);
  CHECK(held.value.next_run_at == 5000);
  CHECK(held.value.paused);
  row.schedule_json = R"({"kind":"fortnightly"})";
  auto broken = recurring_job_of(row, fire_target{});
  CHECK(broken.error.code == error_code::internal);
  CHECK(broken.error.message.find("fortnightly") != std::string::npos);
}

TEST_CASE("a Create's environment and a run's record come from its spec") {
  job_spec spec;
  spec.type = persistence::job_type::create_environment;
  spec.name = "Create Preview";
  spec.base_environment = "main";
  spec.target_environment = "preview";
  spec.created_by = "alice";
  auto env = new_environment_of(spec, "acme");
  CHECK(env.id == "preview");
  CHECK(env.display_name == "preview");  // defaults to the alias
  CHECK(env.parent == "main");
  CHECK(env.status == persistence::environment_status::creating);
  CHECK(env.org_id == "acme");
  spec.display_name = "Preview";
  CHECK(new_environment_of(spec, "acme").display_name == "Preview");

  persistence::created_run created;
  created.job_id = 3;
  created.run_id = 9;
  created.created_at = 1234;
  auto run = run_record_of(spec, "acme", created);
  CHECK(run.id == 9);
  CHECK(run.job_id == 3);
  CHECK(run.name == "Create Preview");
  CHECK(run.type == persistence::job_type::create_environment);
  CHECK(run.status == persistence::run_status::running);
  CHECK(run.trigger == "manual");
  CHECK(run.created_by == "alice");
  CHECK(run.base_environment == "main");
  CHECK(run.target_environment == "preview");
  CHECK(run.created_at == 1234);
}
