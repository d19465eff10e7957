// Fuzzes schedule parsing and next fire times (scheduler/schedule.hpp).
// The input is tried both ways a client can send a schedule: as the API's
// schedule object (JSON text) and as the expression of a cron schedule.
// Every accepted schedule is asked for its next fire times around instants
// where bugs hide (clock changes, leap days, far future), and each answer
// must be strictly after the instant asked about, as next_fire promises.
#include "scheduler/schedule.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace downhill::scheduler;

namespace {

void check_fires(const schedule& s) {
  static const std::array<int64_t, 6> instants{
    0,           // 1970-01-01
    1711846800,  // 2024-03-31 01:00 UTC: Europe springs forward
    1729990800,  // 2024-10-27 01:00 UTC: Europe falls back
    1709164800,  // 2024-02-29: a leap day
    2147483647,  // 2038-01-19: 32-bit time_t ends
    4102444800,  // 2100-01-01: not a leap year
  };
  for (auto seconds : instants) {
    time_point after{std::chrono::seconds{seconds}};
    time_point anchor{std::chrono::seconds{seconds - 12345}};
    auto fire = next_fire(s, after, anchor);
    if (fire && *fire <= after)
      std::abort();  // next_fire must answer strictly after `after`
    if (fire && is_recurring(s)) {
      // The fire after that one also moves forward.
      auto again = next_fire(s, *fire, anchor);
      if (again && *again <= *fire)
        std::abort();
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);

  auto parsed = parse_schedule(text);
  if (parsed.value.has_value() == !parsed.error.empty())
    std::abort();  // exactly one of a value and an error
  if (parsed.value)
    check_fires(*parsed.value);

  cron_fields fields;
  if (parse_cron(text, fields).empty()) {
    schedule s;
    s.what = schedule::kind::cron;
    s.fields = fields;
    check_fires(s);
    // The same expression through the API's object, in a time zone with
    // clock changes: must parse too.
    auto object = nlohmann::json{{"kind", "cron"},
                                 {"expression", text},
                                 {"timezone", "Europe/Berlin"}};
    std::string as_json;
    try {
      as_json = object.dump();
    } catch (const nlohmann::json::type_error&) {
      return 0;  // not UTF-8: no client can send it inside JSON
    }
    auto via_api = parse_schedule(as_json);
    if (!via_api.value)
      std::abort();
    check_fires(*via_api.value);
  }
  return 0;
}
