// The server's log: one line per event on stderr ("downhill: ..."), written
// whole even when several threads log at once. Every part of the server
// logs through here (stdout carries only the start-up lines). A rate limit
// covers the events a client can cause at will (malformed requests, refused
// connections), so that no client can fill the disk or busy a core with the
// server's own log.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace downhill {

/// How much an event matters to the operator. `info` lines carry no label;
/// the others start with "warning: " or "error: ".
enum class log_level { info, warning, error };

/// Writes "downhill: [<level>: ]<text>" as one line (thread-safe).
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
