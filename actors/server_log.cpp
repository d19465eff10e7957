#include "actors/server_log.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <random>
#include <thread>

namespace downhill {

namespace {

std::atomic<log_format> format_{log_format::text};
std::atomic<log_level> lowest_{log_level::info};

const char* level_name(log_level level) {
  switch (level) {
  case log_level::debug:
    return "debug";
  case log_level::info:
    return "info";
  case log_level::warning:
    return "warning";
  case log_level::error:
    return "error";
  }
  return "info";
}

/// Now, as RFC 3339 in UTC with milliseconds ("2026-11-26T04:31:27.123Z").
std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              now.time_since_epoch())
              .count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

std::string number_text(double value) {
  char text[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    std::snprintf(text, sizeof(text), "%.0f", value);
  else
    std::snprintf(text, sizeof(text), "%.3f", value);
  return text;
}

/// A text value as logfmt writes it: bare if it has no space, quote or
/// equals sign, else quoted.
std::string text_value(const std::string& value) {
  if (!value.empty()
      && value.find_first_of(" \"=\n\t") == std::string::npos)
    return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

/// Writes lines on a thread of its own, so that a logging thread (a
/// network thread logging a request) never waits on stderr: a slow pipe or
/// a stalled journal costs lines, counted and reported, not latency. The
/// queue is bounded. Error lines, and what waits at exit, are written at
/// once by the caller, so that the last words before a crash are kept.
class log_writer {
public:
  static log_writer& get() {
    // Never destroyed: threads may log during static destruction.
    static log_writer* writer = [] {
      auto* w = new log_writer;
      std::atexit([] { get().drain(); });
      return w;
    }();
    return *writer;
  }

  void push(std::string line, bool at_once) {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      if (lines_.size() >= limit) {
        ++dropped_;
        return;
      }
      lines_.push_back(std::move(line));
    }
    if (at_once)
      drain();
    else
      wake_.notify_one();
  }

  /// Writes everything queued, on the calling thread.
  void drain() {
    std::lock_guard<std::mutex> writing{write_mutex_};
    write(take());
  }

private:
  static constexpr size_t limit = 16384;

  log_writer() {
    std::thread{[this] { run(); }}.detach();
  }

  std::deque<std::string> take() {
    std::lock_guard<std::mutex> lock{mutex_};
    std::deque<std::string> out;
    out.swap(lines_);
    if (dropped_ > 0) {
      out.push_back("downhill: warning: " + std::to_string(dropped_)
                    + " log lines dropped (stderr too slow)\n");
      dropped_ = 0;
    }
    return out;
  }

  static void write(const std::deque<std::string>& lines) {
    for (auto& line : lines)
      std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }

  void run() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock{mutex_};
        wake_.wait(lock, [this] { return !lines_.empty() || dropped_ > 0; });
      }
      drain();
    }
  }

  std::mutex mutex_;        // lines_, dropped_
  std::mutex write_mutex_;  // one writer at a time keeps lines in order
  std::condition_variable wake_;
  std::deque<std::string> lines_;
  uint64_t dropped_ = 0;
};

std::string text_line(log_level level, const std::string& message,
                      const std::vector<log_field>& fields) {
  const char* label = level == log_level::error     ? "error: "
                      : level == log_level::warning ? "warning: "
                                                    : "";
  auto line = "downhill: " + std::string{label} + message;
  for (auto& f : fields)
    line += " " + f.key + "="
            + (f.is_number ? number_text(f.number) : text_value(f.text));
  return line + "\n";
}

std::string json_line(log_level level, const std::string& message,
                      const std::vector<log_field>& fields) {
  auto line = nlohmann::ordered_json::object();
  line["ts"] = timestamp();
  line["level"] = level_name(level);
  line["msg"] = message;
  for (auto& f : fields) {
    if (f.is_number && f.number == std::floor(f.number))
      line[f.key] = static_cast<int64_t>(f.number);
    else if (f.is_number)
      line[f.key] = f.number;
    else
      line[f.key] = f.text;
  }
  // Invalid UTF-8 (a client's path, a file name) is replaced, not thrown.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
         + "\n";
}

} // namespace

std::optional<log_level> parse_log_level(const std::string& name) {
  if (name == "debug")
    return log_level::debug;
  if (name == "info")
    return log_level::info;
  if (name == "warning" || name == "warn")
    return log_level::warning;
  if (name == "error")
    return log_level::error;
  return std::nullopt;
}

std::optional<log_format> parse_log_format(const std::string& name) {
  if (name == "text")
    return log_format::text;
  if (name == "json")
    return log_format::json;
  return std::nullopt;
}

void set_log_format(log_format format) {
  format_.store(format);
}

void set_log_level(log_level lowest) {
  lowest_.store(lowest);
}

bool log_enabled(log_level level) {
  return level >= lowest_.load(std::memory_order_relaxed);
}

void log_event(log_level level, const std::string& message,
               const std::vector<log_field>& fields) {
  if (!log_enabled(level))
    return;
  try {
    auto line = format_.load(std::memory_order_relaxed) == log_format::json
                  ? json_line(level, message, fields)
                  : text_line(level, message, fields);
    log_writer::get().push(std::move(line), level >= log_level::error);
  } catch (...) {
    // Logging never takes the server down (allocation failure at worst).
  }
}

void log_line(log_level level, const std::string& text) {
  log_event(level, text, {});
}

void log_line(const std::string& text) {
  log_line(log_level::info, text);
}

rate_limited_log::rate_limited_log(std::string what,
                                   std::chrono::seconds interval)
  : what_(std::move(what)), interval_(interval) {
}

void rate_limited_log::event(const std::string& detail) {
  auto now = std::chrono::steady_clock::now();
  uint64_t left_out = 0;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    if (last_ != std::chrono::steady_clock::time_point{}
        && now - last_ < interval_) {
      ++suppressed_;
      return;
    }
    last_ = now;
    left_out = suppressed_;
    suppressed_ = 0;
  }
  auto line = what_ + ": " + detail;
  if (left_out > 0)
    line += " (" + std::to_string(left_out) + " more since the last line)";
  log_line(line);
}

std::string new_error_id() {
  static std::atomic<uint64_t> counter{std::random_device{}()};
  auto n = counter.fetch_add(0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
  char text[16];
  std::snprintf(text, sizeof(text), "e-%08x",
                static_cast<unsigned>(n >> 32));
  return text;
}

} // namespace downhill
