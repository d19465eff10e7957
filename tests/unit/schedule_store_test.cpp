// A schedule is parsed once, where it enters the server; its stored form is
// written from the parsed value (stored_json), and reading that back gives
// the same value. Between actors it travels parsed (CAF's inspect).
#include "actors/message_inspect.hpp"
#include "scheduler/schedule.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace downhill;
using nlohmann::json;

namespace {

scheduler::schedule parse(const std::string& text) {
  auto parsed = scheduler::parse_schedule(text);
  INFO(parsed.error);
  REQUIRE(parsed.value);
  return *parsed.value;
}

} // namespace

TEST_CASE("each kind's stored form is what the client asked for, and parses "
          "back to the same schedule") {
  const char* schedules[] = {
    R"({"kind":"now"})",
    R"({"kind":"hourly","minute":5})",
    R"({"kind":"hourly","minute":0,"timezone":"Asia/Kolkata"})",
    R"({"kind":"daily","at":"02:30"})",
    R"({"kind":"daily","at":"23:59","timezone":"Europe/Berlin"})",
    R"({"kind":"weekly","day":"mon","at":"02:30"})",
    R"({"kind":"weekly","day":"SUN","at":"00:00","timezone":"America/New_York"})",
    R"({"kind":"interval","every_seconds":3600})",
    R"({"kind":"interval","every_seconds":1,"timezone":"UTC"})",
    R"({"kind":"cron","expression":"*/15 * * * *"})",
    R"({"kind":"cron","expression":"0 9-17/2 1,15 jan-jun mon-fri","timezone":"Europe/Berlin"})",
  };
  for (auto text : schedules) {
    INFO(text);
    auto first = parse(text);
    auto stored = scheduler::stored_json(first);
    CHECK(json::parse(stored) == json::parse(text));
    CHECK(parse(stored) == first);
  }
}

TEST_CASE("a stored schedule keeps only the fields its kind defines") {
  auto s = parse(R"({"kind":"daily","at":"02:30","minute":7,"junk":[1,2],)"
                 R"("expression":"* * * * *"})");
  CHECK(json::parse(scheduler::stored_json(s))
        == json{{"kind", "daily"}, {"at", "02:30"}});
  // A `now` has no field but its kind, a timezone included.
  s = parse(R"({"kind":"now","timezone":"Europe/Berlin","minute":3})");
  CHECK(scheduler::stored_json(s) == R"({"kind":"now"})");
}

TEST_CASE("schedules that differ in any field are not equal") {
  CHECK(parse(R"({"kind":"daily","at":"02:30"})")
        != parse(R"({"kind":"daily","at":"02:31"})"));
  CHECK(parse(R"({"kind":"daily","at":"02:30"})")
        != parse(R"({"kind":"daily","at":"02:30","timezone":"UTC"})"));
  CHECK(parse(R"({"kind":"cron","expression":"0 * * * *"})")
        != parse(R"({"kind":"hourly","minute":0})"));
}

TEST_CASE("a job_spec crosses an actor boundary with its schedule parsed") {
  job_spec sent;
  sent.job_id = 42;
  sent.name = "Nightly";
  sent.type = persistence::job_type::sync_environments;
  sent.base_environment = "main";
  sent.target_environment = "staging";
  sent.schedule = parse(R"({"kind":"cron","expression":"5 4 * * sun",)"
                        R"("timezone":"Europe/Berlin"})");
  sent.trigger = "schedule";
  sent.created_by = "scheduler";
  std::vector<char> bytes;
  caf::binary_serializer sink{nullptr, bytes};
  REQUIRE_FALSE(sink(sent));
  job_spec received;
  caf::binary_deserializer source{nullptr, bytes};
  REQUIRE_FALSE(source(received));
  CHECK(received.schedule == sent.schedule);
  CHECK(received.schedule.fields.minutes.test(5));
  CHECK(received.schedule.fields.hours.test(4));
  CHECK(received.schedule.fields.days_of_week.count() == 1);
  CHECK(received.job_id == 42);
  CHECK(received.name == "Nightly");
  CHECK(received.target_environment == "staging");
  CHECK(received.created_by == "scheduler");
}
