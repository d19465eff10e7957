#include "fanout/frame_scan.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>

namespace downhill::bench {

namespace {

/// The text right after `"key":` (an unescaped quote cannot occur inside
/// a JSON string, so this is the key itself); empty if absent.
std::string_view after_key(std::string_view text, std::string_view key) {
  // memmem: glibc's is vectorized, and this runs for every frame of every
  // client.
  auto* at = static_cast<const char*>(
    ::memmem(text.data(), text.size(), key.data(), key.size()));
  if (at == nullptr)
    return {};
  return text.substr(static_cast<size_t>(at - text.data()) + key.size());
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// days_from_civil): no timegm, no time zone lookups, per frame.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t leading_integer(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

bool digits(std::string_view text, size_t from, size_t count, int& out) {
  out = 0;
  for (size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9')
      return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

} // namespace

int64_t parse_time_us(std::string_view t) {
  if (t.size() < 27 || t[4] != '-' || t[7] != '-' || t[10] != 'T'
      || t[13] != ':' || t[16] != ':' || t[19] != '.' || t[26] != 'Z')
    return -1;
  int year, month, day, hour, minute, second, micros;
  if (!digits(t, 0, 4, year) || !digits(t, 5, 2, month)
      || !digits(t, 8, 2, day) || !digits(t, 11, 2, hour)
      || !digits(t, 14, 2, minute) || !digits(t, 17, 2, second)
      || !digits(t, 20, 6, micros))
    return -1;
  int64_t seconds = days_from_civil(year, static_cast<unsigned>(month),
                                    static_cast<unsigned>(day))
                      * 86400
                    + hour * 3600 + minute * 60 + second;
  return seconds * 1000000 + micros;
}

scanned_frame scan_frame(std::string_view text) {
  scanned_frame f;
  auto sent = after_key(text, "\"sent_at\":\"");
  if (!sent.empty())
    f.sent_us = parse_time_us(sent.substr(0, 27));
  auto type = after_key(text, "\"type\":\"");
  if (type.substr(0, 4) == "log\"") {
    f.type = scanned_frame::kind::log;
    f.seq = leading_integer(after_key(text, "\"seq\":"));
    f.run_id = leading_integer(after_key(text, "\"run_id\":\""));
  } else if (type.substr(0, 9) == "progress\"") {
    f.type = scanned_frame::kind::progress;
    f.run_id = leading_integer(after_key(text, "\"run_id\":\""));
  }
  return f;
}

void read_run_frame(std::string_view text, scanned_frame& f) {
  auto frame = nlohmann::json::parse(text, nullptr, false);
  if (frame.is_object() && frame.value("type", "") == "run"
      && frame["run"].is_object()) {
    auto& run = frame["run"];
    f.type = scanned_frame::kind::run;
    f.run_id = leading_integer(run.value("id", ""));
    auto status = run.value("status", "");
    f.final = status != "queued" && status != "running";
    f.total_logs = run.value("total_logs", int64_t{0});
  }
}

} // namespace downhill::bench
