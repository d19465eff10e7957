#include "fanout/frame_scan.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

namespace downhill::bench {

namespace {

/// The text right after `"key":` (an unescaped quote cannot occur inside
/// a JSON string, so this is the key itself); empty if absent.
std::string_view after_key(std::string_view text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string_view::npos)
    return {};
  return text.substr(at + key.size());
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
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + micros;
}

scanned_frame scan_frame(std::string_view text) {
  scanned_frame f;
  auto sent = after_key(text, "\"sent_at\":\"");
  if (!sent.empty())
    f.sent_us = parse_time_us(sent);
  auto type = after_key(text, "\"type\":\"");
  if (type.substr(0, 4) == "log\"") {
    f.type = scanned_frame::kind::log;
    f.seq = leading_integer(after_key(text, "\"seq\":"));
    f.run_id = leading_integer(after_key(text, "\"run_id\":\""));
  } else if (type.substr(0, 9) == "progress\"") {
    f.type = scanned_frame::kind::progress;
    f.run_id = leading_integer(after_key(text, "\"run_id\":\""));
  } else {
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
  return f;
}

} // namespace downhill::bench
