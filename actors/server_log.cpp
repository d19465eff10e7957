#include "actors/server_log.hpp"

#include <atomic>
#include <cstdio>
#include <iostream>
#include <random>

namespace downhill {

void log_line(log_level level, const std::string& text) {
  const char* label = level == log_level::error     ? "error: "
                      : level == log_level::warning ? "warning: "
                                                    : "";
  // One write per line, so lines from several threads never interleave.
  auto line = "downhill: " + std::string{label} + text + "\n";
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock{mutex};
  std::cerr << line << std::flush;
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
