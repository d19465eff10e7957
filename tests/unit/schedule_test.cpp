#include "scheduler/schedule.hpp"

#include <catch2/catch.hpp>
#include <date/date.h>

#include <cstdio>

using namespace downhill::scheduler;

namespace {

/// "2025-03-30 01:00:00" (UTC) -> time_point.
time_point utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  REQUIRE(std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi,
                      &sec)
          == 6);
  auto day = date::sys_days{date::year{y} / mo / d};
  return day + std::chrono::hours{h} + std::chrono::minutes{mi}
         + std::chrono::seconds{sec};
}

std::string show(std::optional<time_point> t) {
  return t ? date::format("%Y-%m-%d %H:%M:%S", *t) : "never";
}

schedule parse(const std::string& json_text) {
  auto parsed = parse_schedule(json_text);
  INFO(parsed.error);
  REQUIRE(parsed.value);
  return *parsed.value;
}

std::string next(const std::string& json_text, const std::string& after,
                 const std::string& anchor = "2000-01-01 00:00:00") {
  return show(next_fire(parse(json_text), utc(after), utc(anchor)));
}

std::string error_of(const std::string& json_text) {
  auto parsed = parse_schedule(json_text);
  REQUIRE_FALSE(parsed.value);
  return parsed.error;
}

} // namespace

TEST_CASE("each schedule kind fires at its next slot") {
  struct row {
    const char* schedule;
    const char* after;
    const char* expected;
  };
  const row table[] = {
    {R"({"kind":"hourly","minute":5})", "2025-06-01 10:07:00",
     "2025-06-01 11:05:00"},
    {R"({"kind":"hourly","minute":5})", "2025-06-01 10:04:59",
     "2025-06-01 10:05:00"},
    {R"({"kind":"hourly","minute":5})", "2025-06-01 10:05:00",
     "2025-06-01 11:05:00"},
    {R"({"kind":"daily","at":"02:30"})", "2024-01-31 03:00:00",
     "2024-02-01 02:30:00"},
    {R"({"kind":"daily","at":"23:59"})", "2024-12-31 23:59:30",
     "2025-01-01 23:59:00"},
    {R"({"kind":"weekly","day":"mon","at":"09:00"})", "2025-12-30 12:00:00",
     "2026-01-05 09:00:00"},
    {R"({"kind":"weekly","day":"sun","at":"00:00"})", "2026-12-27 00:00:00",
     "2027-01-03 00:00:00"},
    {R"({"kind":"cron","expression":"0 0 31 * *"})", "2024-04-15 00:00:00",
     "2024-05-31 00:00:00"},
    {R"({"kind":"cron","expression":"0 12 29 2 *"})", "2025-03-01 00:00:00",
     "2028-02-29 12:00:00"},
    {R"({"kind":"cron","expression":"0 9 * * mon-fri"})",
     "2025-06-06 10:00:00", "2025-06-09 09:00:00"},
    {R"({"kind":"cron","expression":"15,45 */6 * jan,jul *"})",
     "2025-01-31 18:50:00", "2025-07-01 00:15:00"},
    {R"({"kind":"cron","expression":"*/15 * * * *"})", "2025-06-01 10:14:59",
     "2025-06-01 10:15:00"},
    {R"({"kind":"cron","expression":"0 0 1 1 7"})", "2025-01-02 00:00:00",
     "2025-01-05 00:00:00"},  // day-of-month OR day-of-week (Sunday as 7)
    {R"({"kind":"cron","expression":"0 0 30 2 *"})", "2025-01-01 00:00:00",
     "never"},
  };
  for (auto& r : table) {
    INFO(r.schedule << " after " << r.after);
    CHECK(next(r.schedule, r.after) == r.expected);
  }
}

TEST_CASE("an interval keeps the phase of its anchor") {
  auto every_hour = R"({"kind":"interval","every_seconds":3600})";
  CHECK(next(every_hour, "2025-06-01 12:30:00", "2025-06-01 10:00:00")
        == "2025-06-01 13:00:00");
  CHECK(next(every_hour, "2025-06-01 13:00:00", "2025-06-01 10:00:00")
        == "2025-06-01 14:00:00");
  CHECK(next(R"({"kind":"interval","every_seconds":1})",
             "2025-06-01 12:30:00", "2025-06-01 10:00:00")
        == "2025-06-01 12:30:01");
  // Clock changes do not matter to an interval.
  CHECK(next(R"({"kind":"interval","every_seconds":3600,)"
             R"("timezone":"Europe/Berlin"})",
             "2025-03-30 00:30:00", "2025-03-30 00:00:00")
        == "2025-03-30 01:00:00");
}

TEST_CASE("a daily run in Europe/Berlin is neither skipped nor doubled "
          "across daylight saving changes") {
  auto daily = R"({"kind":"daily","at":"02:30","timezone":"Europe/Berlin"})";
  // Spring forward, 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 02:30
  // does not exist; the run happens at the jump (01:00 UTC).
  CHECK(next(daily, "2025-03-29 00:00:00") == "2025-03-29 01:30:00");
  CHECK(next(daily, "2025-03-29 01:30:00") == "2025-03-30 01:00:00");
  CHECK(next(daily, "2025-03-30 01:00:00") == "2025-03-31 00:30:00");
  // Fall back, 2025-10-26: 02:30 happens at 00:30 UTC (CEST) and again at
  // 01:30 UTC (CET); the run happens at the first only.
  CHECK(next(daily, "2025-10-25 23:00:00") == "2025-10-26 00:30:00");
  CHECK(next(daily, "2025-10-26 00:30:00") == "2025-10-27 01:30:00");
}

TEST_CASE("a daily run in America/New_York is neither skipped nor doubled "
          "across daylight saving changes") {
  auto at_0230 = R"({"kind":"daily","at":"02:30",)"
                 R"("timezone":"America/New_York"})";
  // 2025-03-09: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  CHECK(next(at_0230, "2025-03-08 08:00:00") == "2025-03-09 07:00:00");
  CHECK(next(at_0230, "2025-03-09 07:00:00") == "2025-03-10 06:30:00");
  auto at_0130 = R"({"kind":"daily","at":"01:30",)"
                 R"("timezone":"America/New_York"})";
  // 2025-11-02: 01:30 happens at 05:30 UTC (EDT) and 06:30 UTC (EST).
  CHECK(next(at_0130, "2025-11-02 04:00:00") == "2025-11-02 05:30:00");
  CHECK(next(at_0130, "2025-11-02 05:30:00") == "2025-11-03 06:30:00");
}

TEST_CASE("a sub-hourly cron runs the repeated hour once") {
  auto quarter = R"({"kind":"cron","expression":"*/15 * * * *",)"
                 R"("timezone":"Europe/Berlin"})";
  // 00:45 UTC is 02:45 CEST, the first pass of the repeated hour; the next
  // local slot, 03:00 CET, is 02:00 UTC: the second pass is not repeated.
  CHECK(next(quarter, "2025-10-26 00:45:00") == "2025-10-26 02:00:00");
  // Inside the second pass (01:10 UTC = 02:10 CET) it waits for 03:00 CET.
  CHECK(next(quarter, "2025-10-26 01:10:00") == "2025-10-26 02:00:00");
}

TEST_CASE("invalid schedules name the part that is wrong") {
  CHECK(error_of(R"({"kind":"cron","expression":"61 * * * *"})").find("minute")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"cron","expression":"* * * *"})").find("5 fields")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"cron","expression":"* * * foo *"})")
          .find("month")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"cron","expression":"* 5-2 * * *"})").find("hour")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"cron","expression":"*/0 * * * *"})").find("step")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"daily","at":"25:00"})").find("at")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"daily","at":"2:30"})").find("HH:MM")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"weekly","day":"someday","at":"02:30"})")
          .find("day")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"hourly","minute":60})").find("minute")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"interval","every_seconds":0})")
          .find("every_seconds")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"daily","at":"02:30","timezone":"Mars/Olympus"})")
          .find("timezone")
        != std::string::npos);
  CHECK(error_of(R"({"kind":"fortnightly"})").find("kind")
        != std::string::npos);
  CHECK(error_of(R"("now")").find("kind") != std::string::npos);
}
