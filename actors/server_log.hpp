// The server's log: one line per event on stderr, written whole even when
// several threads log at once. Every part of the server logs through here
// (stdout carries only the start-up lines). Two formats (--log-format):
// `text`, "downhill: [<level>: ]<message>[ key=value...]", and `json`, one
// JSON object per line with "ts", "level", "msg" and the event's fields.
// Lines below the level set by --log-level are not written.
//
// A rate limit covers the events a client can cause at will (malformed
// requests, refused connections), so that no client can fill the disk or
// busy a core with the server's own log.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace downhill {

/// How much an event matters to the operator. In text, `info` and `debug`
/// lines carry no label; the others start with "warning: " or "error: ".
enum class log_level { debug, info, warning, error };

enum class log_format { text, json };

/// "debug", "info", "warning", "error" (and "warn"); nullopt otherwise.
std::optional<log_level> parse_log_level(const std::string& name);
/// "text", "json"; nullopt otherwise.
std::optional<log_format> parse_log_format(const std::string& name);

/// Set once at start-up, before other threads log.
void set_log_format(log_format format);
void set_log_level(log_level lowest);
/// Whether a line at `level` would be written (skip building it if not).
bool log_enabled(log_level level);

/// One field of a structured line: its value is a string, or a number
/// (written without quotes in JSON).
struct log_field {
  log_field(std::string k, std::string v) : key(std::move(k)), text(std::move(v)) {}
  log_field(std::string k, const char* v) : key(std::move(k)), text(v) {}
  log_field(std::string k, int64_t v)
    : key(std::move(k)), number(static_cast<double>(v)), is_number(true) {}
  log_field(std::string k, int v) : log_field(std::move(k), int64_t{v}) {}
  log_field(std::string k, double v)
    : key(std::move(k)), number(v), is_number(true) {}

  std::string key;
  std::string text;
  double number = 0;
  bool is_number = false;
};

/// One event with fields (thread-safe). Never throws.
void log_event(log_level level, const std::string& message,
               const std::vector<log_field>& fields);

/// An event without fields.
void log_line(log_level level, const std::string& text);

/// Same as log_line(log_level::info, text).
void log_line(const std::string& text);

/// Logs the first event of each interval, and with the next logged line how
/// many were left out in between.
class rate_limited_log {
public:
  explicit rate_limited_log(std::string what,
                            std::chrono::seconds interval =
                              std::chrono::seconds(10));

  void event(const std::string& detail);

private:
  std::string what_;
  std::chrono::steady_clock::duration interval_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t suppressed_ = 0;
};

/// A short random id that ties a client's 500 answer to the log line that
/// holds the details ("e-3f9a1c2b").
std::string new_error_id();

} // namespace downhill
