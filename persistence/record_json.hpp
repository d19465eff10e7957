// How runs and logs look in the API and in WebSocket frames: one definition
// for the HTTP handlers and the run actors that publish live events.
#pragma once

#include "persistence/records.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace downhill::persistence {

/// RFC 3339 UTC with milliseconds.
std::string format_time(int64_t ms_since_epoch);
/// format_time, or null for 0.
nlohmann::json time_json(int64_t ms_since_epoch);

/// A run summary (docs/api.md "runs/{run}"); `now` makes elapsed_ms live.
nlohmann::json run_json(const run_record& run, int64_t now);
nlohmann::json log_json(const log_record& log);

} // namespace downhill::persistence
