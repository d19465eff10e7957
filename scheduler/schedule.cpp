#include "scheduler/schedule.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <sstream>
#include <vector>

namespace downhill::scheduler {

namespace {

using json = nlohmann::json;
using namespace std::chrono;

const char* const month_names[]
  = {"jan", "feb", "mar", "apr", "may", "jun",
     "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri",
                                 "sat"};

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A number or (for months and days) a three-letter name.
bool parse_value(const std::string& text, int min, int max,
                 const char* const* names, int name_base, int& out) {
  if (text.empty())
    return false;
  if (names != nullptr && std::isalpha(static_cast<unsigned char>(text[0]))) {
    auto name = lower(text);
    for (int i = 0; i <= max - name_base && i < (names == day_names ? 7 : 12); ++i)
      if (name == names[i]) {
        out = i + name_base;
        return true;
      }
    return false;
  }
  if (text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoi(text);
  return out >= min && out <= max;
}

/// One cron field: lists of `*`, `N`, `A-B`, each optionally `/STEP`.
template <size_t N>
std::string parse_field(const std::string& text, const char* field, int min,
                        int max, const char* const* names, int name_base,
                        std::bitset<N>& out, bool& restricted) {
  std::string why = std::string{"cron field '"} + field + "' ('" + text
                    + "'): ";
  restricted = text != "*";
  std::stringstream items{text};
  std::string item;
  bool any = false;
  while (std::getline(items, item, ',')) {
    any = true;
    int step = 1;
    auto slash = item.find('/');
    if (slash != std::string::npos) {
      if (!parse_value(item.substr(slash + 1), 1, max, nullptr, 0, step))
        return why + "the step must be a number from 1 to "
               + std::to_string(max);
      item = item.substr(0, slash);
    }
    int low = min;
    int high = max;
    if (item != "*") {
      auto dash = item.find('-');
      if (dash == std::string::npos) {
        if (!parse_value(item, min, max, names, name_base, low))
          return why + "values must be from " + std::to_string(min) + " to "
                 + std::to_string(max);
        high = slash == std::string::npos ? low : max;
      } else if (!parse_value(item.substr(0, dash), min, max, names,
                              name_base, low)
                 || !parse_value(item.substr(dash + 1), min, max, names,
                                 name_base, high)
                 || low > high) {
        return why + "a range must be LOW-HIGH within " + std::to_string(min)
               + "-" + std::to_string(max);
      }
    }
    for (int v = low; v <= high; v += step)
      out.set(static_cast<size_t>(v));
  }
  if (!any)
    return why + "it is empty";
  return {};
}

/// "HH:MM" -> hour and minute.
bool parse_clock(const std::string& text, int& hour, int& minute) {
  if (text.size() != 5 || text[2] != ':')
    return false;
  auto h = text.substr(0, 2);
  auto m = text.substr(3, 2);
  if (h.find_first_not_of("0123456789") != std::string::npos
      || m.find_first_not_of("0123456789") != std::string::npos)
    return false;
  hour = std::stoi(h);
  minute = std::stoi(m);
  return hour < 24 && minute < 60;
}

cron_fields daily_at(int hour, int minute) {
  cron_fields f;
  f.minutes.set(static_cast<size_t>(minute));
  f.hours.set(static_cast<size_t>(hour));
  f.days_of_month.set();
  f.days_of_month.reset(0);
  f.months.set();
  f.months.reset(0);
  f.days_of_week.set();
  return f;
}

bool day_matches(const cron_fields& f, date::year_month_day ymd) {
  auto dom = f.days_of_month.test(unsigned(ymd.day()));
  auto dow = f.days_of_week.test(date::weekday{date::sys_days{ymd}}.c_encoding());
  // As in Vixie cron: when both are restricted, either may match.
  if (f.day_of_month_restricted && f.day_of_week_restricted)
    return dom || dow;
  return dom && dow;
}

/// The first local minute at or after `from` that matches the fields.
std::optional<date::local_seconds> next_local_match(const cron_fields& f,
                                                    date::local_seconds from) {
  auto t = date::floor<minutes>(from);
  if (t < from)
    t += minutes{1};
  // Five years is enough for any expression that ever fires (Feb 29th).
  auto limit = t + date::days{366 * 5};
  while (t < limit) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    if (!f.months.test(unsigned(ymd.month()))) {
      auto next_month = date::year_month{ymd.year(), ymd.month()}
                        + date::months{1};
      t = date::local_days{next_month / 1};
      continue;
    }
    if (!day_matches(f, ymd)) {
      t = day + date::days{1};
      continue;
    }
    date::hh_mm_ss<minutes> clock{t - day};
    if (!f.hours.test(static_cast<size_t>(clock.hours().count()))) {
      t = day + clock.hours() + hours{1};
      continue;
    }
    if (!f.minutes.test(static_cast<size_t>(clock.minutes().count()))) {
      t += minutes{1};
      continue;
    }
    return date::local_seconds{t};
  }
  return std::nullopt;
}

} // namespace

std::string parse_cron(const std::string& expression, cron_fields& out) {
  std::stringstream in{expression};
  std::vector<std::string> parts;
  std::string part;
  while (in >> part)
    parts.push_back(part);
  if (parts.size() != 5)
    return "a cron expression has 5 fields (minute hour day-of-month month "
           "day-of-week); got "
           + std::to_string(parts.size());
  cron_fields f;
  bool ignored = false;
  std::string error;
  if (!(error = parse_field(parts[0], "minute", 0, 59, nullptr, 0, f.minutes,
                            ignored))
         .empty()
      || !(error = parse_field(parts[1], "hour", 0, 23, nullptr, 0, f.hours,
                               ignored))
            .empty()
      || !(error = parse_field(parts[2], "day-of-month", 1, 31, nullptr, 0,
                               f.days_of_month, f.day_of_month_restricted))
            .empty()
      || !(error = parse_field(parts[3], "month", 1, 12, month_names, 1,
                               f.months, ignored))
            .empty())
    return error;
  std::bitset<8> dow;
  error = parse_field(parts[4], "day-of-week", 0, 7, day_names, 0, dow,
                      f.day_of_week_restricted);
  if (!error.empty())
    return error;
  for (size_t d = 0; d < 7; ++d)
    f.days_of_week[d] = dow[d];
  if (dow[7])
    f.days_of_week.set(0);  // 7 is Sunday too
  out = f;
  return {};
}

parsed_schedule parse_schedule(const std::string& json_text) {
  auto fail = [](std::string why) { return parsed_schedule{std::nullopt, why}; };
  auto j = json::parse(json_text, nullptr, false);
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    return fail("schedule must be an object with a string 'kind'");
  schedule s;
  auto kind = j["kind"].get<std::string>();
  if (kind == "now")
    return {s, {}};
  if (j.contains("timezone")) {
    if (!j["timezone"].is_string())
      return fail("timezone must be an IANA zone name such as "
                  "'Europe/Berlin'");
    s.timezone = j["timezone"].get<std::string>();
    s.timezone_named = true;
  }
  try {
    date::locate_zone(s.timezone);
  } catch (const std::exception&) {
    return fail("unknown timezone '" + s.timezone.substr(0, 64)
                + "': use an IANA zone name such as 'Europe/Berlin'");
  }
  int hour = 0;
  int minute = 0;
  auto clock_of = [&](const char* field) -> std::string {
    if (!j.contains(field) || !j[field].is_string()
        || !parse_clock(j[field].get<std::string>(), hour, minute))
      return std::string{field} + " must be a time \"HH:MM\" (00:00-23:59)";
    s.at = j[field].get<std::string>();
    return {};
  };
  if (kind == "hourly") {
    s.what = schedule::kind::hourly;
    if (!j.contains("minute") || !j["minute"].is_number_integer()
        || j["minute"].get<int64_t>() < 0 || j["minute"].get<int64_t>() > 59)
      return fail("minute must be a whole number from 0 to 59");
    s.minute = static_cast<int32_t>(j["minute"].get<int64_t>());
    s.fields = daily_at(0, s.minute);
    s.fields.hours.set();
  } else if (kind == "daily") {
    s.what = schedule::kind::daily;
    if (auto e = clock_of("at"); !e.empty())
      return fail(e);
    s.fields = daily_at(hour, minute);
  } else if (kind == "weekly") {
    s.what = schedule::kind::weekly;
    if (auto e = clock_of("at"); !e.empty())
      return fail(e);
    int day = -1;
    if (!j.contains("day") || !j["day"].is_string()
        || !parse_value(j["day"].get<std::string>(), 0, 6, day_names, 0, day)
        || j["day"].get<std::string>().size() != 3)
      return fail("day must be one of mon, tue, wed, thu, fri, sat, sun");
    s.day = j["day"].get<std::string>();
    s.fields = daily_at(hour, minute);
    s.fields.days_of_week.reset();
    s.fields.days_of_week.set(static_cast<size_t>(day));
    s.fields.day_of_week_restricted = true;
  } else if (kind == "interval") {
    s.what = schedule::kind::interval;
    if (!j.contains("every_seconds") || !j["every_seconds"].is_number_integer()
        || j["every_seconds"].get<int64_t>() < 1
        || j["every_seconds"].get<int64_t>() > 366LL * 24 * 3600)
      return fail("every_seconds must be a whole number from 1 to 31622400");
    s.every_seconds = j["every_seconds"].get<int64_t>();
  } else if (kind == "cron") {
    s.what = schedule::kind::cron;
    if (!j.contains("expression") || !j["expression"].is_string())
      return fail("expression must be a 5-field cron expression such as "
                  "'*/15 * * * *'");
    s.expression = j["expression"].get<std::string>();
    auto error = parse_cron(s.expression, s.fields);
    if (!error.empty())
      return fail(error);
  } else {
    return fail("unknown kind '" + kind.substr(0, 32)
                + "': use now, hourly, daily, weekly, interval or cron");
  }
  return {s, {}};
}

std::string stored_json(const schedule& s) {
  json out;
  switch (s.what) {
    case schedule::kind::now:
      return json{{"kind", "now"}}.dump();  // a `now` has no other field
    case schedule::kind::hourly:
      out = {{"kind", "hourly"}, {"minute", s.minute}};
      break;
    case schedule::kind::daily:
      out = {{"kind", "daily"}, {"at", s.at}};
      break;
    case schedule::kind::weekly:
      out = {{"kind", "weekly"}, {"day", s.day}, {"at", s.at}};
      break;
    case schedule::kind::interval:
      out = {{"kind", "interval"}, {"every_seconds", s.every_seconds}};
      break;
    case schedule::kind::cron:
      out = {{"kind", "cron"}, {"expression", s.expression}};
      break;
  }
  if (s.timezone_named)
    out["timezone"] = s.timezone;
  return out.dump();
}

bool cron_fields::operator==(const cron_fields& other) const {
  return minutes == other.minutes && hours == other.hours
         && days_of_month == other.days_of_month && months == other.months
         && days_of_week == other.days_of_week
         && day_of_month_restricted == other.day_of_month_restricted
         && day_of_week_restricted == other.day_of_week_restricted;
}

bool schedule::operator==(const schedule& other) const {
  return what == other.what && timezone == other.timezone
         && timezone_named == other.timezone_named
         && every_seconds == other.every_seconds && minute == other.minute
         && at == other.at && day == other.day
         && expression == other.expression && fields == other.fields;
}

std::optional<time_point> next_fire(const schedule& s, time_point after,
                                    time_point anchor) {
  switch (s.what) {
    case schedule::kind::now:
      return std::nullopt;
    case schedule::kind::interval: {
      auto every = seconds{s.every_seconds};
      if (after < anchor)
        return anchor;
      auto periods = (after - anchor) / every + 1;
      return anchor + periods * every;
    }
    default:
      break;
  }
  auto zone = date::locate_zone(s.timezone);
  // Search local wall-clock times from the local time of `after`; map each
  // match to an instant (a skipped local time to the jump, a repeated one to
  // its first occurrence) and take the first instant after `after`.
  auto local = zone->to_local(after) + seconds{1};
  // At most an hour of matches can fall on a repeated hour's second pass.
  for (int attempts = 0; attempts < 120; ++attempts) {
    auto match = next_local_match(s.fields, local);
    if (!match)
      return std::nullopt;
    auto info = zone->get_info(*match);
    time_point instant;
    if (info.result == date::local_info::nonexistent)
      instant = date::floor<seconds>(info.first.end);
    else
      instant = date::floor<seconds>(
        zone->to_sys(*match, date::choose::earliest));
    if (instant > after)
      return instant;
    // The match fell on the repeated hour's second pass (its first pass is
    // already behind `after`): look further.
    local = *match + minutes{1};
  }
  return std::nullopt;
}

} // namespace downhill::scheduler
