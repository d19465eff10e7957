// Recurring schedules: parsing and validation of the API's `schedule`
// objects, and the next fire time after any instant, in an IANA time zone.
// Pure functions: no actor, no clock; tests pass the instants in.
//
// Daylight saving (the rule, for every kind but `interval`): schedules name
// local wall-clock times. A local time that does not exist (the hour skipped
// when clocks spring forward) fires at the instant the clocks jump, so a
// daily 02:30 in Europe/Berlin runs at 03:00 CEST that night: never skipped.
// A local time that happens twice (the hour repeated when clocks fall back)
// fires at its first occurrence only: never doubled. `interval` counts real
// seconds and ignores the zone's clock changes.
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace downhill::scheduler {

using time_point = std::chrono::time_point<std::chrono::system_clock,
                                           std::chrono::seconds>;

/// A 5-field cron expression, expanded: minute hour day-of-month month
/// day-of-week. hourly, daily and weekly are expressed as one.
struct cron_fields {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1-31
  std::bitset<13> months;         // 1-12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool day_of_month_restricted = false;
  bool day_of_week_restricted = false;

  bool operator==(const cron_fields& other) const;
};

/// A parsed schedule. It keeps the fields its kind defines as the client
/// gave them (`minute`, `at`, `day`, `expression`, a named `timezone`), so
/// that stored_json() writes back exactly what was asked for.
struct schedule {
  enum class kind { now, hourly, daily, weekly, interval, cron };
  kind what = kind::now;
  std::string timezone = "UTC";
  bool timezone_named = false;  // the client gave `timezone` (stored then)
  int64_t every_seconds = 0;    // interval
  int32_t minute = 0;           // hourly
  std::string at;               // daily, weekly: "HH:MM"
  std::string day;              // weekly: "mon", as given
  std::string expression;       // cron
  cron_fields fields;           // hourly, daily, weekly, cron: expanded

  bool operator==(const schedule& other) const;
  bool operator!=(const schedule& other) const { return !(*this == other); }
};

/// A schedule or the words saying which part is wrong.
struct parsed_schedule {
  std::optional<schedule> value;
  std::string error;
};

/// Parses the API's schedule object, given as JSON text.
parsed_schedule parse_schedule(const std::string& json_text);

/// The schedule as a job stores and shows it: `kind` and the fields the
/// kind defines, nothing else. parse_schedule(stored_json(s)) == s.
std::string stored_json(const schedule& s);

/// Parses a cron expression; an empty string on success, else the error.
std::string parse_cron(const std::string& expression, cron_fields& out);

/// The first fire time strictly after `after`. `anchor` (the job's creation)
/// fixes the phase of an interval. Empty for `now` or a schedule that never
/// fires (e.g. February 30th).
std::optional<time_point> next_fire(const schedule& s, time_point after,
                                    time_point anchor);

/// Whether `s` repeats (every kind but `now`).
inline bool is_recurring(const schedule& s) {
  return s.what != schedule::kind::now;
}

} // namespace downhill::scheduler
